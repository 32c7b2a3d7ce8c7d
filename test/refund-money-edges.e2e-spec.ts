import { LogisticsService } from '@returns/logistics';
import { CaseView, postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { TestService } from './support/service';

type BreakdownLine = { code: string; sku?: string; quantity?: number; amount: number };

/**
 * Refunds at the edges of the money rules (README, "Refunds: never more than was paid"):
 * a pickup quoted in another currency than the order's, an sku bought on several order
 * lines at different prices. With the workers, over HTTP, as return-lifecycle.e2e-spec.ts.
 */
describe('refunds: money edges', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: true });
  });

  afterAll(() => service.close());

  /** Carries a case awaiting its parcel through pickup, receipt and an inspection that passes every unit as NEW. */
  async function shipAndPass(awaiting: CaseView, items: { sku: string; quantity: number }[]): Promise<CaseView> {
    const { carrier, trackingNumber } = awaiting.shipment;
    expect((await service.as('carrier').post('/v1/logistics/tracking', { carrier, trackingNumber, status: 'PICKED_UP', occurredAt: new Date().toISOString() })).status).toBe(202);
    await service.waitForStatus(awaiting.id, 'IN_TRANSIT');
    expect((await service.as('warehouse').post(`/v1/returns/${awaiting.id}/receive`)).status).toBe(200);
    const inspected = items.map((i) => ({ ...i, condition: 'NEW', checks: { tagsAttached: true, signsOfWear: false } }));
    expect((await service.as('warehouse').post(`/v1/returns/${awaiting.id}/inspection`, { inspector: 'w-01', items: inspected })).status).toBe(202);
    return service.waitForStatus(awaiting.id, 'REFUNDED');
  }

  /** A refund-only request (no parcel) for `items`, judged and refunded by the workers. */
  async function refundOnly(orderId: string, items: { sku: string; quantity: number }[]): Promise<CaseView> {
    const created = await postReturn(service, returnBody(orderId, { type: 'REFUND_ONLY', reasonCode: 'CHANGED_MIND', reasonText: undefined, returnMethod: undefined, items }));
    expect(created.status).toBe(202);
    return service.waitForStatus(created.body.id, 'REFUNDED');
  }

  describe('a customer-paid pickup quoted in another currency than the order\'s', () => {
    it.each([
      // A yen shop: 15.00 CNY deducted as ¥1,500 took half of a ¥3,000 refund.
      ['JPY', 3000],
      // A dollar shop: 15.00 CNY deducted as $15.00 took about 7 times the pickup's cost.
      ['USD', 3000],
    ])('is not deducted from a %s order\'s refund: the merchant bears it, and the timeline says so', async (currency, unitPrice) => {
      const { orderId } = await putOrder(service, { currency, items: [{ sku: 'S1', name: 'Tシャツ', category: 'apparel', quantity: 1, unitPrice }] });
      const created = await postReturn(service, returnBody(orderId, { returnMethod: 'PICKUP' }));
      expect(created.status).toBe(202);
      const awaiting = await service.waitForStatus(created.body.id, 'AWAITING_SHIPMENT');
      expect(awaiting.shippingPaidBy).toBe('CUSTOMER');
      expect(awaiting.shipment).toMatchObject({ method: 'PICKUP', costMinor: expect.any(Number) });
      expect(awaiting.shipment.costMinor).toBeGreaterThan(0);
      // Nothing deducted: the carriers quote in CNY fen, and no rate converts them.
      expect(awaiting.returnShippingChargeMinor).toBe(0);
      const booked = awaiting.timeline.find((t: { to: string }) => t.to === 'AWAITING_SHIPMENT');
      expect(booked.note).toContain(awaiting.shipment.trackingNumber);
      expect(booked.note).toMatch(/not deducted from the refund/);
      expect(booked.note).toContain(`paid in ${currency}`);
      expect(booked.note).toMatch(/merchant bears it/);

      const refunded = await shipAndPass(awaiting, [{ sku: 'S1', quantity: 1 }]);
      expect(refunded.refund).toMatchObject({ status: 'SUCCEEDED', currency, amount: unitPrice });
      expect(refunded.refund.breakdown.map((l: BreakdownLine) => l.code)).not.toContain('RETURN_SHIPPING');
      // The shipment keeps its cost's currency beside it.
      expect(await service.get(LogisticsService).findByCase(awaiting.id)).toMatchObject({ costMinor: awaiting.shipment.costMinor, costCurrency: 'CNY' });
    });
  });

  describe('an sku bought on two order lines at different prices', () => {
    // Two units of S1, the second at a promotion price, and a mug the customer keeps.
    const full = { sku: 'S1', name: 'T恤', category: 'apparel', quantity: 1, unitPrice: 9900 };
    const half = { sku: 'S1', name: 'T恤 (第二件半价)', category: 'apparel', quantity: 1, unitPrice: 4900 };
    const mug = { sku: 'MUG', name: '马克杯', category: 'home', quantity: 1, unitPrice: 4500 };

    it.each([
      ['the full-price line first', [full, half, mug]],
      ['the half-price line first', [half, full, mug]],
    ])('refunds both units at what was paid for them, with %s', async (_order, items) => {
      const { orderId } = await putOrder(service, { items });
      const refunded = await refundOnly(orderId, [{ sku: 'S1', quantity: 2 }]);
      // Paid for the two S1: 9900 + 4900. Not 2 x 9900 capped at the order (19300, the mug's price
      // paid out too), nor 2 x 4900.
      expect(refunded.refund.amount).toBe(9900 + 4900);
      expect(refunded.items).toEqual([expect.objectContaining({ sku: 'S1', quantity: 2, unitPrice: 7400 })]);
      expect(refunded.refund.breakdown.map((l: BreakdownLine) => [l.code, l.amount])).toEqual([['ITEM', 9900 + 4900]]);
    });

    it('refunds its units returned in two cases no more, in all, than was paid for them', async () => {
      const { orderId } = await putOrder(service, { items: [full, half, mug] });
      const first = await refundOnly(orderId, [{ sku: 'S1', quantity: 1 }]);
      const second = await refundOnly(orderId, [{ sku: 'S1', quantity: 1 }]);
      expect([first.refund.amount, second.refund.amount]).toEqual([7400, 7400]);
    });
  });
});
