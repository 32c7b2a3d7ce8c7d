import { randomBytes } from 'node:crypto';
import { CaseService } from '@returns/case';
import { InspectionService } from '@returns/inspection';
import { IntakeService } from '@returns/intake';
import { LogisticsService } from '@returns/logistics';
import { deadlinePassed, inspectedAs, postReturn, putOrder } from './support/api-helpers';
import { orderBody, returnBody } from './support/factories';
import { TestService } from './support/service';

/**
 * What follows inspection, past the refund: what inventory is told of units nobody
 * inspected, and the parcels sent from the warehouse to the customer when the order has been
 * left with no address to send them to. The stages are called as their workers would.
 */
describe('after inspection', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: false });
  });

  afterAll(() => service?.close());

  const view = async (caseId: string) => (await service.as('agent').get(`/v1/returns/${caseId}`)).body;
  const noticesOf = async (caseId: string) =>
    (await service.as('agent').get('/v1/staff-notifications?limit=200')).body.items.filter((n: { caseId: string }) => n.caseId === caseId) as { kind: string; message: string }[];

  /** A return of `overrides` judged, booked and scanned in at the warehouse; its order's id and body. */
  async function received(overrides: Record<string, unknown> = {}) {
    const order = orderBody();
    const { orderId } = await putOrder(service, order);
    const caseId = (await postReturn(service, returnBody(orderId, overrides))).body.id;
    await service.get(IntakeService).judge(caseId);
    const logistics = service.get(LogisticsService);
    await logistics.book(caseId);
    expect((await service.get(CaseService).find(caseId))!.status).toBe('AWAITING_SHIPMENT');
    await logistics.receive(caseId, 'warehouse:w-01');
    return { caseId, orderId, order };
  }

  /** A return received and inspected as `items`, graded. */
  async function graded(items: object[], overrides: Record<string, unknown> = {}) {
    const subject = await received(overrides);
    expect((await service.as('warehouse').post(`/v1/returns/${subject.caseId}/inspection`, { inspector: 'w-07', items })).status).toBe(202);
    await service.get(InspectionService).grade(subject.caseId);
    return subject;
  }

  describe('units nobody inspected by the deadline', () => {
    // A photo of its own: one seen in another customer's return is a risk signal.
    const merchantFault = (reasonCode: string, reasonText: string) => ({
      reasonCode,
      reasonText,
      photos: [{ url: 'https://img.example.com/claim/1.jpg', sha256: randomBytes(32).toString('hex') }],
    });

    it.each([
      ['QUALITY_DEFECT', '用了一天就坏了，质量有问题', 'RETURN_TO_VENDOR'],
      ['DAMAGED_IN_TRANSIT', '物流把盒子压扁了', 'REFURBISH'],
    ])('never tells inventory to restock a unit returned for %s, taken on the customer\'s word', async (reasonCode, reasonText, disposition) => {
      const { caseId } = await received(merchantFault(reasonCode, reasonText));
      await deadlinePassed(service, caseId, 'inspectBy');
      expect(await service.get(InspectionService).onInspectionDeadline(caseId)).toBe(true);
      expect((await service.get(CaseService).find(caseId))!.status).toBe('REFUND_PENDING');
      // What inventory.disposition tells, and the case's items show.
      expect(await service.get(InspectionService).dispositions(caseId)).toEqual([expect.objectContaining({ sku: 'S1', quantity: 1, acceptedQuantity: 1, disposition })]);
      expect((await view(caseId)).items).toEqual([expect.objectContaining({ sku: 'S1', acceptedQuantity: 1, disposition })]);
    });

    it('restocks a unit returned for a customer reason, as before', async () => {
      const { caseId } = await received();
      await deadlinePassed(service, caseId, 'inspectBy');
      expect(await service.get(InspectionService).onInspectionDeadline(caseId)).toBe(true);
      expect(await service.get(InspectionService).dispositions(caseId)).toEqual([expect.objectContaining({ sku: 'S1', disposition: 'RESTOCK' })]);
    });
  });

  describe('parcels sent to the customer', () => {
    it.each([
      ['an item that failed inspection', 'sendBack', [inspectedAs('S1', 1, 'USED')], {}, 'sentBack', 'RETURNED_TO_CUSTOMER'],
      ["an exchange's replacement", 'shipReplacement', [inspectedAs('S1', 1, 'NEW')], { type: 'EXCHANGE' }, 'replacement', 'EXCHANGE_SHIPPED'],
    ] as const)(
      'tell the agents, once, when the order has lost its address to send %s to, and go once it has one again',
      async (_what, send, items, overrides, field, status) => {
        const { caseId, orderId, order } = await graded([...items], overrides);
        // Upstream sends the order again, without its address.
        const { address, ...withoutAddress } = order;
        expect((await service.as('upstream').put(`/v1/orders/${orderId}`, withoutAddress)).status).toBe(200);
        const logistics = service.get(LogisticsService);
        await expect(logistics[send](caseId)).rejects.toThrow(/no address/);
        await expect(logistics[send](caseId)).rejects.toThrow(/no address/); // the job's retry
        const notices = await noticesOf(caseId);
        expect(notices).toHaveLength(1);
        expect(notices[0]).toMatchObject({ kind: 'outbound-no-address', message: expect.stringContaining(`PUT /v1/orders/${orderId}`) });
        expect((await view(caseId))[field]).toBeNull();

        expect((await service.as('upstream').put(`/v1/orders/${orderId}`, { ...withoutAddress, address })).status).toBe(200);
        await logistics[send](caseId);
        const after = await view(caseId);
        expect(after.status).toBe(status);
        expect(after[field]).toMatchObject({ status: 'BOOKED', units: 1 });
      },
    );
  });
});
