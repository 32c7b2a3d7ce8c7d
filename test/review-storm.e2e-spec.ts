import request from 'supertest';
import { DEV_API_KEYS } from '@returns/config';
import { deadlineComes, failedJobs, putOrder, returnFor } from './support/api-helpers';
import { inLanes, shuffle, stormOf, timelineOf } from './support/storm';

/** The agents of this storm, each with a key of their own (so they hold claims against each other). */
const AGENTS = ['dev-agent', 'agent-two', 'agent-three'];

/** What a storm sends about one case in review. */
type Action =
  | { caseId: string; kind: 'review'; agent: string; decision: 'APPROVE' | 'REJECT' }
  | { caseId: string; kind: 'claim'; agent: string }
  | { caseId: string; kind: 'cancel' }
  | { caseId: string; kind: 'review-deadline' };

/**
 * The review desk on a busy day: for many cases in PENDING_REVIEW at once, agents claim and
 * decide (sometimes two of them, differently), the customer cancels, and the review deadline's
 * timer fires, in any order, with two worker processes carrying what follows. Whatever the
 * order: every answer is 200 or a 409 that says why, at most one of them moved each case,
 * the case went where that one said (or, with none, where the deadline took it), the customer
 * heard only of that outcome, and no job failed.
 */
describe('a storm at the review desk, in any order', () => {
  // Every development key (the storm's first agent among them), and the other agents' own.
  const keys = [...DEV_API_KEYS].map(([key, role]) => `${key}:${role}`);
  const storm = stormOf({ API_KEYS: [...keys, ...AGENTS.filter((key) => !DEV_API_KEYS.has(key)).map((key) => `${key}:agent`)].join(',') });
  const { seed, random, pick } = storm;

  it(`moves each case once, as the first word that counted said (seed ${seed})`, async () => {
    const { service } = storm;
    const CASES = Number(process.env.STORM_RETURNS ?? 24);
    const views = await Promise.all(
      Array.from({ length: CASES }, async () => {
        const { orderId } = await putOrder(service);
        // A vague reason: an agent must look.
        return returnFor(service, orderId, 'PENDING_REVIEW', { reasonCode: 'OTHER', reasonText: '不喜欢了', returnMethod: 'DROP_OFF' });
      }),
    );

    const actions: Action[] = [];
    for (const { id: caseId } of views) {
      for (let n = Math.floor(random() * 3); n > 0; n--) actions.push({ caseId, kind: 'claim', agent: pick(AGENTS) });
      for (let n = Math.floor(random() * 3); n > 0; n--) actions.push({ caseId, kind: 'review', agent: pick(AGENTS), decision: pick(['APPROVE', 'REJECT'] as const) });
      if (random() < 0.3) actions.push({ caseId, kind: 'cancel' });
      if (random() < 0.3) actions.push({ caseId, kind: 'review-deadline' });
    }
    shuffle(actions, random);

    const server = service.http().get('/').app;
    const send = async (a: Action): Promise<{ status: number; code?: string }> => {
      if (a.kind === 'review-deadline') {
        await deadlineComes(service, a.caseId, 'review');
        return { status: 200 };
      }
      const response =
        a.kind === 'cancel'
          ? await service.as('portal').post(`/v1/returns/${a.caseId}/cancel`)
          : await request(server)
              .post(`/v1/returns/${a.caseId}/${a.kind}`)
              .set('Authorization', `Bearer ${a.agent}`)
              .send(a.kind === 'review' ? { decision: a.decision, note: `${a.agent} says ${a.decision}` } : undefined);
      return { status: response.status, code: response.body?.code };
    };
    const answers = (await inLanes(actions, 12, send)).map(({ item, answer }) => ({ action: item, ...answer }));
    const refusals: Record<Action['kind'], string[]> = { review: ['INVALID_TRANSITION', 'ALREADY_CLAIMED'], claim: ['NOT_IN_REVIEW', 'ALREADY_CLAIMED'], cancel: ['INVALID_TRANSITION'], 'review-deadline': [] };
    expect(answers.filter(({ action, status, code }) => !(status === 200 || (status === 409 && refusals[action.kind].includes(code!))))).toEqual([]);

    await service.drain(60_000);
    const problems: string[] = [];
    for (const view of views) {
      const sent = answers.filter((a) => a.action.caseId === view.id);
      const tag = `case ${view.id} (${sent.map((a) => `${a.action.kind}${a.action.kind === 'review' ? ` ${a.action.decision}` : ''}:${a.status}`).join(', ')})`;
      const { status, steps, legal, rows } = await timelineOf(service, view.id);
      if (!legal) problems.push(`${tag}: status ${status}, timeline ${steps.join(', ')}`);
      const out = rows.filter((r) => r.from_status === 'PENDING_REVIEW');
      if (out.length > 1) problems.push(`${tag}: left PENDING_REVIEW ${out.length} times: ${steps.join(', ')}`);
      // One review at most was taken, and the case left review as it said; else as the cancellation or the deadline did,
      // whichever came first. A cancellation may follow an approval (until the parcel is picked up), not a rejection.
      const reviewed = sent.filter((a) => a.action.kind === 'review' && a.status === 200).map((a) => a.action as Extract<Action, { kind: 'review' }>);
      const cancelled = sent.some((a) => a.action.kind === 'cancel' && a.status === 200);
      const due = sent.some((a) => a.action.kind === 'review-deadline');
      const left = out[0] ? `${out[0].to_status} by ${out[0].actor}` : 'nothing';
      if (reviewed.length > 1) problems.push(`${tag}: ${reviewed.length} reviews taken`);
      const [review] = reviewed;
      const ways = review
        ? [`${review.decision === 'APPROVE' ? 'APPROVED' : 'REJECTED'} by agent:`]
        : [...(cancelled ? ['CANCELLED by portal:'] : []), ...(due ? ['APPROVED by system:review-deadline'] : []), ...(!cancelled && !due ? ['nothing'] : [])];
      if (!ways.some((way) => left.startsWith(way))) problems.push(`${tag}: left review for ${left}, expected ${ways.join(' or ')}`);
      if (review?.decision === 'REJECT' && cancelled) problems.push(`${tag}: cancelled after a rejection`);
      if (cancelled !== (status === 'CANCELLED')) problems.push(`${tag}: a cancellation answered ${cancelled ? 200 : 'not 200'}, the case is ${status}`);
      // The customer heard where the case ended, and nothing it did not go through.
      const told: { outcome: string }[] = await service.db.query(
        `SELECT DISTINCT CASE WHEN event IN ('return.approved', 'label.ready', 'pickup.booked') THEN 'APPROVED' WHEN event = 'return.rejected' THEN 'REJECTED' ELSE 'CANCELLED' END AS outcome
           FROM notifications WHERE case_id = $1 AND event IN ('return.approved', 'label.ready', 'pickup.booked', 'return.rejected', 'return.cancelled')`,
        [view.id],
      );
      const heard = told.map((t) => t.outcome);
      const ended = status === 'PENDING_REVIEW' ? null : status === 'CANCELLED' || status === 'REJECTED' ? status : 'APPROVED';
      const wentThrough = new Set([out[0]?.to_status, ended]);
      if ((ended && !heard.includes(ended)) || heard.some((h) => !wentThrough.has(h as never))) problems.push(`${tag}: ${status}, the customer heard ${heard.join(' and ') || 'nothing'}`);
    }
    expect({ seed, problems, failed: await failedJobs(service) }).toEqual({ seed, problems: [], failed: [] });
  });
});
