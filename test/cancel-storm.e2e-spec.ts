import { setTimeout as wait } from 'node:timers/promises';
import { CarrierSimulator } from '@returns/logistics';
import { failedJobs, postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { inLanes, stormOf, timelineOf } from './support/storm';

const DAY = 24 * 3_600_000;

/** What a storm asks for: a return judging approves (and booking books), sends to review, or rejects. */
type Kind = 'approve' | 'review' | 'reject';

/**
 * Customers who change their minds at once: many returns posted together, and each cancelled
 * (sometimes twice) a moment after its 202, while it waits to be judged, is being judged, is
 * being booked with the carrier (which answers slowly), or waits for its parcel; two worker
 * processes carry the rest. Whatever the moment: a cancel is taken (200) exactly when the
 * case ends CANCELLED, refused (409) only where the case could no longer be cancelled, each
 * case is judged at most once along a chain of allowed moves, a cancelled case keeps no
 * courier booking, its customer hears of the cancellation once, and no job fails.
 */
describe('a storm of cancellations while returns are judged and booked', () => {
  const storm = stormOf({ SIMULATOR_LATENCY: '40ms' });
  const { seed, random, pick } = storm;

  it(`cancels each return once, whatever it was doing (seed ${seed})`, async () => {
    const { service } = storm;
    const RETURNS = Number(process.env.STORM_RETURNS ?? 40);
    const asked = await Promise.all(
      Array.from({ length: RETURNS }, async () => {
        const kind = pick(['approve', 'approve', 'review', 'reject'] as const) as Kind;
        const { orderId } = await putOrder(service, kind === 'reject' ? { deliveredAt: new Date(Date.now() - 40 * DAY).toISOString() } : {});
        const body =
          kind === 'review'
            ? returnBody(orderId, { reasonCode: 'OTHER', reasonText: '不喜欢了' })
            : returnBody(orderId, { returnMethod: pick(['DROP_OFF', 'PICKUP']) });
        // Each return cancelled up to twice, at once or up to 400 ms after its 202.
        const cancels = Array.from({ length: Math.floor(random() * 3) }, () => pick([0, 0, 5, 20, 60, 150, 400]));
        return { kind, body, cancels };
      }),
    );

    const outcomes = await inLanes(asked, 8, async ({ body, cancels }) => {
      const created = await postReturn(service, body);
      if (created.status !== 202) return { id: '', posted: created.status, cancels: [] as { status: number; code?: string }[] };
      const id: string = created.body.id;
      const answers = await Promise.all(
        cancels.map(async (delay) => {
          await wait(delay);
          const cancelled = await service.as('portal').post(`/v1/returns/${id}/cancel`, { note: 'changed my mind' });
          return { status: cancelled.status, code: cancelled.body?.code as string | undefined };
        }),
      );
      return { id, posted: 202, cancels: answers };
    });

    const problems: string[] = [];
    for (const { item, answer } of outcomes) {
      if (answer.posted !== 202) problems.push(`a ${item.kind} return answered ${answer.posted}`);
      for (const c of answer.cancels) if (!(c.status === 200 || (c.status === 409 && c.code === 'INVALID_TRANSITION'))) problems.push(`case ${answer.id}: a cancel answered ${c.status} ${c.code}`);
    }
    await service.drain(60_000);

    const carrier = service.get(CarrierSimulator);
    const [bookings, released] = [await carrier.bookings(), await carrier.cancellations()];
    for (const { item, answer } of outcomes.filter((o) => o.answer.id)) {
      const { id, cancels } = answer;
      const { status, steps, legal, rows } = await timelineOf(service, id);
      const tag = `${item.kind} case ${id} (cancels ${cancels.map((c) => c.status).join(', ') || 'none'}; ${steps.join(', ')})`;
      if (!legal) problems.push(`${tag}: not a chain of allowed moves to ${status}`);
      if (rows.filter((r) => r.from_status === 'REQUESTED').length > 1) problems.push(`${tag}: left REQUESTED more than once`);
      const taken = cancels.filter((c) => c.status === 200).length;
      if ((taken > 0) !== (status === 'CANCELLED')) problems.push(`${tag}: ${taken} cancel(s) taken, the case is ${status}`);
      if (taken > 1) problems.push(`${tag}: ${taken} cancels taken`);
      // Refused only where a cancel can no longer be taken: rejected, or cancelled already by the other.
      if (cancels.some((c) => c.status === 409) && !['REJECTED', 'CANCELLED'].includes(status)) problems.push(`${tag}: a cancel refused, the case is ${status}`);
      if (status !== 'CANCELLED') continue;
      const booking = bookings.get(id);
      if (booking && !released.has(booking.trackingNumber)) problems.push(`${tag}: the carrier still holds booking ${booking.trackingNumber}`);
      const shipments: { status: string }[] = await service.db.query('SELECT status FROM shipments WHERE case_id = $1', [id]);
      if (shipments.some((s) => s.status !== 'CANCELLED')) problems.push(`${tag}: shipment ${shipments.map((s) => s.status).join(', ')}`);
      const told: { channel: string; n: number }[] = await service.db.query(
        `SELECT channel, count(*)::int AS n FROM notifications WHERE case_id = $1 AND event = 'return.cancelled' GROUP BY channel`,
        [id],
      );
      if (!told.length) problems.push(`${tag}: never told of the cancellation`);
      if (told.some((t) => t.n > 1)) problems.push(`${tag}: told of the cancellation ${JSON.stringify(told)}`);
    }
    expect({ seed, problems, failed: await failedJobs(service) }).toEqual({ seed, problems: [], failed: [] });
  });
});
