import { PaymentSimulator } from '@returns/refund';
import { eventually } from './support/eventually';
import { failedJobs, putOrder, returnFor } from './support/api-helpers';
import { orderBody, uniqueId } from './support/factories';
import { inLanes, shuffle, stormOf, timelineOf } from './support/storm';

/** The refunded item of each case (`orderBody`'s mug): its price is the whole refund. */
const MUG = 4500;

/** What a storm sends about one failed refund, and the reconciliations finance starts meanwhile. */
type Action =
  | { caseId: string; kind: 'retry'; refundId: string }
  | { caseId: string; kind: 'fix-payment'; orderId: string; order: ReturnType<typeof orderBody> }
  | { kind: 'reconcile' };

/**
 * Finance on a bad day: many refunds the gateway declined, retried by several hands at once,
 * some of them after upstream corrected the order's payment, while reconciliations compare
 * our refunds with the gateway's. Whatever the order: every answer is a success or a 409 that
 * says why, each accepted retry sends the last round again and then one more, no refund is paid twice, a
 * case is REFUNDED exactly when the gateway paid it, a retry sent after the correction pays,
 * and no job fails.
 */
describe('a storm of refund retries, in any order', () => {
  const storm = stormOf();
  const { seed, random } = storm;

  it(`pays each refund once at most, and as the retries and the corrections say (seed ${seed})`, async () => {
    const { service } = storm;
    const CASES = Number(process.env.STORM_RETURNS ?? 16);
    const failed = await Promise.all(
      Array.from({ length: CASES }, async () => {
        // The simulated gateway declines every refund of a T-DECLINE payment.
        const { orderId, order } = await putOrder(service, { payment: { provider: 'alipay', transactionId: uniqueId('T-DECLINE') } });
        const view = await returnFor(service, orderId, 'REFUND_FAILED', { type: 'REFUND_ONLY', reasonCode: 'CHANGED_MIND', reasonText: undefined, returnMethod: undefined, items: [{ sku: 'MUG', quantity: 1 }] });
        return { view, orderId, order };
      }),
    );

    const actions: Action[] = [];
    for (const { view, orderId, order } of failed) {
      for (let n = 1 + Math.floor(random() * 4); n > 0; n--) actions.push({ caseId: view.id, kind: 'retry', refundId: view.refund.id });
      if (random() < 0.5) actions.push({ caseId: view.id, kind: 'fix-payment', orderId, order });
    }
    for (let n = 0; n < 3; n++) actions.push({ kind: 'reconcile' });
    shuffle(actions, random);

    /** Cases whose corrected payment upstream had been told it stored (200) before a retry was sent. */
    const fixed = new Set<string>();
    const send = async (a: Action): Promise<{ status: number; code?: string; afterFix?: boolean }> => {
      if (a.kind === 'reconcile') {
        const response = await service.as('finance').post('/v1/refunds/reconciliations');
        return { status: response.status, code: response.body?.code };
      }
      if (a.kind === 'fix-payment') {
        const response = await service.as('upstream').put(`/v1/orders/${a.orderId}`, { ...a.order, payment: { provider: 'alipay', transactionId: uniqueId('T') } });
        if (response.status === 200) fixed.add(a.caseId);
        return { status: response.status };
      }
      const afterFix = fixed.has(a.caseId);
      const response = await service.as('finance').post(`/v1/refunds/${a.refundId}/retry`);
      return { status: response.status, code: response.body?.code, afterFix };
    };
    const answers = (await inLanes(actions, 12, send)).map(({ item, answer }) => ({ action: item, ...answer }));
    const allowed: Record<Action['kind'], (a: { status: number; code?: string }) => boolean> = {
      retry: (a) => a.status === 202 || (a.status === 409 && a.code === 'REFUND_NOT_FAILED'),
      'fix-payment': (a) => a.status === 200,
      reconcile: (a) => a.status === 201 || (a.status === 409 && a.code === 'RECONCILIATION_RUNNING'),
    };
    expect(answers.filter((a) => !allowed[a.action.kind](a))).toEqual([]);

    // Every retry's round ends, paid or declined again.
    const ids = failed.map((f) => f.view.id);
    await eventually('every retried refund to end', async () => {
      const [{ pending }] = await service.db.query(`SELECT count(*)::int AS pending FROM return_cases WHERE id = ANY($1::uuid[]) AND status = 'REFUND_PENDING'`, [ids]);
      return pending === 0;
    }, { timeoutMs: 60_000, everyMs: 200 });
    await service.drain(60_000);

    const payouts = await service.get(PaymentSimulator).payouts();
    const problems: string[] = [];
    for (const { view } of failed) {
      const sent = answers.filter((a) => a.action.kind !== 'reconcile' && a.action.caseId === view.id);
      const tag = `case ${view.id} (${sent.map((a) => `${a.action.kind}${a.afterFix ? '(after fix)' : ''}:${a.status}`).join(', ')})`;
      const { status, steps, legal } = await timelineOf(service, view.id);
      if (!legal) problems.push(`${tag}: status ${status}, timeline ${steps.join(', ')}`);
      const [refund]: { status: string; attempts: number; provider_refund_id: string | null }[] = await service.db.query(
        'SELECT status, attempts, provider_refund_id FROM refunds WHERE case_id = $1',
        [view.id],
      );
      const paid = payouts.filter((p) => p.idempotencyKey.includes(view.refund.id));
      // Paid once at most, and REFUNDED exactly when paid, under the gateway's id.
      if (paid.length > 1) problems.push(`${tag}: paid ${paid.length} times`);
      if ((status === 'REFUNDED') !== (paid.length === 1)) problems.push(`${tag}: ${status}, paid ${paid.length} times`);
      if (paid.length === 1 && (paid[0].amountMinor !== MUG || refund.provider_refund_id !== paid[0].providerRefundId || refund.status !== 'SUCCEEDED')) {
        problems.push(`${tag}: paid ${JSON.stringify(paid[0])}, recorded ${JSON.stringify(refund)}`);
      }
      // Each retry taken sent the last round again under its own key (declined again: that
      // payment is T-DECLINE) and started one more round; one refused with 409 may have sent
      // the last round again before it found the refund no longer FAILED. One sent after the
      // correction pays.
      const taken = sent.filter((a) => a.action.kind === 'retry' && a.status === 202);
      const refused = sent.filter((a) => a.action.kind === 'retry' && a.status === 409).length;
      const least = 1 + 2 * taken.length;
      if (refund.attempts < least || refund.attempts > least + refused) problems.push(`${tag}: ${refund.attempts} attempts for ${taken.length} retries taken, ${refused} refused`);
      if (taken.some((a) => a.afterFix) && status !== 'REFUNDED') problems.push(`${tag}: retried after the correction, yet ${status}`);
      if (!sent.some((a) => a.action.kind === 'fix-payment') && status !== 'REFUND_FAILED') problems.push(`${tag}: never corrected, yet ${status}`);
    }
    expect({ seed, problems, failed: await failedJobs(service) }).toEqual({ seed, problems: [], failed: [] });
  });
});
