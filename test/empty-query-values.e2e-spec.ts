import { IntakeService } from '@returns/intake';
import { expectFieldError, postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { TestService } from './support/service';

/**
 * The contract writes its queries with every parameter present (`?status=&orderId=&limit=`), and
 * clients send unset filters that way: an empty value means "not given" for every optional query
 * parameter, while a non-empty value that is wrong is still a 400.
 */
describe('empty query values', () => {
  let service: TestService;
  let customerId: string;
  let caseIds: string[];

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: false });
    const first = await putOrder(service);
    customerId = first.customerId;
    const second = await putOrder(service, { customer: first.order.customer });
    caseIds = [];
    for (const orderId of [first.orderId, second.orderId]) {
      const created = await postReturn(service, returnBody(orderId));
      expect(created.status).toBe(202);
      await service.get(IntakeService).judge(created.body.id);
      caseIds.unshift(created.body.id);
    }
  });

  afterAll(() => service.close());

  describe('GET /v1/returns', () => {
    const ids = (body: { items: { id: string }[] }) => body.items.map((i) => i.id);

    it('lists as if no filter were given when every filter is sent empty', async () => {
      const mine = `customerId=${encodeURIComponent(customerId)}`;
      const response = await service.as('agent').get(`/v1/returns?${mine}&status=&orderId=&merchantId=&limit=&cursor=`);
      expect(response.status).toBe(200);
      expect(ids(response.body)).toEqual(caseIds);
      expect(response.body.nextCursor).toBeNull();
    });

    it('takes the query of the contract with nothing filled in', async () => {
      const response = await service.as('finance').get('/v1/returns?status=&orderId=&customerId=&merchantId=&limit=&cursor=');
      expect(response.status).toBe(200);
      expect(response.body.items.length).toBeGreaterThanOrEqual(caseIds.length);
      expect(response.body.items.length).toBeLessThanOrEqual(20);
    });

    it('still answers 400 for a status or limit that is not empty and not valid', async () => {
      expectFieldError(await service.as('agent').get('/v1/returns?status=SHIPPED'), /^status /);
      expectFieldError(await service.as('agent').get('/v1/returns?limit=abc'), /^limit /);
      expectFieldError(await service.as('agent').get('/v1/returns?limit=0'), /^limit /);
    });
  });

  describe('admin analytics', () => {
    const fullDays = (body: { from: string; to: string }) => (Date.parse(body.to) - Date.parse(body.from)) / 86_400_000;

    it.each(['analytics/reasons', 'analytics/stages', 'analytics/feedback', 'sla/breaches'])('reads %s over the default 30 days when from and to are sent empty', async (path) => {
      const before = Date.now();
      const response = await service.as('admin').get(`/v1/admin/${path}?from=&to=`);
      expect(response.status).toBe(200);
      expect(Date.parse(response.body.to)).toBeGreaterThanOrEqual(before - 1_000);
      expect(fullDays(response.body)).toBe(30);
    });

    it('reads the SLA breaches with the default limit when limit is sent empty', async () => {
      expect((await service.as('admin').get('/v1/admin/sla/breaches?from=&to=&limit=')).status).toBe(200);
    });

    it('still answers 400 for a from, to or limit that is not empty and not valid', async () => {
      expectFieldError(await service.as('admin').get('/v1/admin/analytics/reasons?from=yesterday&to='), /^from /);
      expectFieldError(await service.as('admin').get('/v1/admin/analytics/reasons?from=&to=tomorrow'), /^to /);
      expectFieldError(await service.as('admin').get('/v1/admin/sla/breaches?limit=0'), /^limit /);
    });
  });

  describe('GET /v1/refunds/reconciliations', () => {
    it('lists with the default limit when limit is sent empty, and refuses one out of range', async () => {
      const response = await service.as('finance').get('/v1/refunds/reconciliations?limit=');
      expect(response.status).toBe(200);
      expect(response.body.items).toEqual(expect.any(Array));
      expectFieldError(await service.as('finance').get('/v1/refunds/reconciliations?limit=0'), /^limit /);
    });
  });

  describe.each(['review-queue', 'staff-notifications'])('the review desk: GET /v1/%s', (list) => {
    it('lists with the default limit when limit is sent empty, and refuses one that is not 1 to 200', async () => {
      const response = await service.as('agent').get(`/v1/${list}?limit=`);
      expect(response.status).toBe(200);
      expect(response.body.items).toEqual(expect.any(Array));
      expect((await service.as('agent').get(`/v1/${list}?limit=200`)).status).toBe(200);
      for (const limit of ['0', '201', 'abc']) expectFieldError(await service.as('agent').get(`/v1/${list}?limit=${limit}`), /^limit /);
    });
  });

  describe('GET /v1/policies/{category}/preview', () => {
    it('speaks Chinese, its default, when locale is sent empty, and refuses a locale that is no language tag', async () => {
      const response = await service.http().get('/v1/policies/apparel/preview?locale=');
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ category: 'apparel', locale: 'zh-CN' });
      expect((await service.http().get('/v1/policies/apparel/preview?locale=../../etc')).status).toBe(400);
    });
  });
});
