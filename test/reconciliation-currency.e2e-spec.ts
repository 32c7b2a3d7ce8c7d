import { CaseService } from '@returns/case';
import { IntakeService } from '@returns/intake';
import { PolicyService } from '@returns/policy';
import { OutboxService } from '@returns/queue';
import { DataSource } from 'typeorm';
import { FeedbackService, GatewayRefund, PaymentGateway, PaymentSimulator, RefundOrder, RefundService } from '@returns/refund';
import { postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { TestService } from './support/service';

/**
 * What CONTRACT.md promises of every answer, checked where the code once fell short of it.
 * Conventions: "money is an integer in minor units with an ISO currency code beside it".
 */
describe('the contract as written (docs truth)', () => {
  let service: TestService;

  beforeAll(async () => {
    // No workers: the test pays the refund itself, through a gateway that pays less than asked.
    service = await TestService.start({ withWorkers: false });
  });

  afterAll(() => service.close());

  /** The simulated gateway, paying 1.00 less than asked and answering as if it had paid it all. */
  class ShortPayingGateway implements PaymentGateway {
    constructor(private readonly simulator: PaymentSimulator) {}
    async refund(order: RefundOrder): Promise<GatewayRefund> {
      await this.simulator.refund({ ...order, amountMinor: order.amountMinor - 100 });
      return { providerRefundId: `short-${order.idempotencyKey}`, amountMinor: order.amountMinor };
    }
    findRefund(idempotencyKey: string): Promise<GatewayRefund | null> {
      return this.simulator.findRefund(idempotencyKey);
    }
  }

  it("names the currency beside every amount of a reconciliation's discrepancies (ours and the gateway's)", async () => {
    const { orderId } = await putOrder(service, { currency: 'JPY' });
    const created = await postReturn(
      service,
      returnBody(orderId, { type: 'REFUND_ONLY', reasonCode: 'CHANGED_MIND', reasonText: undefined, returnMethod: undefined, items: [{ sku: 'MUG', quantity: 1 }] }),
    );
    expect(created.status).toBe(202);
    const caseId: string = created.body.id;
    await service.get(IntakeService).judge(caseId);
    expect((await service.get(CaseService).find(caseId))!.status).toBe('REFUND_PENDING');

    const refunds = new RefundService(
      service.get(DataSource),
      new ShortPayingGateway(service.get(PaymentSimulator)),
      service.get(OutboxService),
      service.get(CaseService),
      service.get(PolicyService),
      service.get(FeedbackService),
    );
    await refunds.issue(caseId, false);
    const refund = (await service.get(RefundService).findByCase(caseId))!;
    expect(refund).toMatchObject({ status: 'SUCCEEDED', currency: 'JPY' });

    const run = await service.as('finance').post('/v1/refunds/reconciliations', {});
    expect(run.status).toBe(201);
    const found = (run.body.discrepancies as Record<string, any>[]).find((d) => d.refundId === refund.id);
    expect(found).toMatchObject({
      finding: 'AMOUNT_MISMATCH',
      ours: { amountMinor: refund.amount, currency: 'JPY' },
      gateway: [{ amountMinor: refund.amount - 100, currency: 'JPY' }],
    });

    // The run as listed afterwards says the same.
    const listed = await service.as('finance').get('/v1/refunds/reconciliations?limit=1');
    expect(listed.status).toBe(200);
    expect((listed.body.items[0].discrepancies as Record<string, any>[]).find((d) => d.refundId === refund.id)).toMatchObject({
      ours: { currency: 'JPY' },
      gateway: [{ currency: 'JPY' }],
    });
  });
});
