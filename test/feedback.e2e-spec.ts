import { Jobs, QueueName } from '@returns/contracts';
import { IntakeService } from '@returns/intake';
import { RefundService, surveyToken } from '@returns/refund';
import { expectError, postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { TestService } from './support/service';

/**
 * The short survey after a refund: its link goes out with the refund message, and the
 * customer answers it once, without a key.
 */
describe('feedback after a refund', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: false });
  });

  afterAll(() => service?.close());

  /** A refund-only case judged and paid by the stages themselves; its survey's path. */
  async function refunded(): Promise<{ caseId: string; path: string; rmaNumber: string }> {
    const { orderId } = await putOrder(service);
    const created = await postReturn(service, returnBody(orderId, { type: 'REFUND_ONLY', reasonCode: 'CHANGED_MIND', reasonText: undefined, returnMethod: undefined, items: [{ sku: 'MUG', quantity: 1 }] }));
    expect(created.status).toBe(202);
    await service.get(IntakeService).judge(created.body.id);
    await service.get(RefundService).issue(created.body.id, false);
    const message = await service.queue(QueueName.Notification).getJob(Jobs.notify(created.body.id, 'refund.succeeded').jobId);
    const url = new URL(message!.data.params.surveyUrl);
    expect(url.origin).toBe(service.config.publicBaseUrl);
    return { caseId: created.body.id, path: url.pathname, rmaNumber: created.body.rmaNumber };
  }

  it('sends the survey link with the refund, and takes one answer per link, without a key', async () => {
    const { caseId, path, rmaNumber } = await refunded();
    expect(path).toBe(`/v1/feedback/${surveyToken(caseId, service.config.webhookSecret)}`);

    const open = await service.http().get(path);
    expect(open.status).toBe(200);
    expect(open.body).toEqual({ rmaNumber, scale: [1, 2, 3, 4, 5], answered: false, rating: null, comment: null, answeredAt: null });

    const answered = await service.http().post(path).send({ rating: 4, comment: '退款很快' });
    expect(answered.status).toBe(201);
    expect(answered.body).toMatchObject({ rmaNumber, answered: true, rating: 4, comment: '退款很快', answeredAt: expect.any(String) });

    expectError(await service.http().post(path).send({ rating: 1 }), 409, 'FEEDBACK_ALREADY_GIVEN');
    // The first answer stands.
    expect((await service.http().get(path)).body).toMatchObject({ answered: true, rating: 4, comment: '退款很快' });
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

  it('opens no second survey when the refund is replayed, and a recovery sends the same link', async () => {
    const { caseId, path } = await refunded();
    await service.get(RefundService).issue(caseId, false);
    expect((await service.db.query('SELECT count(*)::int AS n FROM feedback WHERE case_id = $1', [caseId]))[0].n).toBe(1);
    const owed = await service.get(RefundService).owedSince(new Date(Date.now() - 60_000));
    const message = owed.find((job) => job.jobId === Jobs.notify(caseId, 'refund.succeeded').jobId);
    expect(new URL((message!.data as unknown as { params: { surveyUrl: string } }).params.surveyUrl).pathname).toBe(path);
  });
});
