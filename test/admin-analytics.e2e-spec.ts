import { IntakeService } from '@returns/intake';
import { LogisticsService } from '@returns/logistics';
import { expectError, postReturn, putOrder } from './support/api-helpers';
import { daysAgo, returnBody } from './support/factories';
import { ownDatabase } from './support/own-database';
import { TestService } from './support/service';

/**
 * The admin's analytics over cases the stages themselves moved (no workers run: the test
 * calls the stage that would), on a database of its own so that every count is the test's.
 */
describe('admin analytics', () => {
  let service: TestService;
  let database: Awaited<ReturnType<typeof ownDatabase>> | undefined;
  const cases: Record<string, string> = {};
  let startedAt: string;

  beforeAll(async () => {
    database = await ownDatabase('analytics');
    service = await TestService.start({ withWorkers: false, env: { DATABASE_URL: database.url } });
    startedAt = new Date(Date.now() - 1_000).toISOString();
    const judged = async (name: string, overrides: Record<string, unknown> = {}, orderOverrides: Record<string, unknown> = {}) => {
      const { orderId } = await putOrder(service, orderOverrides);
      const created = await postReturn(service, returnBody(orderId, overrides));
      expect(created.status).toBe(202);
      await service.get(IntakeService).judge(created.body.id);
      cases[name] = created.body.id;
    };
    await judged('approved');
    await judged('booked');
    await service.get(LogisticsService).book(cases.booked);
    await judged('outOfWindow', {}, { deliveredAt: daysAgo(120) });
    await judged('inReview', { reasonCode: 'OTHER', reasonText: '不喜欢了' });
    await judged('lateReview', { reasonCode: 'OTHER', reasonText: '不想要了' });
    await judged('autoApproved', { reasonCode: 'OTHER', reasonText: '不太喜欢' });
    await judged('cancelled', { reasonCode: 'OTHER', reasonText: '买错了' });
    await service.get(IntakeService).cancel(cases.cancelled, 'portal');
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  const admin = () => service.as('admin');

  it('counts the cases of each reason and what became of them', async () => {
    const response = await admin().get(`/v1/admin/analytics/reasons?from=${startedAt}`);
    expect(response.status).toBe(200);
    expect(response.body.total).toBe(7);
    const byReason = Object.fromEntries(response.body.items.map((r: { reasonCode: string }) => [r.reasonCode, r]));
    expect(byReason.SIZE_FIT).toEqual({ reasonCode: 'SIZE_FIT', cases: 3, share: 0.4286, approved: 2, rejected: 1, inReview: 0, cancelled: 0 });
    expect(byReason.OTHER).toEqual({ reasonCode: 'OTHER', cases: 4, share: 0.5714, approved: 1, rejected: 0, inReview: 3, cancelled: 1 });
    // Most asked first.
    expect(response.body.items[0].reasonCode).toBe('OTHER');
    // A range before them counts none.
    const before = await admin().get(`/v1/admin/analytics/reasons?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z`);
    expect(before.body).toEqual({ from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z', total: 0, items: [] });
  });

  it('gives the hours spent in each status a case can leave, stays not over counted until now', async () => {
    const response = await admin().get(`/v1/admin/analytics/stages?from=${startedAt}`);
    expect(response.status).toBe(200);
    const byStatus = Object.fromEntries(response.body.items.map((s: { status: string }) => [s.status, s]));
    // Every case was REQUESTED once, and left it.
    expect(byStatus.REQUESTED).toMatchObject({ cases: 7, stillIn: 0 });
    // Three approved ('买错了' is a clear enough reason): one still waits for its booking, one
    // was booked and waits for the parcel, one was cancelled.
    expect(byStatus.APPROVED).toMatchObject({ cases: 3, stillIn: 1 });
    expect(byStatus.AWAITING_SHIPMENT).toMatchObject({ cases: 1, stillIn: 1 });
    expect(byStatus.PENDING_REVIEW).toMatchObject({ cases: 3, stillIn: 3 });
    // Terminal statuses have no stay to measure.
    expect(byStatus.REJECTED).toBeUndefined();
    expect(byStatus.CANCELLED).toBeUndefined();
    for (const s of response.body.items) {
      expect(s.p50Hours).toBeLessThanOrEqual(s.p95Hours);
      expect(s.p95Hours).toBeLessThanOrEqual(s.maxHours);
      expect(s.maxHours).toBeLessThan(0.1);
    }
    // In the statuses' order.
    expect(response.body.items.map((s: { status: string }) => s.status)).toEqual(['REQUESTED', 'PENDING_REVIEW', 'APPROVED', 'AWAITING_SHIPMENT']);
  });

  it('lists the deadlines missed: open past due, and resolved by their timer', async () => {
    const dueAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    const setDue = (caseId: string, field: string, at: string) =>
      service.db.query(`UPDATE return_cases SET deadlines = jsonb_set(deadlines, $2, to_jsonb($3::text)) WHERE id = $1`, [caseId, `{${field}}`, at]);
    // No agent took it, and the timer has not fired yet.
    await setDue(cases.lateReview, 'reviewBy', dueAgo(30));
    // No agent took it, and the timer approved it.
    await setDue(cases.autoApproved, 'reviewBy', dueAgo(60));
    expect(await service.get(IntakeService).onReviewDeadline(cases.autoApproved)).toBe(true);
    // A case no longer waiting in that status (cancelled) is no breach, however long ago its deadline.
    await setDue(cases.cancelled, 'reviewBy', dueAgo(90));

    const response = await admin().get('/v1/admin/sla/breaches');
    expect(response.status).toBe(200);
    expect(response.body.total).toBe(2);
    expect(response.body.items).toEqual([
      { caseId: cases.lateReview, rmaNumber: expect.any(String), status: 'PENDING_REVIEW', sla: 'review', dueAt: expect.any(String), open: true, resolvedBy: null, resolvedAt: null },
      {
        caseId: cases.autoApproved,
        rmaNumber: expect.any(String),
        status: 'APPROVED',
        sla: 'review',
        dueAt: expect.any(String),
        open: false,
        resolvedBy: 'system:review-deadline',
        resolvedAt: expect.any(String),
      },
    ]);
    expect((await admin().get('/v1/admin/sla/breaches?limit=1')).body).toMatchObject({ total: 2, items: [{ caseId: cases.lateReview }] });
    // Deadlines not yet due are no breach, whatever the range.
    await setDue(cases.inReview, 'reviewBy', new Date(Date.now() + 3_600_000).toISOString());
    expect((await admin().get(`/v1/admin/sla/breaches?to=${new Date(Date.now() + 7_200_000).toISOString()}`)).body.total).toBe(2);
  });

  it('is for admins, and refuses a range that is not one', async () => {
    expectError(await service.as('agent').get('/v1/admin/analytics/reasons'), 403, 'FORBIDDEN_ROLE');
    expectError(await service.as('finance').get('/v1/admin/sla/breaches'), 403, 'FORBIDDEN_ROLE');
    expect((await admin().get('/v1/admin/analytics/stages?from=yesterday')).status).toBe(400);
    expectError(await admin().get('/v1/admin/analytics/reasons?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z'), 400, 'RANGE_INVALID');
    expect((await admin().get('/v1/admin/sla/breaches?limit=0')).status).toBe(400);
    expect((await admin().get('/v1/admin/sla/breaches?limit=5000')).status).toBe(400);
    expect((await admin().get('/v1/admin/analytics/reasons?region=east')).status).toBe(400);
  });

  it('counts a request still waiting in the intake queue as a stay in REQUESTED not over', async () => {
    const { orderId } = await putOrder(service);
    expect((await postReturn(service, returnBody(orderId))).status).toBe(202); // no worker judges it
    const byStatus = Object.fromEntries((await admin().get(`/v1/admin/analytics/stages?from=${startedAt}`)).body.items.map((s: { status: string }) => [s.status, s]));
    expect(byStatus.REQUESTED).toMatchObject({ cases: 8, stillIn: 1 });
    expect(byStatus.REQUESTED.maxHours).toBeLessThan(0.1);
  });
});
