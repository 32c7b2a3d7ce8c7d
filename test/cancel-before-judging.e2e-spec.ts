import { DataSource } from 'typeorm';
import { Jobs, QueueName } from '@returns/contracts';
import { IntakeService } from '@returns/intake';
import { countRows, postReturn, putOrder, steps } from './support/api-helpers';
import { returnBody } from './support/factories';
import { TestService } from './support/service';

const DAY = 24 * 3_600_000;

/**
 * A customer cancels while the request still waits in the intake queue (a Double-11
 * backlog): the return is cancelled as it is, REQUESTED → CANCELLED, and judging it later
 * changes nothing. Before, the cancel judged it first: a request judging would reject got
 * 409 (a REJECTED case cannot be cancelled) and a rejection message, and an approvable one
 * sent `return.approved` for a return the customer had withdrawn.
 */
describe('cancelling a return still waiting in the intake queue', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: false });
  });

  afterAll(() => service.close());

  it('cancels it unjudged, tells the customer only that, and judging it later does nothing', async () => {
    const { orderId } = await putOrder(service, { items: [{ sku: 'S1', name: 'T恤', category: 'apparel', quantity: 1, unitPrice: 9900 }] });
    const { orderId: lateOrder } = await putOrder(service, { deliveredAt: new Date(Date.now() - 40 * DAY).toISOString() });
    const approvable = (await postReturn(service, returnBody(orderId))).body.id;
    const outOfWindow = (await postReturn(service, returnBody(lateOrder))).body.id;
    expect((await service.as('portal').get(`/v1/returns/${approvable}`)).body.status).toBe('REQUESTED');

    for (const id of [approvable, outOfWindow]) {
      const cancelled = await service.as('portal').post(`/v1/returns/${id}/cancel`, { note: 'changed my mind' });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body).toMatchObject({ status: 'CANCELLED', decision: null, items: [{ sku: 'S1', quantity: 1, unitPrice: 9900 }] });
      expect(steps(cancelled.body)).toEqual(['->REQUESTED', 'REQUESTED>CANCELLED']);
      expect(cancelled.body.timeline.at(-1)).toMatchObject({ actor: expect.stringMatching(/^portal/), note: 'changed my mind' });
    }

    // The worker comes to the two judge jobs: the cases are open, so nothing is judged.
    await service.spawnWorker();
    await service.drain();
    for (const id of [approvable, outOfWindow]) {
      const view = (await service.as('agent').get(`/v1/returns/${id}`)).body;
      expect(view.status).toBe('CANCELLED');
      expect(steps(view)).toEqual(['->REQUESTED', 'REQUESTED>CANCELLED']);
      expect(await service.queue(QueueName.Notification).getJob(Jobs.notify(id, 'return.cancelled').jobId)).toBeTruthy();
      expect(await countRows(service, `notifications WHERE case_id = $1 AND event <> 'return.cancelled'`, [id])).toBe(0);
      for (const event of ['return.approved', 'return.rejected'] as const) {
        expect(await service.queue(QueueName.Webhooks).getJob(Jobs.webhook(id, event).jobId)).toBeUndefined();
      }
    }

    // The cancelled return holds no units: the order's one unit can be returned again.
    const again = (await postReturn(service, returnBody(orderId))).body.id;
    expect((await service.waitForStatus(again, ['AWAITING_SHIPMENT'])).status).toBe('AWAITING_SHIPMENT');
  });
});

describe('cancelling a return while its judging is under way', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: false });
  });

  afterAll(() => service.close());

  /** Resolves once `n` sessions of this database wait for a lock. */
  const waitingForLocks = async (n: number) => {
    for (let waited = 0; waited < 5_000; waited += 20) {
      const [{ waiting }] = await service.db.query(`SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
      if (waiting >= n) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`${n} sessions never waited for a lock`);
  };

  it('cancels the case judging opened while the cancel waited for the order', async () => {
    const { orderId } = await putOrder(service);
    const id = (await postReturn(service, returnBody(orderId))).body.id;
    // Hold the order as a judging batch would, so the judge and then the cancel queue behind it.
    const holder = service.get(DataSource).createQueryRunner();
    await holder.startTransaction();
    await holder.query('SELECT 1 FROM orders WHERE id = $1 FOR UPDATE', [orderId]);
    const judged = service.get(IntakeService).judge(id);
    await waitingForLocks(1);
    // then(): supertest sends a request only once it is awaited.
    const cancelled = service.as('portal').post(`/v1/returns/${id}/cancel`, {}).then((response) => response);
    await waitingForLocks(2);
    await holder.commitTransaction();
    await holder.release();
    await judged;

    const view = (await cancelled).body;
    expect(view.status).toBe('CANCELLED');
    expect(steps(view)).toEqual(['->REQUESTED', 'REQUESTED>APPROVED', 'APPROVED>CANCELLED']);
    expect(view.decision).toMatchObject({ outcome: 'APPROVED' });
  });
});
