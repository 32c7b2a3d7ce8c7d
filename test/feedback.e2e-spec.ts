import { createHmac } from 'node:crypto';
import { CaseService } from '@returns/case';
import { JobRequest, Jobs } from '@returns/contracts';
import { InspectionService } from '@returns/inspection';
import { IntakeService } from '@returns/intake';
import { LogisticsService } from '@returns/logistics';
import { FeedbackService, RefundService } from '@returns/refund';
import { addedJob, deadlinePassed, expectError, inspectedAs, postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { TestService } from './support/service';

/**
 * The end of a return: the short survey after a refund (its link goes out with the refund
 * message, the customer answers it once, without a key) and the case's completion, when the
 * survey is answered or the completion deadline fires.
 */
describe('feedback after a refund', () => {
  let service: TestService;

  beforeAll(async () => {
    // Webhook jobs are made only where an endpoint is configured (no worker runs to call it).
    service = await TestService.start({ withWorkers: false, env: { OUTBOUND_WEBHOOK_URLS: 'http://127.0.0.1:9/returns-events' } });
  });

  afterAll(() => service?.close());

  const added = (request: JobRequest) => addedJob(service, request);

  /** A refund-only case judged and paid by the stages themselves; its survey's path. */
  async function refunded(): Promise<{ caseId: string; path: string; rmaNumber: string }> {
    const { orderId } = await putOrder(service);
    const created = await postReturn(service, returnBody(orderId, { type: 'REFUND_ONLY', reasonCode: 'CHANGED_MIND', reasonText: undefined, returnMethod: undefined, items: [{ sku: 'MUG', quantity: 1 }] }));
    expect(created.status).toBe(202);
    await service.get(IntakeService).judge(created.body.id);
    await service.get(RefundService).issue(created.body.id, false);
    const message = await added(Jobs.notify(created.body.id, 'refund.succeeded'));
    const url = new URL(message!.data.params.surveyUrl);
    expect(url.origin).toBe(service.config.publicBaseUrl);
    return { caseId: created.body.id, path: url.pathname, rmaNumber: created.body.rmaNumber };
  }

  it('sends the survey link with the refund, and takes one answer per link, without a key', async () => {
    const { caseId, path, rmaNumber } = await refunded();
    const [{ token }] = await service.db.query('SELECT token FROM feedback WHERE case_id = $1', [caseId]);
    expect(path).toBe(`/v1/feedback/${token}`);

    const open = await service.http().get(path);
    expect(open.status).toBe(200);
    expect(open.body).toEqual({ rmaNumber, scale: [1, 2, 3, 4, 5], answered: false, rating: null, comment: null, answeredAt: null });

    const answered = await service.http().post(path).send({ rating: 4, comment: '退款很快' });
    expect(answered.status).toBe(201);
    expect(answered.body).toMatchObject({ rmaNumber, answered: true, rating: 4, comment: '退款很快', answeredAt: expect.any(String) });

    expectError(await service.http().post(path).send({ rating: 1 }), 409, 'FEEDBACK_ALREADY_GIVEN');
    // The people handling the case see the answer (not the link).
    const view = (await service.as('agent').get(`/v1/returns/${caseId}`)).body;
    expect(view.feedback).toEqual({ answered: true, rating: 4, comment: '退款很快', answeredAt: expect.any(String) });
    // The first answer stands.
    expect((await service.http().get(path)).body).toMatchObject({ answered: true, rating: 4, comment: '退款很快' });
  });

  it('takes one of two answers sent at once, and completes the case once', async () => {
    const { caseId, path } = await refunded();
    const answers = await Promise.all([service.http().post(path).send({ rating: 5 }), service.http().post(path).send({ rating: 1 })]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    const taken = answers.find((a) => a.status === 201)!.body.rating;
    expect((await service.http().get(path)).body.rating).toBe(taken);
    expect((await service.get(CaseService).timeline(caseId)).filter((t) => t.to === 'COMPLETED')).toHaveLength(1);
  });

  it('sums the surveys up for the admin: how many, answered, and how', async () => {
    const from = new Date().toISOString();
    const first = await refunded();
    const second = await refunded();
    await refunded();
    expect((await service.http().post(first.path).send({ rating: 5 })).status).toBe(201);
    expect((await service.http().post(second.path).send({ rating: 2, comment: '太慢了' })).status).toBe(201);
    const summary = await service.as('admin').get(`/v1/admin/analytics/feedback?from=${from}`);
    expect(summary.status).toBe(200);
    expect(summary.body).toMatchObject({ surveys: 3, answered: 2, responseRate: 0.6667, averageRating: 3.5, byRating: { '1': 0, '2': 1, '3': 0, '4': 0, '5': 1 } });
    expect((await service.as('finance').get('/v1/admin/analytics/feedback')).status).toBe(403);
  });

  it('refuses an answer that is not one, and a link no survey has', async () => {
    const { path } = await refunded();
    for (const body of [{}, { rating: 0 }, { rating: 6 }, { rating: 4.5 }, { rating: '5' }, { rating: 5, comment: 'x'.repeat(2001) }, { rating: 5, extra: true }]) {
      expect([JSON.stringify(body), (await service.http().post(path).send(body)).status]).toEqual([JSON.stringify(body), 400]);
    }
    // Nothing was recorded by them.
    expect((await service.http().get(path)).body.answered).toBe(false);
    expectError(await service.http().get('/v1/feedback/not-a-survey'), 404, 'FEEDBACK_NOT_FOUND');
    expectError(await service.http().post('/v1/feedback/not-a-survey').send({ rating: 5 }), 404, 'FEEDBACK_NOT_FOUND');
  });

  const statusOf = async (caseId: string) => (await service.get(CaseService).find(caseId))!.status;
  const jobOf = added;

  it('completes a refunded case when its customer answers, and tells the webhooks', async () => {
    const { caseId, path } = await refunded();
    expect(await statusOf(caseId)).toBe('REFUNDED');
    // Its completion deadline is set, and its timer waits.
    const completeBy = Date.parse((await service.get(CaseService).find(caseId))!.deadlines.completeBy!);
    const timer = (await jobOf(Jobs.deadline(caseId, 'completion', 0)))!;
    expect(Math.abs(timer.timestamp + timer.opts.delay! - completeBy)).toBeLessThan(2_000);
    expect(completeBy - Date.now()).toBeGreaterThan(6 * 24 * 3_600_000);

    expect((await service.http().post(path).send({ rating: 5 })).status).toBe(201);
    expect(await statusOf(caseId)).toBe('COMPLETED');
    const [last] = (await service.get(CaseService).timeline(caseId)).slice(-1);
    expect(last).toMatchObject({ from: 'REFUNDED', to: 'COMPLETED', actor: 'customer', note: 'survey answered: 5/5' });
    expect(await jobOf(Jobs.webhook(caseId, 'return.completed'))).toBeDefined();
    // Its timer, when it fires, finds nothing to do.
    expect(await service.get(FeedbackService).onCompletionDeadline(caseId)).toBe(false);
  });

  it('completes an unanswered refunded case, and an exchange shipped, at the completion deadline', async () => {
    const { caseId, path } = await refunded();
    await deadlinePassed(service, caseId, 'completeBy');
    expect(await service.get(FeedbackService).onCompletionDeadline(caseId)).toBe(true);
    expect(await statusOf(caseId)).toBe('COMPLETED');
    expect(await service.get(FeedbackService).onCompletionDeadline(caseId)).toBe(false);
    // A late answer is still taken; the case stays as it is.
    expect((await service.http().post(path).send({ rating: 3 })).status).toBe(201);
    expect(await statusOf(caseId)).toBe('COMPLETED');

    const { orderId } = await putOrder(service);
    const created = await postReturn(service, returnBody(orderId, { type: 'EXCHANGE' }));
    const exchange = created.body.id;
    await service.get(IntakeService).judge(exchange);
    await service.get(LogisticsService).book(exchange);
    await service.get(LogisticsService).receive(exchange, 'warehouse:w-01');
    expect((await service.as('warehouse').post(`/v1/returns/${exchange}/inspection`, { inspector: 'w-07', items: [inspectedAs('S1', 1, 'NEW')] })).status).toBe(202);
    await service.get(InspectionService).grade(exchange);
    expect(await statusOf(exchange)).toBe('EXCHANGE_SHIPPED');
    expect(await jobOf(Jobs.deadline(exchange, 'completion', 0))).toBeDefined();
    await deadlinePassed(service, exchange, 'completeBy');
    expect(await service.get(FeedbackService).onCompletionDeadline(exchange)).toBe(true);
    expect(await statusOf(exchange)).toBe('COMPLETED');
    expect(await jobOf(Jobs.webhook(exchange, 'return.completed'))).toBeDefined();

    // What recovery owes these: the completion webhooks; and a refunded case's timer.
    const owed = (await service.get(FeedbackService).owedSince(new Date(Date.now() - 60_000))).map((job) => job.jobId);
    expect(owed).toEqual(expect.arrayContaining([Jobs.webhook(caseId, 'return.completed').jobId, Jobs.webhook(exchange, 'return.completed').jobId]));
    const waiting = await refunded();
    expect(await service.get(FeedbackService).owedSince(new Date(Date.now() - 60_000))).toEqual(
      expect.arrayContaining([expect.objectContaining({ jobId: Jobs.deadline(waiting.caseId, 'completion', 0).jobId })]),
    );
  });

  it("gives no one holding WEBHOOK_SECRET (upstream, every webhook subscriber) a way to answer a case's survey", async () => {
    const { caseId, path } = await refunded();
    // What the link once was: an HMAC of the case id under the secret those parties share.
    const guessed = `/v1/feedback/${createHmac('sha256', service.config.webhookSecret).update(`survey:${caseId}`).digest('base64url')}`;
    expect(path).not.toBe(guessed);
    expect((await service.http().post(guessed).send({ rating: 1 })).status).toBe(404);
    expect((await service.http().get(path)).body).toMatchObject({ answered: false });
  });

  it('opens no second survey when the refund is replayed, and a recovery sends the same link', async () => {
    const { caseId, path } = await refunded();
    await service.get(RefundService).issue(caseId, false);
    expect((await service.db.query('SELECT count(*)::int AS n FROM feedback WHERE case_id = $1', [caseId]))[0].n).toBe(1);
    const owed = await service.get(RefundService).owedSince(new Date(Date.now() - 60_000));
    const message = owed.find((job) => job.jobId === Jobs.notify(caseId, 'refund.succeeded').jobId);
    expect(new URL((message!.data as unknown as { params: { surveyUrl: string } }).params.surveyUrl).pathname).toBe(path);
  });
});
