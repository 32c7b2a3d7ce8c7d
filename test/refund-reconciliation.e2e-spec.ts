import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { ADVISORY_LOCK } from '@returns/database';
import { CaseService } from '@returns/case';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Jobs, ProviderHttpError, QueueName } from '@returns/contracts';
import { IntakeService } from '@returns/intake';
import { PolicyService } from '@returns/policy';
import { OutboxService } from '@returns/queue';
import {
  ABANDONED,
  FeedbackService,
  GatewayRefund,
  PAYMENT_GATEWAY,
  PaymentDeclinedError,
  PaymentGateway,
  PaymentSimulator,
  RefundOrder,
  RefundReconciler,
  RefundReconciliation,
  RefundService,
  ReconciliationReport,
} from '@returns/refund';
import { expectError, postReturn, putOrder } from './support/api-helpers';
import { returnBody, uniqueId } from './support/factories';
import { TestService } from './support/service';
import { stageDatabase } from './support/stage-database';
import { WorkersModule } from '../apps/worker/src/workers.module';

/**
 * The nightly reconciliation against the (simulated) payment gateway. Each refund here is
 * brought into its state the way it happens in production: a gateway that pays and then
 * times out, a database that goes away between the payment and its record, a late
 * settlement of a round finance had already retried. The comparison runs on the real
 * database and the simulator's real ledger.
 */
describe('refund reconciliation', () => {
  let service: TestService;
  let simulator: PaymentSimulator;

  beforeAll(async () => {
    // No workers: the test pays each refund itself, through the gateway it scripts.
    service = await TestService.start({ withWorkers: false, env: { RECONCILIATION_GRACE: '1ms' } });
    simulator = service.get(PaymentSimulator);
  });

  afterAll(() => service.close());

  /** The real simulator, behind a stand-in that can misbehave the way gateways do. */
  class ScriptedGateway implements PaymentGateway {
    /** pay: as the simulator; late: pays, then our call times out; refuse: times out having paid nothing; phantom: answers success without paying; short: pays 1.00 less */
    behaviour: 'pay' | 'late' | 'refuse' | 'phantom' | 'short' = 'pay';
    /** runs once the payment is made, before the answer comes back */
    afterPaying?: () => Promise<void>;

    async refund(order: RefundOrder): Promise<GatewayRefund> {
      if (this.behaviour === 'refuse') throw new Error('payment gateway timed out');
      if (this.behaviour === 'phantom') return { providerRefundId: `phantom-${order.idempotencyKey}`, amountMinor: order.amountMinor };
      const paid = await simulator.refund(this.behaviour === 'short' ? { ...order, amountMinor: order.amountMinor - 100 } : order);
      await this.afterPaying?.();
      if (this.behaviour === 'late') throw new Error('payment gateway timed out');
      return this.behaviour === 'short' ? { ...paid, amountMinor: order.amountMinor } : paid;
    }

    findRefund(idempotencyKey: string): Promise<GatewayRefund | null> {
      return simulator.findRefund(idempotencyKey);
    }
  }

  const config = () => service.get<AppConfig>(APP_CONFIG);
  const refundsWith = (gateway: PaymentGateway, dataSource = service.get(DataSource), outbox = service.get(OutboxService)) =>
    new RefundService(dataSource, gateway, outbox, service.get(CaseService), service.get(PolicyService), service.get(FeedbackService));

  /** A new refund-only case, judged and due its refund (REFUND_PENDING), its refund job left waiting. */
  async function refundDue(): Promise<string> {
    const { orderId } = await putOrder(service, { payment: { provider: 'alipay', transactionId: uniqueId('T') } });
    const created = await postReturn(
      service,
      returnBody(orderId, { type: 'REFUND_ONLY', reasonCode: 'CHANGED_MIND', reasonText: undefined, returnMethod: undefined, items: [{ sku: 'MUG', quantity: 1 }] }),
    );
    expect(created.status).toBe(202);
    await service.get(IntakeService).judge(created.body.id);
    expect((await service.get(CaseService).find(created.body.id))!.status).toBe('REFUND_PENDING');
    return created.body.id;
  }

  const refundOf = async (caseId: string) => (await service.get(RefundService).findByCase(caseId))!;
  const statusOf = async (caseId: string) => (await service.get(CaseService).find(caseId))!.status;
  const payoutsOf = async (refundId: string) => (await simulator.payouts()).filter((p) => p.idempotencyKey.includes(refundId));
  const findingsOf = (report: ReconciliationReport, refundId: string) => report.discrepancies.filter((d) => d.refundId === refundId).map((d) => d.finding);
  const reconcile = async () => (await service.get(RefundReconciliation).run('manual'))!;

  it('records a refund the gateway paid while the database was away, as the payment would have, once', async () => {
    const caseId = await refundDue();
    // The refund stage's pool reaches PostgreSQL through a relay, cut once the gateway has paid.
    const stage = await stageDatabase(service, { throughRelay: true });
    try {
      const gateway = new ScriptedGateway();
      gateway.afterPaying = () => stage.relay!.cut();
      // The job's last attempt: nothing will run it again.
      await expect(refundsWith(gateway, stage.dataSource, stage.outbox).issue(caseId, true)).rejects.toThrow();
    } finally {
      await stage.close();
    }
    const stuck = await refundOf(caseId);
    expect(stuck.status).toBe('PENDING');
    expect(await statusOf(caseId)).toBe('REFUND_PENDING');
    const [payout] = await payoutsOf(stuck.id);
    expect(payout).toMatchObject({ amountMinor: stuck.amount });

    const report = await reconcile();
    expect(findingsOf(report, stuck.id)).toEqual([]);
    expect(report.settled).toBeGreaterThanOrEqual(1);
    const settled = await refundOf(caseId);
    expect(settled).toMatchObject({ status: 'SUCCEEDED', providerRefundId: payout.providerRefundId });
    expect(await statusOf(caseId)).toBe('REFUNDED');
    // The customer is told, and nothing is paid again.
    expect(await service.queue(QueueName.Notification).getJob(Jobs.notify(caseId, 'refund.succeeded').jobId)).toBeTruthy();
    expect(await payoutsOf(stuck.id)).toHaveLength(1);

    // The next run finds it in order and leaves it.
    const again = await reconcile();
    expect(findingsOf(again, stuck.id)).toEqual([]);
    expect((await refundOf(caseId)).updatedAt).toEqual(settled.updatedAt);
  });

  it('pays nothing again for a refund made anew after its row was lost (a database restored from before it)', async () => {
    const caseId = await refundDue();
    await refundsWith(new ScriptedGateway()).issue(caseId, false);
    const paid = await refundOf(caseId);
    expect(paid.status).toBe('SUCCEEDED');
    // A restore from a backup taken before the payment was recorded: no refund row, the case still due its refund.
    await service.db.query('DELETE FROM refunds WHERE id = $1', [paid.id]);
    await service.db.query(`UPDATE return_cases SET status = 'REFUND_PENDING' WHERE id = $1`, [caseId]);

    await refundsWith(new ScriptedGateway()).issue(caseId, false);
    // The same case makes the same refund id, so the same first key: the gateway answers it with the payment it made.
    expect(await refundOf(caseId)).toMatchObject({ id: paid.id, idempotencyKey: paid.idempotencyKey, status: 'SUCCEEDED', providerRefundId: paid.providerRefundId });
    expect(await statusOf(caseId)).toBe('REFUNDED');
    expect(await payoutsOf(paid.id)).toHaveLength(1);
  });

  it('settles a refund marked FAILED whose payment the gateway made after our call timed out', async () => {
    const caseId = await refundDue();
    const gateway = new ScriptedGateway();
    gateway.behaviour = 'late';
    await refundsWith(gateway).issue(caseId, true);
    expect(await statusOf(caseId)).toBe('REFUND_FAILED');
    const failed = await refundOf(caseId);
    expect(failed.status).toBe('FAILED');

    expect(findingsOf(await reconcile(), failed.id)).toEqual([]);
    expect((await refundOf(caseId)).status).toBe('SUCCEEDED');
    expect(await statusOf(caseId)).toBe('REFUNDED');
    expect(await payoutsOf(failed.id)).toHaveLength(1);
  });

  it('reports what it must not mend: a payment the gateway never made, another amount, a PENDING refund never paid', async () => {
    const [phantomCase, shortCase, stuckCase] = [await refundDue(), await refundDue(), await refundDue()];
    const gateway = new ScriptedGateway();
    gateway.behaviour = 'phantom';
    await refundsWith(gateway).issue(phantomCase, false);
    gateway.behaviour = 'short';
    await refundsWith(gateway).issue(shortCase, false);
    gateway.behaviour = 'refuse';
    await expect(refundsWith(gateway).issue(stuckCase, false)).rejects.toThrow('timed out');
    const [phantom, short, stuck] = [await refundOf(phantomCase), await refundOf(shortCase), await refundOf(stuckCase)];
    expect([phantom.status, short.status, stuck.status]).toEqual(['SUCCEEDED', 'SUCCEEDED', 'PENDING']);

    const report = await reconcile();
    expect(findingsOf(report, phantom.id)).toEqual(['MISSING_AT_GATEWAY']);
    expect(findingsOf(report, short.id)).toEqual(['AMOUNT_MISMATCH']);
    expect(findingsOf(report, stuck.id)).toEqual(['STUCK_PENDING']);
    const shortFinding = report.discrepancies.find((d) => d.refundId === short.id)!;
    expect(shortFinding).toMatchObject({ caseId: shortCase, ours: { status: 'SUCCEEDED', amountMinor: short.amount }, gateway: [{ amountMinor: short.amount - 100 }] });
    // Reported, not changed: no money moves and no case moves on a discrepancy.
    expect([await statusOf(phantomCase), await statusOf(shortCase), await statusOf(stuckCase)]).toEqual(['REFUNDED', 'REFUNDED', 'REFUND_PENDING']);
    expect((await refundOf(stuckCase)).status).toBe('PENDING');
    expect(await payoutsOf(stuck.id)).toHaveLength(0);
  });

  /** A refund whose first round the gateway refused (timed out), and that finance retried: round 2 due. */
  /** A refund whose job's last attempt timed out (the gateway may still be working on it: not a decline): FAILED, round 1. */
  async function timedOut() {
    const caseId = await refundDue();
    const gateway = new ScriptedGateway();
    gateway.behaviour = 'refuse';
    await refundsWith(gateway).issue(caseId, true);
    const failed = await refundOf(caseId);
    expect(failed).toMatchObject({ status: 'FAILED', attempts: 1 });
    return { caseId, gateway, failed };
  }

  /**
   * A refund whose round 1 timed out, retried by finance into round 2: the retry sends round 1
   * again first, and here the gateway declines it for good then (so a new key may be used),
   * though, as these tests go on to show, it may still settle round 1 later: a gateway at odds
   * with itself, which only the reconciliation or finance's next retry can catch.
   */
  async function retriedByFinance() {
    const { caseId, gateway, failed } = await timedOut();
    const resent = jest.spyOn(service.get<PaymentGateway>(PAYMENT_GATEWAY), 'refund').mockRejectedValueOnce(new PaymentDeclinedError('declined: refund window over'));
    try {
      expect((await service.as('finance').post(`/v1/refunds/${failed.id}/retry`)).status).toBe(202);
      expect(resent.mock.calls.map(([order]) => order.idempotencyKey)).toEqual([failed.idempotencyKey]);
    } finally {
      resent.mockRestore();
    }
    expect(await refundOf(caseId)).toMatchObject({ status: 'PENDING', idempotencyKey: expect.stringMatching(/-2$/) });
    return { caseId, gateway, failed };
  }

  describe("finance's retry after a round that only timed out", () => {
    it('sends that round again under its own key, so a gateway that pays it late pays once', async () => {
      const { caseId, failed: round1 } = await timedOut();

      expect((await service.as('finance').post(`/v1/refunds/${round1.id}/retry`)).status).toBe(202);
      // The gateway answered round 1's key this time: paid under it, no second round.
      expect(await refundOf(caseId)).toMatchObject({ status: 'SUCCEEDED', idempotencyKey: round1.idempotencyKey, attempts: 2 });
      expect(await statusOf(caseId)).toBe('REFUNDED');
      expect(await service.queue(QueueName.Refund).getJob(Jobs.issueRefund(caseId, 2).jobId)).toBeFalsy();

      // The request that had timed out completes at the gateway, under the key it was sent with.
      await simulator.refund({ idempotencyKey: round1.idempotencyKey, provider: round1.method, transactionId: round1.paymentTransactionId, amountMinor: round1.amount, currency: round1.currency });
      const paid = await payoutsOf(round1.id);
      expect({ payouts: paid.length, keys: paid.map((p) => p.idempotencyKey) }).toEqual({ payouts: 1, keys: [round1.idempotencyKey] });
      expect(findingsOf(await reconcile(), round1.id)).toEqual([]);
    });

    it('answers 503 PAYMENT_GATEWAY_UNAVAILABLE and changes nothing while the gateway does not answer that round again', async () => {
      const { caseId, failed } = await timedOut();
      const resent = jest.spyOn(service.get<PaymentGateway>(PAYMENT_GATEWAY), 'refund').mockRejectedValue(new Error('payment gateway timed out'));
      try {
        const retried = await service.as('finance').post(`/v1/refunds/${failed.id}/retry`);
        expect({ status: retried.status, code: retried.body.code, retryAfter: retried.headers['retry-after'] }).toEqual({ status: 503, code: 'PAYMENT_GATEWAY_UNAVAILABLE', retryAfter: '30' });
      } finally {
        resent.mockRestore();
      }
      // No new round, no new key: the next retry asks about round 1 again.
      expect(await refundOf(caseId)).toMatchObject({ status: 'FAILED', idempotencyKey: failed.idempotencyKey });
      expect(await statusOf(caseId)).toBe('REFUND_FAILED');
      expect(await service.queue(QueueName.Refund).getJob(Jobs.issueRefund(caseId, 2).jobId)).toBeFalsy();
    });

    it("answers 503 PAYMENT_GATEWAY_UNAVAILABLE, not a bare 500, while the provider's look-up API is down", async () => {
      const { caseId, failed } = await timedOut();
      // The provider's GET /refunds answers 503 (what PaymentHttpGateway throws then).
      const lookups = jest
        .spyOn(service.get<PaymentGateway>(PAYMENT_GATEWAY), 'findRefund')
        .mockRejectedValue(new ProviderHttpError('payment gateway', 503, { code: 'UNAVAILABLE' }, 'payment gateway: GET /refunds answered 503'));
      try {
        const retried = await service.as('finance').post(`/v1/refunds/${failed.id}/retry`);
        expect(lookups).toHaveBeenCalled();
        expect({ status: retried.status, code: retried.body.code }).toEqual({ status: 503, code: 'PAYMENT_GATEWAY_UNAVAILABLE' });
      } finally {
        lookups.mockRestore();
      }
      expect(await refundOf(caseId)).toMatchObject({ status: 'FAILED', idempotencyKey: failed.idempotencyKey });
    });
  });

  /** The gateway pays a refund's round late, under that round's key. */
  const settledLate = (round: { idempotencyKey: string; amount: number }) =>
    simulator.refund({ idempotencyKey: round.idempotencyKey, provider: 'alipay', transactionId: null, amountMinor: round.amount, currency: 'CNY' });

  it('reports a refund paid twice: a round finance retried that the gateway settled late', async () => {
    // Finance retries (the gateway holds nothing for round 1 yet): round 2 pays.
    const { caseId, gateway, failed } = await retriedByFinance();
    gateway.behaviour = 'pay';
    await refundsWith(gateway).issue(caseId, false);
    expect((await refundOf(caseId)).status).toBe('SUCCEEDED');
    // Then the gateway settles round 1 after all.
    await settledLate(failed);

    const report = await reconcile();
    expect(findingsOf(report, failed.id)).toEqual(['PAID_TWICE']);
    expect(report.discrepancies.find((d) => d.refundId === failed.id)!.gateway.map((p) => p.key).sort()).toEqual(
      [failed.idempotencyKey, (await refundOf(caseId)).idempotencyKey].sort(),
    );
  });

  it("records, at finance's next retry, a payment the gateway made late under an earlier round's key, and pays nothing again", async () => {
    // Finance retries; round 2 fails as well.
    const { caseId, gateway, failed: round1 } = await retriedByFinance();
    await refundsWith(gateway).issue(caseId, true);
    expect(await refundOf(caseId)).toMatchObject({ status: 'FAILED', idempotencyKey: expect.stringMatching(/-2$/) });
    // Then the gateway settles round 1 after all, before finance's next retry.
    const paid = await settledLate(round1);

    const retried = await service.as('finance').post(`/v1/refunds/${round1.id}/retry`);
    expect(retried.status).toBe(202);
    expect(await refundOf(caseId)).toMatchObject({ status: 'SUCCEEDED', providerRefundId: paid.providerRefundId });
    expect(await statusOf(caseId)).toBe('REFUNDED');
    expect(await service.queue(QueueName.Refund).getJob(Jobs.issueRefund(caseId, 3).jobId)).toBeFalsy();
    expect(await payoutsOf(round1.id)).toHaveLength(1);
  });

  it('pays nothing in a round finance retried when the gateway has since settled an earlier round, and records that payment', async () => {
    const { caseId, gateway, failed: round1 } = await retriedByFinance();
    // The gateway settles round 1 before round 2's job runs.
    const paid = await settledLate(round1);
    gateway.behaviour = 'pay';
    await refundsWith(gateway).issue(caseId, false);
    expect(await refundOf(caseId)).toMatchObject({ status: 'SUCCEEDED', providerRefundId: paid.providerRefundId });
    expect(await statusOf(caseId)).toBe('REFUNDED');
    expect(await payoutsOf(round1.id)).toHaveLength(1);
    expect(findingsOf(await reconcile(), round1.id)).toEqual([]);
  });

  it('settles nothing when the refund was recorded meanwhile (a late worker beat the reconciliation)', async () => {
    const caseId = await refundDue();
    await refundsWith(new ScriptedGateway()).issue(caseId, false);
    const paid = await refundOf(caseId);
    expect(paid.status).toBe('SUCCEEDED');
    const steps = async () => (await service.db.query('SELECT count(*)::int AS n FROM case_timeline WHERE case_id = $1', [caseId]))[0].n;
    const before = await steps();
    expect(await service.get(RefundService).settlePaid(paid, 'another-provider-id', 'system:reconciliation')).toBe(false);
    expect(await refundOf(caseId)).toEqual(paid);
    expect(await steps()).toBe(before);
  });

  it('leaves a PENDING refund touched within the grace period to the worker paying it', async () => {
    const caseId = await refundDue();
    const gateway = new ScriptedGateway();
    gateway.behaviour = 'refuse';
    await expect(refundsWith(gateway).issue(caseId, false)).rejects.toThrow('timed out');
    const patient = new RefundReconciliation(
      service.get(DataSource),
      simulator,
      { ...config(), reconciliation: { ...config().reconciliation, graceMs: 3_600_000 } },
      service.get(RefundService),
    );
    const report = (await patient.run('manual'))!;
    expect(findingsOf(report, (await refundOf(caseId)).id)).toEqual([]);
    expect(await statusOf(caseId)).toBe('REFUND_PENDING');
  });

  it('counts a refund the gateway did not answer for as unreached, changes nothing, and compares the rest', async () => {
    const [unanswered, answered] = [await refundDue(), await refundDue()];
    const gateway = new ScriptedGateway();
    gateway.behaviour = 'late';
    await refundsWith(gateway).issue(unanswered, true);
    await refundsWith(gateway).issue(answered, true);
    const silent = await refundOf(unanswered);
    // The gateway times out on look-ups of one refund's key, as during an outage of its reporting API.
    const flaky: PaymentGateway = {
      refund: (order) => simulator.refund(order),
      findRefund: (key) => (key === silent.idempotencyKey ? Promise.reject(new Error('gateway report timed out')) : simulator.findRefund(key)),
    };
    const reconciliation = new RefundReconciliation(service.get(DataSource), flaky, config(), service.get(RefundService));
    const report = (await reconciliation.run('manual'))!;
    expect(report.unreached).toBe(1);
    expect(report.error).toBe('not compared: gateway report timed out');
    expect(findingsOf(report, silent.id)).toEqual([]);
    expect((await refundOf(unanswered)).status).toBe('FAILED');
    // The other one, also paid late, is settled in the same run.
    expect((await refundOf(answered)).status).toBe('SUCCEEDED');
    // The next run, with the gateway answering again, settles it too.
    expect((await reconcile()).unreached).toBe(0);
    expect((await refundOf(unanswered)).status).toBe('SUCCEEDED');
  });

  it('records a run whose database went away before it could record its end as abandoned, at the next run', async () => {
    const caseId = await refundDue();
    const gateway = new ScriptedGateway();
    gateway.behaviour = 'late';
    await refundsWith(gateway).issue(caseId, true);
    // This run's pool reaches PostgreSQL through a relay, cut while it asks the gateway.
    const stage = await stageDatabase(service, { throughRelay: true });
    let cutRun: string | undefined;
    try {
      const cutting: PaymentGateway = {
        refund: (order) => simulator.refund(order),
        findRefund: async (key) => {
          stage.relay!.cut();
          return simulator.findRefund(key);
        },
      };
      const reconciliation = new RefundReconciliation(stage.dataSource, cutting, config(), service.get(RefundService));
      await expect(reconciliation.run('manual')).rejects.toThrow();
      const [unfinished] = await service.get(DataSource).query(`SELECT id FROM refund_reconciliations WHERE finished_at IS NULL`);
      cutRun = unfinished?.id;
    } finally {
      await stage.close();
    }
    expect(cutRun).toEqual(expect.any(String));
    const listed = async () => (await service.get(RefundReconciliation).recent(50)).find((r) => r.id === cutRun)!;
    expect(await listed()).toMatchObject({ finishedAt: null, error: null });

    // The next run holds the lock, so the unfinished one is over: it says so, and settles what the cut one could not.
    const next = await reconcile();
    expect(await listed()).toMatchObject({ finishedAt: next.startedAt, error: ABANDONED });
    expect(next).toMatchObject({ finishedAt: expect.any(String), error: null });
    expect((await refundOf(caseId)).status).toBe('SUCCEEDED');
    expect(await service.get(DataSource).query(`SELECT id FROM refund_reconciliations WHERE finished_at IS NULL`)).toEqual([]);
  });

  describe('over HTTP', () => {
    it('runs for finance and admin, lists the runs newest first, and refuses other roles', async () => {
      const caseId = await refundDue();
      const gateway = new ScriptedGateway();
      gateway.behaviour = 'phantom';
      await refundsWith(gateway).issue(caseId, false);
      const refundId = (await refundOf(caseId)).id;

      const run = await service.as('finance').post('/v1/refunds/reconciliations');
      expect(run.status).toBe(201);
      expect(run.body).toMatchObject({ trigger: 'manual', finishedAt: expect.any(String), error: null, unreached: 0 });
      expect(run.body.checked).toBeGreaterThanOrEqual(1);
      expect(findingsOf(run.body, refundId)).toEqual(['MISSING_AT_GATEWAY']);
      expect((await service.as('admin').post('/v1/refunds/reconciliations')).status).toBe(201);

      const listed = await service.as('finance').get('/v1/refunds/reconciliations?limit=2');
      expect(listed.status).toBe(200);
      expect(listed.body.items).toHaveLength(2);
      expect(listed.body.items[1]).toEqual(run.body);
      expect(new Date(listed.body.items[0].startedAt).getTime()).toBeGreaterThanOrEqual(new Date(run.body.startedAt).getTime());

      // The dashboards see the last run.
      const metrics = (await service.http().get('/metrics')).text;
      const last = listed.body.items[0];
      expect(metrics).toContain(`returns_refund_reconciliation_finished_seconds ${Math.floor(new Date(last.finishedAt).getTime() / 1000)}`);
      expect(metrics).toContain(`returns_refund_reconciliation_refunds{outcome="discrepancy"} ${last.discrepancies.length}`);

      expectError(await service.as('portal').post('/v1/refunds/reconciliations'), 403, 'FORBIDDEN_ROLE');
      expect((await service.as('finance').get('/v1/refunds/reconciliations?limit=0')).status).toBe(400);
    });

    it('answers 409 RECONCILIATION_RUNNING while another process is reconciling, and runs beside the other locked work', async () => {
      const other = service.get(DataSource).createQueryRunner();
      await other.connect();
      try {
        // What the run of another process holds for its whole length.
        await other.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK.refundReconciliation]);
        expectError(await service.as('finance').post('/v1/refunds/reconciliations'), 409, 'RECONCILIATION_RUNNING');
        await other.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK.refundReconciliation]);
        // A round of table upkeep in another process does not hold it back.
        await other.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK.tableUpkeep]);
        expect((await service.as('finance').post('/v1/refunds/reconciliations')).status).toBe(201);
      } finally {
        await other.query('SELECT pg_advisory_unlock_all()');
        await other.release();
      }
    });
  });

  it('runs at RECONCILIATION_CRON in every worker process, and a schedule that is not one stops the start', async () => {
    const registry = new SchedulerRegistry();
    const withCron = (cron: string) => new RefundReconciler(service.get(RefundReconciliation), registry, { ...config(), reconciliation: { ...config().reconciliation, cron } });
    expect(() => withCron('every night').onApplicationBootstrap()).toThrow('RECONCILIATION_CRON "every night" in Asia/Shanghai is not a schedule');
    withCron('0 3 * * *').onApplicationBootstrap();
    const job = registry.getCronJob('refund-reconciliation');
    try {
      // 03:00 in Shanghai is 19:00 UTC.
      expect(job.nextDate().toUTC().toFormat('HH:mm')).toBe('19:00');
    } finally {
      void job.stop();
    }
    // And a tick runs it: every second here, until a scheduled run is recorded.
    const everySecond = new SchedulerRegistry();
    new RefundReconciler(service.get(RefundReconciliation), everySecond, { ...config(), reconciliation: { ...config().reconciliation, cron: '* * * * * *' } }).onApplicationBootstrap();
    try {
      const reconciliation = service.get(RefundReconciliation);
      // A run's row is written when it starts: wait for a scheduled one to have finished.
      const scheduledAndDone = async () => {
        const [last] = await reconciliation.recent(1);
        return last?.trigger === 'schedule' && last.finishedAt !== null;
      };
      for (const until = Date.now() + 10_000; Date.now() < until && !(await scheduledAndDone()); ) await new Promise((r) => setTimeout(r, 100));
      expect((await reconciliation.recent(1))[0]).toMatchObject({ trigger: 'schedule', finishedAt: expect.any(String) });
    } finally {
      // Stopped, and a tick under way finished, before the other tests read the runs.
      await everySecond.getCronJob('refund-reconciliation').stop();
    }
    // Every worker process schedules it, not only those serving the refund queue, which a
    // deployment may scale to zero at night.
    expect(WorkersModule.register([QueueName.Intake]).providers).toContain(RefundReconciler);
  });
});
