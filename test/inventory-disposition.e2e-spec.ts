import { inspectedAs, postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { localServer, LocalServer } from './support/local-server';
import { TestService } from './support/service';
import { eventually } from './support/eventually';

/**
 * `inventory.disposition` tells inventory where every returned unit goes, per item (the
 * contract: "per item: sku, quantity, disposition"). One sku graded two ways is two items;
 * before, the webhook carried the case's one line per sku with the disposition of its
 * accepted units, so the unit sent back to the customer was reported as restocked.
 */
describe('the inventory.disposition webhook', () => {
  let service: TestService;
  let hooks: LocalServer;
  const received: { type: string; data: any }[] = [];

  beforeAll(async () => {
    hooks = await localServer((_req, text, res) => {
      received.push(JSON.parse(text));
      res.writeHead(204).end();
    });
    service = await TestService.start({ withWorkers: true, env: { OUTBOUND_WEBHOOK_URLS: `${hooks.url}/inventory`, INSPECTION_DEADLINE: '3s' } });
  });

  afterAll(async () => {
    await service.close();
    await hooks.close();
  });

  /** A return of `quantity` units of S1 (9,900 each) carried to RECEIVED. */
  async function receivedReturn(quantity: number): Promise<string> {
    const { orderId } = await putOrder(service, { items: [{ sku: 'S1', name: 'T恤', category: 'apparel', quantity, unitPrice: 9900 }] });
    const id = (await postReturn(service, returnBody(orderId, { items: [{ sku: 'S1', quantity }] }))).body.id;
    const { shipment } = await service.waitForStatus(id, 'AWAITING_SHIPMENT');
    await service.as('carrier').post('/v1/logistics/tracking', { carrier: shipment.carrier, trackingNumber: shipment.trackingNumber, status: 'PICKED_UP', occurredAt: new Date().toISOString() }).expect(202);
    await service.waitForStatus(id, 'IN_TRANSIT');
    await service.as('warehouse').post(`/v1/returns/${id}/receive`).expect(200);
    return id;
  }

  const dispositionOf = async (caseId: string) =>
    (await eventually(`an inventory.disposition for ${caseId}`, () => received.find((e) => e.type === 'inventory.disposition' && e.data.id === caseId))).data;

  it('reports each graded line of one sku with its own units and disposition', async () => {
    const caseId = await receivedReturn(2);
    await service.as('warehouse').post(`/v1/returns/${caseId}/inspection`, { inspector: 'w-07', items: [inspectedAs('S1', 1, 'NEW'), inspectedAs('S1', 1, 'USED')] }).expect(202);
    await service.waitForStatus(caseId, 'REFUNDED');

    const data = await dispositionOf(caseId);
    expect(data.items).toEqual([
      { sku: 'S1', name: 'T恤', category: 'apparel', unitPrice: 9900, quantity: 1, acceptedQuantity: 1, condition: 'NEW', disposition: 'RESTOCK' },
      { sku: 'S1', name: 'T恤', category: 'apparel', unitPrice: 9900, quantity: 1, acceptedQuantity: 0, condition: 'USED', disposition: 'RETURN_TO_CUSTOMER' },
    ]);
    // The case view keeps its one line per sku, with what was accepted of it.
    const view = (await service.as('agent').get(`/v1/returns/${caseId}`)).body;
    expect(view.items).toEqual([expect.objectContaining({ sku: 'S1', quantity: 2 })]);
  });

  it('tells refund.succeeded with the refund paid, as the case view shows it', async () => {
    const caseId = await receivedReturn(1);
    await service.as('warehouse').post(`/v1/returns/${caseId}/inspection`, { inspector: 'w-07', items: [inspectedAs('S1', 1, 'NEW')] }).expect(202);
    await service.waitForStatus(caseId, 'REFUNDED');
    const { data } = await eventually(`a refund.succeeded for ${caseId}`, () => received.find((e) => e.type === 'refund.succeeded' && e.data.id === caseId));
    const view = (await service.as('agent').get(`/v1/returns/${caseId}`)).body;
    expect(data.refund).toMatchObject({ amount: 9900, currency: 'CNY', status: 'SUCCEEDED' });
    expect(data.refund).toEqual(view.refund);
  });

  it('reports every unit restocked when the inspection deadline accepted the return as it is', async () => {
    const caseId = await receivedReturn(2);
    await service.waitForStatus(caseId, 'REFUNDED');
    const data = await dispositionOf(caseId);
    expect(data.items).toEqual([{ sku: 'S1', name: 'T恤', category: 'apparel', unitPrice: 9900, quantity: 2, acceptedQuantity: 2, condition: null, disposition: 'RESTOCK' }]);
  });
});
