import type { Job } from 'bullmq';
import type { Response } from 'supertest';
import { CaseStatus, JobRequest, QUEUE_OF, QueueName, Role, signBody } from '@returns/contracts';
import { orderBody, returnBody, uniqueId } from './factories';
import { TestService } from './service';

/** A case as `GET /v1/returns/{id}` shows it. */
export type CaseView = Record<string, any>;

/** PUTs a new order (factory defaults plus `overrides`) under a fresh id, as upstream. */
export async function putOrder(service: TestService, overrides: Record<string, unknown> = {}) {
  const orderId = uniqueId('o');
  const order = orderBody(overrides);
  const response = await service.as('upstream').put(`/v1/orders/${orderId}`, order);
  expect(response.status).toBe(200);
  return { orderId, order, customerId: order.customer.id as string };
}

/** POST /v1/events as upstream, signed with the development WEBHOOK_SECRET: `event` as an object, or its exact text. */
export function postEvent(service: TestService, event: object | string): Promise<Response> {
  const text = typeof event === 'string' ? event : JSON.stringify(event);
  return service.http().post('/v1/events').set('Authorization', 'Bearer dev-upstream').set('Content-Type', 'application/json').set('X-Signature', signBody(text, 'dev-webhook-secret')).send(text);
}

/** POST /v1/returns with a fresh Idempotency-Key (unless one is given). */
export function postReturn(service: TestService, body: object, options: { role?: Role; key?: string } = {}): Promise<Response> {
  return service.as(options.role ?? 'portal').post('/v1/returns', body, { 'Idempotency-Key': options.key ?? uniqueId('key') });
}

/**
 * Asks for a return of `orderId` and waits until the workers have moved it to one of
 * `statuses`; answers the case view.
 */
export async function returnFor(
  service: TestService,
  orderId: string,
  statuses: CaseStatus | CaseStatus[],
  overrides: Record<string, unknown> = {},
): Promise<CaseView> {
  const created = await postReturn(service, returnBody(orderId, overrides));
  expect(created.status).toBe(202);
  return service.waitForStatus(created.body.id, statuses);
}

/** A new order and one return of it, moved by the workers to `statuses`. */
export async function caseIn(
  service: TestService,
  statuses: CaseStatus | CaseStatus[],
  returnOverrides: Record<string, unknown> = {},
  orderOverrides: Record<string, unknown> = {},
): Promise<CaseView> {
  const { orderId } = await putOrder(service, orderOverrides);
  return returnFor(service, orderId, statuses, returnOverrides);
}

/** Expects Nest's 400 shape with a `message` array naming the field (a message matching `field`). */
export function expectFieldError(response: Response, field: RegExp): void {
  expect({ status: response.status, body: response.body }).toMatchObject({
    status: 400,
    body: { statusCode: 400, error: 'Bad Request', message: expect.arrayContaining([expect.stringMatching(field)]) },
  });
}

/** Expects the contract's error shape with its machine code. */
export function expectError(response: Response, status: number, code: string): void {
  expect({ status: response.status, body: response.body }).toMatchObject({
    status,
    body: { statusCode: status, error: expect.any(String), code, message: expect.anything() },
  });
}

/** The timeline of a case as `from>to` steps (`-` for the first). */
export function steps(view: CaseView): string[] {
  return view.timeline.map((t: { from: string | null; to: string }) => `${t.from ?? '-'}>${t.to}`);
}

/** Posts one carrier scan for the shipment of a case. */
export function scan(service: TestService, view: CaseView, status: string, minutesAfterNow = 0): Promise<Response> {
  const { carrier, trackingNumber } = view.shipment;
  return service.as('carrier').post('/v1/logistics/tracking', {
    carrier,
    trackingNumber,
    status,
    occurredAt: new Date(Date.now() + minutesAfterNow * 60_000).toISOString(),
    location: '杭州',
  });
}

export async function countRows(service: TestService, sql: string, params: unknown[] = []): Promise<number> {
  const [{ n }] = await service.db.query(`SELECT count(*)::int AS n FROM ${sql}`, params);
  return n;
}

/** The events the customer was told about for a case (after the queues drained). */
export async function notifiedEvents(service: TestService, caseId: string): Promise<string[]> {
  const rows: { event: string }[] = await service.db.query('SELECT DISTINCT event FROM notifications WHERE case_id = $1 ORDER BY event', [caseId]);
  return rows.map((r) => r.event);
}

/** Every job count of a queue, to prove that a refused request added nothing. */
/**
 * Jobs a queue holds in every state together: what a request that added one would change,
 * however the jobs before it move between states meanwhile (a retry coming due, a job
 * finishing).
 */
export async function jobTotal(service: TestService, queue: QueueName): Promise<number> {
  return Object.values(await jobCounts(service, queue)).reduce((sum, n) => sum + n, 0);
}

export function jobCounts(service: TestService, queue: QueueName): Promise<Record<string, number>> {
  return service.queue(queue).getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused', 'completed', 'failed');
}

/** A QC report line that passes for a customer reason. */
export function inspectedAs(sku: string, quantity: number, condition: string) {
  return {
    sku,
    quantity,
    condition,
    checks: { appearanceIntact: condition !== 'DAMAGED', functionsNormally: true, accessoriesComplete: true, packagingIntact: true, signsOfWear: condition === 'USED', tagsAttached: condition === 'NEW' || condition === 'LIKE_NEW' },
    photos: [{ url: 'https://img.example.com/qc/1.jpg', sha256: 'c'.repeat(64) }],
    notes: '',
  };
}

/** The job a stage adds after its commit (in the background), once it is in Redis: a test must not look sooner. */
export async function addedJob(service: TestService, request: JobRequest): Promise<Job> {
  for (const until = Date.now() + 5_000; Date.now() < until; await new Promise((r) => setTimeout(r, 20))) {
    const job = await service.queue(QUEUE_OF[request.name]).getJob(request.jobId);
    if (job) return job;
  }
  throw new Error(`${request.jobId} was never added`);
}

/**
 * Moves a case's `field` deadline (`deadlines.reviewBy`, `shipBackBy`, `inspectBy`,
 * `completeBy`) to a second ago, as if its time had come: its timer acts only once it has.
 */
export async function deadlinePassed(service: TestService, caseId: string, field: 'reviewBy' | 'shipBackBy' | 'inspectBy' | 'completeBy'): Promise<void> {
  const at = new Date(Date.now() - 1_000).toISOString();
  await service.db.query(`UPDATE return_cases SET deadlines = jsonb_set(deadlines, ARRAY[$2::text], to_jsonb($3::text)) WHERE id = $1`, [caseId, field, at]);
}

/** A case's `kind` deadline has come (`deadlinePassed`), and its timer fires now rather than when it was due. */
export async function deadlineComes(service: TestService, caseId: string, kind: 'review' | 'ship-back' | 'inspection' | 'completion'): Promise<void> {
  const field = ({ review: 'reviewBy', 'ship-back': 'shipBackBy', inspection: 'inspectBy', completion: 'completeBy' } as const)[kind];
  await deadlinePassed(service, caseId, field);
  await (await service.queue(QueueName.Timers).getJob(`timers:${caseId}:${kind}`))?.promote();
}

/** A 4xx answer's `message` as one string (Nest answers a list for validation errors). */
export function messageOf(response: Response): string {
  const message = response.body?.message;
  return Array.isArray(message) ? message.join(' | ') : String(message);
}

/** Nest's whole 400 shape, with the field at fault named in `message` when `field` is given. */
export function expectBadRequest(response: Response, field?: RegExp): void {
  expect({ status: response.status, body: response.body }).toMatchObject({
    status: 400,
    body: { statusCode: 400, error: 'Bad Request', message: expect.anything() },
  });
  const message = response.body.message;
  expect(typeof message === 'string' || (Array.isArray(message) && message.length > 0 && message.every((m: unknown) => typeof m === 'string'))).toBe(true);
  if (field) expect(messageOf(response)).toMatch(field);
}

/** Every job of the service that failed, for good or waiting to be retried, as `queue name id: reason`: after a drain, none should. */
export async function failedJobs(service: TestService): Promise<string[]> {
  const failed: string[] = [];
  for (const name of Object.values(QueueName)) {
    const queue = service.queue(name);
    const retrying = (await queue.getDelayed()).filter((job) => job.attemptsMade > 0);
    for (const job of [...(await queue.getFailed()), ...retrying]) failed.push(`${name} ${job.name} ${job.id}: ${job.failedReason}`);
  }
  return failed;
}
