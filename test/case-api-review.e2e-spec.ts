import { expectError, putOrder, returnFor } from './support/api-helpers';
import { REFUND_ONLY_MUG, uniqueId } from './support/factories';
import { TestService } from './support/service';

/**
 * The returns API as the portal, agents and upstream read a case after intake: what each
 * sees of it, and what the list answers to queries it did not expect.
 */
describe('case API after intake', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: true });
  });

  afterAll(() => service.close());

  const ANY_UUID = '01a2232a-4cab-77a3-a294-30ceeb786a90';
  const cursorOf = (text: string) => Buffer.from(text).toString('base64url');

  describe('GET /v1/returns', () => {
    it.each([
      ['a bare number for its time', `1|${ANY_UUID}`],
      ['a day past the end of its month', `2024-02-30T00:00:00.000Z|${ANY_UUID}`],
      ['a year of six digits', `+275760-09-13T00:00:00.000Z|${ANY_UUID}`],
      ['the year 0, which PostgreSQL does not have', `0000-01-01T00:00:00.000Z|${ANY_UUID}`],
      ['a time with no zone', `2024-01-01 10:00|${ANY_UUID}`],
      ['dashes for its id', `2024-01-01T00:00:00.000Z|${'-'.repeat(36)}`],
    ])('answers 400 INVALID_CURSOR to a cursor with %s, not 500', async (_what, text) => {
      const response = await service.as('agent').get(`/v1/returns?cursor=${cursorOf(text)}`);
      expectError(response, 400, 'INVALID_CURSOR');
    });

    it('still pages with the cursors it gives out', async () => {
      const { orderId } = await putOrder(service);
      const first = await returnFor(service, orderId, 'AWAITING_SHIPMENT', { items: [{ sku: 'S1', quantity: 1 }] });
      const second = await returnFor(service, orderId, 'AWAITING_SHIPMENT', { items: [{ sku: 'MUG', quantity: 1 }] });
      const page1 = await service.as('agent').get(`/v1/returns?orderId=${orderId}&limit=1`);
      expect(page1.body.items.map((i: { id: string }) => i.id)).toEqual([second.id]);
      const page2 = await service.as('agent').get(`/v1/returns?orderId=${orderId}&limit=1&cursor=${page1.body.nextCursor}`);
      expect(page2.status).toBe(200);
      expect(page2.body.items.map((i: { id: string }) => i.id)).toEqual([first.id]);
    });
  });

  describe('GET /v1/returns/{id} as the portal', () => {
    it("shows no payment provider's words about a failed refund, in the refund or in the timeline", async () => {
      const { orderId } = await putOrder(service, { payment: { provider: 'alipay', transactionId: uniqueId('T-DECLINE') } });
      const failed = await returnFor(service, orderId, 'REFUND_FAILED', REFUND_ONLY_MUG);
      // Finance sees why, in both places.
      expect(failed.refund.lastError).toMatch(/declined/);
      expect(failed.timeline.at(-1)).toMatchObject({ to: 'REFUND_FAILED', note: failed.refund.lastError });

      const asCustomer = await service.as('portal').get(`/v1/returns/${failed.id}`);
      expect(asCustomer.status).toBe(200);
      expect(asCustomer.body.refund).toMatchObject({ status: 'FAILED', attempts: 1 });
      expect(asCustomer.body.refund).not.toHaveProperty('lastError');
      expect(asCustomer.body.timeline.at(-1)).toMatchObject({ from: 'REFUND_PENDING', to: 'REFUND_FAILED', note: null });
      expect(JSON.stringify(asCustomer.body)).not.toContain(failed.refund.lastError);
    });
  });
});
