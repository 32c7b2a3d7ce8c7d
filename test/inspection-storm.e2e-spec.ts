import { QueueName } from '@returns/contracts';
import { deadlineComes, failedJobs, inspectedAs, putOrder, returnFor } from './support/api-helpers';
import { inLanes, shuffle, stormOf, timelineOf } from './support/storm';

const CONDITIONS = ['NEW', 'LIKE_NEW', 'USED', 'DAMAGED', 'MISSING'] as const;
/** The unit price of the returned sku (`orderBody`'s S1): two units of it come back in each case. */
const UNIT_PRICE = 9900;

/** What a storm sends about one received return. */
type Action =
  | { caseId: string; kind: 'inspection'; conditions: (typeof CONDITIONS)[number][] }
  | { caseId: string; kind: 'receive' }
  | { caseId: string; kind: 'inspection-deadline' };

/**
 * The warehouse on a busy day: for many received returns at once, inspectors report (sometimes
 * two of them, differently), a scan at the door comes again, and the inspection deadline's timer
 * fires, in any order, while grading has a backlog; then two worker processes grade and refund. Whatever the order:
 * one report is taken per case and the others refused, the case is settled once, by that report
 * or, with none, by the deadline, the refund is what that settlement accepted, paid once, and
 * no job fails.
 */
describe('a storm at the inspection bench, in any order', () => {
  const storm = stormOf();
  const { seed, random, pick } = storm;

  it(`settles each return once, as the report taken or the deadline said (seed ${seed})`, async () => {
    const { service } = storm;
    const CASES = Number(process.env.STORM_RETURNS ?? 24);
    const views = await Promise.all(
      Array.from({ length: CASES }, async () => {
        const { orderId } = await putOrder(service);
        const booked = await returnFor(service, orderId, 'AWAITING_SHIPMENT', { items: [{ sku: 'S1', quantity: 2 }] });
        expect((await service.as('warehouse').post(`/v1/returns/${booked.id}/receive`)).status).toBe(200);
        return booked;
      }),
    );

    const actions: Action[] = [];
    for (const { id: caseId } of views) {
      for (let n = Math.floor(random() * 3); n > 0; n--) actions.push({ caseId, kind: 'inspection', conditions: [pick(CONDITIONS), pick(CONDITIONS)] });
      if (random() < 0.3) actions.push({ caseId, kind: 'receive' });
      if (random() < 0.4) actions.push({ caseId, kind: 'inspection-deadline' });
    }
    shuffle(actions, random);

    const send = async (a: Action): Promise<{ status: number; code?: string }> => {
      if (a.kind === 'inspection-deadline') {
        await deadlineComes(service, a.caseId, 'inspection');
        return { status: 200 };
      }
      const response =
        a.kind === 'receive'
          ? await service.as('warehouse').post(`/v1/returns/${a.caseId}/receive`)
          : await service.as('warehouse').post(`/v1/returns/${a.caseId}/inspection`, { inspector: 'w-07', items: a.conditions.map((c) => inspectedAs('S1', 1, c)) });
      return { status: response.status, code: response.body?.code };
    };
    // A grading backlog, as on Double-11: reports wait to be graded while deadlines come.
    await service.queue(QueueName.Inspection).pause();
    const answers = (await inLanes(actions, 12, send)).map(({ item, answer }) => ({ action: item, ...answer }));
    await service.queue(QueueName.Inspection).resume();
    const allowed: Record<Action['kind'], (a: { status: number; code?: string }) => boolean> = {
      inspection: (a) => a.status === 202 || (a.status === 409 && ['INSPECTION_ALREADY_SUBMITTED', 'INVALID_TRANSITION'].includes(a.code!)),
      receive: (a) => a.status === 409 && a.code === 'INVALID_TRANSITION',
      'inspection-deadline': () => true,
    };
    expect(answers.filter((a) => !allowed[a.action.kind](a))).toEqual([]);

    // Graded, refunded by the simulator, failed items sent back: every stage done.
    await service.drain(60_000);
    for (const view of views) await service.waitForStatus(view.id, ['RECEIVED', 'REFUNDED', 'RETURNED_TO_CUSTOMER', 'INSPECTION_FAILED'], 30_000);
    await service.drain(60_000);

    const problems: string[] = [];
    for (const view of views) {
      const sent = answers.filter((a) => a.action.caseId === view.id);
      const tag = `case ${view.id} (${sent.map((a) => `${a.action.kind}${a.action.kind === 'inspection' ? ` ${a.action.conditions.join('+')}` : ''}:${a.status}`).join(', ')})`;
      const { status, steps, legal, rows } = await timelineOf(service, view.id);
      if (!legal) problems.push(`${tag}: status ${status}, timeline ${steps.join(', ')}`);
      const settled = rows.filter((r) => r.from_status === 'RECEIVED');
      if (settled.length > 1) problems.push(`${tag}: settled ${settled.length} times: ${steps.join(', ')}`);
      // One report taken, and the settlement followed it; with none, the deadline's, which takes everything as it is.
      const taken = sent.filter((a) => a.action.kind === 'inspection' && a.status === 202).map((a) => a.action as Extract<Action, { kind: 'inspection' }>);
      if (taken.length > 1) problems.push(`${tag}: ${taken.length} reports taken`);
      const due = sent.some((a) => a.action.kind === 'inspection-deadline');
      const passed = taken[0] ? taken[0].conditions.filter((c) => c === 'NEW' || c === 'LIKE_NEW').length : due ? 2 : null;
      const by = taken[0] ? 'inspector:w-07' : due ? 'system:inspection-deadline' : null;
      if ((settled[0]?.actor ?? null) !== by) problems.push(`${tag}: settled by ${settled[0]?.actor ?? 'nobody'}, expected ${by ?? 'nobody'}`);
      const expected = passed === null ? 'RECEIVED' : passed > 0 ? 'REFUNDED' : taken[0]!.conditions.every((c) => c === 'MISSING') ? 'INSPECTION_FAILED' : 'RETURNED_TO_CUSTOMER';
      if (status !== expected) problems.push(`${tag}: ${status}, expected ${expected}`);
      // The refund is what was accepted, paid once.
      const refunds: { amount: number; status: string }[] = await service.db.query('SELECT amount_minor::float8 AS amount, status FROM refunds WHERE case_id = $1', [view.id]);
      const owed = passed ? [{ amount: passed * UNIT_PRICE, status: 'SUCCEEDED' }] : [];
      if (JSON.stringify(refunds) !== JSON.stringify(owed)) problems.push(`${tag}: refunds ${JSON.stringify(refunds)}, owed ${JSON.stringify(owed)}`);
    }
    expect({ seed, problems, failed: await failedJobs(service) }).toEqual({ seed, problems: [], failed: [] });
  });
});
