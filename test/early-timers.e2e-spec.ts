import { Job } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { DeadlineKind, JobName, QueueName } from '@returns/contracts';
import { caseIn, CaseView, deadlinePassed, steps } from './support/api-helpers';
import { driveToRefunded } from './support/flows';
import { TestService } from './support/service';
import { eventually } from './support/eventually';

/**
 * A deadline's timer that runs before the deadline (a replay of its job, a job promoted by
 * hand in Bull Board, a worker whose clock is ahead) changes nothing: the case stays waiting
 * and the same job waits again until the deadline the case records. Before, each handler
 * looked only at the case's status, so a replayed review timer approved a case 48 hours
 * early, a ship-back timer closed one a week early, a completion timer completed a refunded
 * case at once (DESIGN.md: replaying any job leaves the same database).
 */
describe('a deadline timer run before its deadline', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: true });
  });

  afterAll(() => service.close());

  const view = async (caseId: string): Promise<CaseView> => (await service.as('agent').get(`/v1/returns/${caseId}`)).body;

  /** Adds the timer job under a fresh id (a replay) and waits until the worker has put it back to wait. */
  async function runEarly(caseId: string, kind: DeadlineKind): Promise<Job> {
    const job = await service.queue(QueueName.Timers).add(JobName.CaseDeadline, { caseId, kind }, { jobId: `early-${randomUUID()}` });
    return eventually(
      `the early ${kind} timer went back to wait`,
      async () => {
        const state = await job.getState();
        if (state === 'completed' || state === 'failed') throw new Error(`the early ${kind} timer was ${state}, not put back to wait`);
        return state === 'delayed' && (await service.queue(QueueName.Timers).getJob(job.id!))!;
      },
      { everyMs: 25 },
    );
  }

  /** When a delayed job is next due, by its own timestamps. */
  const dueOf = (job: Job) => job.timestamp + (job.delay ?? job.opts.delay ?? 0);

  it.each([
    ['review', 'reviewBy', 'PENDING_REVIEW', 0],
    ['review-reminder', 'reviewBy', 'PENDING_REVIEW', 4 * 3_600_000], // a quarter of 48 h, at most 4 h, before
    ['ship-back', 'shipBackBy', 'AWAITING_SHIPMENT', 0],
  ] as const)('leaves the case as it is for a %s timer, which waits for the deadline', async (kind, field, status, leadMs) => {
    const inReview = { reasonCode: 'QUALITY_DEFECT', reasonText: '质量有问题，开线了' }; // a merchant fault with no photo
    const subject = await caseIn(service, [status, 'AWAITING_SHIPMENT', 'REJECTED'], status === 'PENDING_REVIEW' ? inReview : {});
    expect(subject.status).toBe(status);

    const timer = await runEarly(subject.id, kind);
    expect(Math.abs(dueOf(timer) - (Date.parse(subject.deadlines[field]) - leadMs))).toBeLessThan(1_000);
    const after = await view(subject.id);
    expect(after.status).toBe(subject.status);
    expect(steps(after)).toEqual(steps(subject));
    expect(after.decision).toEqual(subject.decision);
    expect(await service.db.query(`SELECT kind FROM staff_notifications WHERE case_id = $1`, [subject.id])).toEqual([]);
  });

  it('leaves a refunded case for the completion timer, and completes it once the deadline has come', async () => {
    const refunded = await driveToRefunded(service);
    const timer = await runEarly(refunded.id, 'completion');
    expect(Math.abs(dueOf(timer) - Date.parse((await view(refunded.id)).deadlines.completeBy))).toBeLessThan(1_000);
    expect((await view(refunded.id)).status).toBe('REFUNDED');

    // Its time comes: the same job, promoted, acts.
    await deadlinePassed(service, refunded.id, 'completeBy');
    await timer.promote();
    expect((await service.waitForStatus(refunded.id, 'COMPLETED')).timeline.at(-1)).toMatchObject({ from: 'REFUNDED', to: 'COMPLETED', actor: 'system:completion' });
  });

  it('leaves a received case uninspected and unrefunded for the inspection timer', async () => {
    const booked = await caseIn(service, 'AWAITING_SHIPMENT');
    await service.as('warehouse').post(`/v1/returns/${booked.id}/receive`).expect(200);
    const received = await view(booked.id);
    expect(received.status).toBe('RECEIVED');
    const timer = await runEarly(booked.id, 'inspection');
    expect(Math.abs(dueOf(timer) - Date.parse(received.deadlines.inspectBy))).toBeLessThan(1_000);
    const after = await view(booked.id);
    expect(after.status).toBe('RECEIVED');
    expect(after.refund).toBeNull();
  });
});

/**
 * And on time: the ship-back and completion deadlines, short here, act through their real
 * timer jobs (the other specs call the handlers, or move the deadline into the past).
 */
describe('a deadline timer that comes due', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: true, env: { SHIP_BACK_DEADLINE: '3s', COMPLETION_AFTER: '2s' } });
  });

  afterAll(() => service.close());

  it('closes a case not shipped back in time, tells the customer, and releases the courier', async () => {
    const booked = await caseIn(service, 'AWAITING_SHIPMENT');
    const closed = await service.waitForStatus(booked.id, 'CLOSED', 15_000);
    expect(closed.timeline.at(-1)).toMatchObject({ from: 'AWAITING_SHIPMENT', to: 'CLOSED', actor: 'system:ship-back-deadline' });
    expect(Date.parse(closed.timeline.at(-1).at)).toBeGreaterThanOrEqual(Date.parse(booked.deadlines.shipBackBy));
    await service.drain();
    expect((await service.as('agent').get(`/v1/returns/${booked.id}`)).body.shipment.status).toBe('CANCELLED');
    const told = await service.db.query(`SELECT DISTINCT event FROM notifications WHERE case_id = $1 AND status = 'SENT'`, [booked.id]);
    expect(told.map((n: { event: string }) => n.event)).toContain('return.closed');
  });

  it('completes a refunded case its customer did not answer the survey of', async () => {
    const refunded = await driveToRefunded(service);
    const completed = await service.waitForStatus(refunded.id, 'COMPLETED', 15_000);
    expect(completed.timeline.at(-1)).toMatchObject({ from: 'REFUNDED', to: 'COMPLETED', actor: 'system:completion' });
  });
});
