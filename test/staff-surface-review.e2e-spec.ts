import { IntakeService } from '@returns/intake';
import { expectError, expectFieldError, postReturn, putOrder } from './support/api-helpers';
import { returnBody, uniqueId } from './support/factories';
import { TestService } from './support/service';

/** The staff's and admins' side of the API: what agents, warehouses and admins send it. */
describe('staff and admin surface', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: false });
  });

  afterAll(() => service?.close());

  const admin = () => service.as('admin');

  /** Runs `body` with the process's time zone set to `zone`, as on a server set to it. */
  async function inTimeZone<T>(zone: string, body: () => Promise<T>): Promise<T> {
    const before = process.env.TZ;
    process.env.TZ = zone;
    try {
      return await body();
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  }

  describe('analytics ranges', () => {
    it('reads every ISO-8601 form the range accepts, as UTC when written without an offset', async () => {
      for (const path of ['/v1/admin/analytics/reasons', '/v1/admin/analytics/stages', '/v1/admin/analytics/feedback', '/v1/admin/sla/breaches']) {
        // Basic format, and an hour alone: both valid ISO-8601, both a 500 when read by `new Date`.
        const basic = await admin().get(`${path}?from=20261101&to=20261112T08`);
        expect({ path, status: basic.status, from: basic.body.from, to: basic.body.to }).toEqual({
          path,
          status: 200,
          from: '2026-11-01T00:00:00.000Z',
          to: '2026-11-12T08:00:00.000Z',
        });
      }
      // The contract's timestamps are UTC: the same range whatever the server's zone.
      const shanghai = await inTimeZone('Asia/Shanghai', () => admin().get('/v1/admin/analytics/reasons?from=2026-11-01T00:00:00&to=2026-11-12T00:00:00'));
      expect(shanghai.body).toMatchObject({ from: '2026-11-01T00:00:00.000Z', to: '2026-11-12T00:00:00.000Z' });
      // An offset means what it says.
      const offset = await admin().get('/v1/admin/analytics/reasons?from=2026-11-01T08:00:00%2B08:00&to=2026-11-12T00:00:00Z');
      expect(offset.body).toMatchObject({ from: '2026-11-01T00:00:00.000Z' });
    });

    it('refuses with a 400 naming the field a date it cannot place in time, rather than a 500', async () => {
      // A week date passes IsISO8601 but names no instant this service reads.
      const week = await admin().get('/v1/admin/analytics/reasons?from=2026-W45-1');
      expectFieldError(week, /^from /);
      expectFieldError(await admin().get('/v1/admin/sla/breaches?to=2026-305'), /^to /);
    });
  });

  describe('recovery', () => {
    it('reads `since` in every ISO-8601 form it accepts, and refuses one it cannot place with a 400', async () => {
      const basic = await admin().post('/v1/admin/recovery', { since: '20261101' });
      expect(basic.status).toBe(200);
      expectFieldError(await admin().post('/v1/admin/recovery', { since: '2026-W45-1' }), /^since /);
      // Without an offset, UTC, whatever the server's zone: an hour ago is not in the future on a server west of Greenwich,
      const anHourAgo = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, '');
      const west = await inTimeZone('America/Los_Angeles', () => admin().post('/v1/admin/recovery', { since: anHourAgo }));
      expect(west.status).toBe(200);
      // and two hours ahead is in the future on a server east of it.
      const ahead = new Date(Date.now() + 2 * 3_600_000).toISOString().replace(/\.\d+Z$/, '');
      expectError(await inTimeZone('Asia/Shanghai', () => admin().post('/v1/admin/recovery', { since: ahead })), 400, 'SINCE_IN_FUTURE');
    });
  });

  describe('policy changes', () => {
    it('refuses a null rule with a 400 naming it, and keeps the policy as it was', async () => {
      const category = uniqueId('tees');
      expect((await admin().put(`/v1/policies/${category}`, { customerReasonWindowDays: 10 })).status).toBe(200);
      for (const change of [
        { customerReasonWindowDays: null },
        { acceptsCustomerReasons: null },
        { customerReasonConditions: null },
        { autoApproveCeilingMinor: null },
        { shippingPaidBy: null },
        { shippingPaidBy: { customer: null } },
      ]) {
        const field = Object.keys(change)[0];
        const response = await admin().put(`/v1/policies/${category}`, change);
        expect({ change, status: response.status }).toEqual({ change, status: 400 });
        expectFieldError(response, new RegExp(`^${field}[ .]`));
      }
      const listed = (await admin().get('/v1/policies')).body.items.find((p: { category: string }) => p.category === category);
      expect(listed).toMatchObject({ version: `${category}@1`, customerReasonWindowDays: 10, shippingPaidBy: { customer: 'CUSTOMER', merchantFault: 'MERCHANT' } });

      // Returns of the category are still judged by it: in the window, approved.
      const { orderId } = await putOrder(service, { items: [{ sku: 'S1', name: 'T恤', category, quantity: 1, unitPrice: 9900 }] });
      const created = await postReturn(service, returnBody(orderId));
      await service.get(IntakeService).judge(created.body.id);
      expect((await service.as('agent').get(`/v1/returns/${created.body.id}`)).body).toMatchObject({ status: 'APPROVED', decision: { policyVersion: expect.stringContaining(`${category}@1`) } });
    });
  });

  describe('Bull Board', () => {
    it('answers a cookie that holds no key it could have set (not URI-encoded) with 401, not 500', async () => {
      const broken = await service.http().get('/admin/queues/api/queues').set('Cookie', 'returns_admin_key=%E0%A4%A');
      expectError(broken, 401, 'UNAUTHENTICATED');
      // The header still counts beside it.
      expect((await service.http().get('/admin/queues/api/queues').set('Cookie', 'returns_admin_key=%E0%A4%A').set('Authorization', 'Bearer dev-admin')).status).toBe(200);
    });
  });
});
