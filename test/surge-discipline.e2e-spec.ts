import { QueueName } from '@returns/contracts';
import { IntakeService, ReturnRequestBody } from '@returns/intake';
import { postEvent, postReturn, putOrder } from './support/api-helpers';
import { orderBody, returnBody, uniqueId } from './support/factories';
import { ownDatabase } from './support/own-database';
import { TestService } from './support/service';

describe('queue discipline under a surge', () => {
  describe('with the intake high-water mark at 3 and no worker draining', () => {
    let service: TestService;
    // The backlog is counted in the database (waiting_requests): one of its own, so no other
    // file's requests left waiting count against the mark.
    let database: Awaited<ReturnType<typeof ownDatabase>> | undefined;

    beforeAll(async () => {
      database = await ownDatabase('surge_discipline');
      service = await TestService.start({ withWorkers: false, env: { INTAKE_HIGH_WATER: '3', DATABASE_URL: database.url } });
    });

    afterAll(async () => {
      await service?.close();
      await database?.drop();
    });

    it('answers 429 with Retry-After past the mark, stores nothing, answers a retried request as before, and takes returns again once drained', async () => {
      const { orderId } = await putOrder(service, { items: [{ sku: 'S1', name: 'T恤', category: 'apparel', quantity: 9, unitPrice: 9900 }] });
      const first = await postReturn(service, returnBody(orderId), { key: 'surge-first' });
      expect(first.status).toBe(202);
      expect((await postReturn(service, returnBody(orderId))).status).toBe(202);
      // The third return of the backlog comes as upstream's return.requested event.
      const earlyEvent = JSON.stringify({ id: 'evt-early', type: 'return.requested', occurredAt: new Date().toISOString(), data: returnBody(orderId) });
      const sendEarly = () => postEvent(service, earlyEvent);
      const early = await sendEarly();
      expect(early.status).toBe(202);
      expect(early.body).toMatchObject({ duplicate: false, returnId: expect.any(String) });
      await new Promise((r) => setTimeout(r, 2_100)); // a reading of the backlog stands for up to 2 s
      const [{ before }] = await service.db.query('SELECT count(*)::int AS before FROM return_requests');

      const refused = await postReturn(service, returnBody(orderId));
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests', code: 'INTAKE_BACKLOG' });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      const [{ after }] = await service.db.query('SELECT count(*)::int AS after FROM return_requests');
      expect(after).toBe(before);
      // A dashboard sees the back-pressure without an ingress of its own.
      const metrics = (await service.http().get('/metrics')).text;
      expect(metrics).toMatch(/^returns_intake_responses_total\{code="202"\} 2$/m);
      expect(metrics).toMatch(/^returns_intake_responses_total\{code="429"\} 1$/m);
      // The backlog the mark is measured against: requests, not intake jobs (a job holds a batch).
      expect(metrics).toMatch(/^returns_intake_waiting_requests 3$/m);

      // A client retrying a request it was answered 202 for (its answer lost) still gets that
      // answer, not 429: the key was used; a new body under it is still refused as reused.
      const retried = await postReturn(service, returnBody(orderId), { key: 'surge-first' });
      expect(retried.status).toBe(202);
      expect(retried.body).toEqual(first.body);
      expect((await postReturn(service, returnBody(orderId, { reasonText: 'another body' }), { key: 'surge-first' })).body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect((await postReturn(service, returnBody(orderId), { key: 'surge-new' })).status).toBe(429);
      const [{ still }] = await service.db.query('SELECT count(*)::int AS still FROM return_requests');
      expect(still).toBe(before);

      // Upstream's return.requested events meet the same mark: 429 with Retry-After, nothing stored.
      const event = JSON.stringify({ id: 'evt-surge', type: 'return.requested', occurredAt: new Date().toISOString(), data: returnBody(orderId) });
      const signed = () => postEvent(service, event);
      const events = async () => (await service.db.query('SELECT count(*)::int AS n FROM upstream_events'))[0].n;
      const eventsBefore = await events();
      const refusedEvent = await signed();
      expect(refusedEvent.status).toBe(429);
      expect(refusedEvent.body).toMatchObject({ code: 'INTAKE_BACKLOG' });
      expect(Number(refusedEvent.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(await events()).toBe(eventsBefore);
      // An event taken before the mark and sent again past it (its answer lost) is answered as
      // the duplicate it is, with its return, not refused.
      const repeated = await sendEarly();
      expect(repeated.status).toBe(202);
      expect(repeated.body).toMatchObject({ duplicate: true, returnId: early.body.returnId });
      // So is one whose return was stored but whose event record was not (the process died in
      // between): past the mark, intake still owes it the return it opened, not a 429.
      await service.db.query(`DELETE FROM upstream_events WHERE id = 'evt-early'`);
      const afterCrash = await sendEarly();
      expect(afterCrash.status).toBe(202);
      expect(afterCrash.body).toMatchObject({ returnId: early.body.returnId });
      expect(await events()).toBe(eventsBefore);

      await service.spawnWorker({ WORKER_QUEUES: 'intake,logistics,notification,webhooks,timers' });
      await service.drain();
      await new Promise((r) => setTimeout(r, 2_100));
      expect((await postReturn(service, returnBody(orderId))).status).toBe(202);
      // Sent again once the backlog has drained, the event is taken.
      expect((await signed()).status).toBe(202);
    });
  });

  describe('priorities', () => {
    let service: TestService;

    beforeAll(async () => {
      service = await TestService.start({ withWorkers: false });
    });

    afterAll(() => service.close());

    it('judges VIP and merchant-fault returns before the backlog that came first', async () => {
      const normal: string[] = [];
      for (let i = 0; i < 6; i++) {
        const { orderId } = await putOrder(service);
        normal.push((await postReturn(service, returnBody(orderId))).body.id);
      }
      const vip = await putOrder(service, { customer: { ...orderBody().customer, tier: 'VIP' } });
      const photos = [{ url: 'https://img.example.com/defect.jpg', sha256: 'd'.repeat(64) }];
      const urgent = (await postReturn(service, returnBody(vip.orderId, { reasonCode: 'QUALITY_DEFECT', reasonText: '开线了', photos }))).body.id;
      // The tier is read in any case, as the judge reads it.
      const vipInLowerCase = await putOrder(service, { customer: { ...orderBody().customer, tier: 'vip' } });
      const vipOnly = (await postReturn(service, returnBody(vipInLowerCase.orderId))).body.id;

      const waiting = await service.queue(QueueName.Intake).getJobs(['prioritized', 'waiting']);
      const priorityOf = Object.fromEntries(waiting.flatMap((j) => (j.data.caseIds as string[]).map((id) => [id, j.opts.priority])));
      expect(priorityOf).toMatchObject({ [urgent]: 1, [vipOnly]: 2, [normal[0]]: 5 });

      // One worker taking one intake job at a time shows the order they are served in.
      await service.spawnWorker({ WORKER_QUEUES: 'intake', INTAKE_CONCURRENCY: '1' });
      let judged: { id: string }[] = [];
      for (const deadline = Date.now() + 20_000; judged.length < 7 && Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
        judged = await service.db.query(
          `SELECT t.case_id AS id FROM case_timeline t WHERE t.from_status = 'REQUESTED' AND t.case_id = ANY($1) ORDER BY t.id`,
          [[...normal, urgent]],
        );
      }
      expect(judged).toHaveLength(7);
      expect(judged.map((j) => [...normal, urgent].indexOf(j.id))).toEqual([6, 0, 1, 2, 3, 4, 5]);
    });

    it('splits a batch by priority: the VIP request that came with ordinary ones is not judged behind them', async () => {
      await service.queue(QueueName.Intake).pause();
      const ordinary = await Promise.all(Array.from({ length: 4 }, () => putOrder(service)));
      const vip = await putOrder(service, { customer: { ...orderBody().customer, tier: 'VIP' } });
      // Accepted in one turn of the event loop, so stored in one intake batch.
      const intake = service.get(IntakeService);
      const accepted = await Promise.all([...ordinary, vip].map((o) => intake.accept('portal', uniqueId('split'), returnBody(o.orderId) as ReturnRequestBody)));
      const ids = accepted.map((a) => a.id);
      const jobs = (await service.queue(QueueName.Intake).getJobs(['prioritized', 'waiting'])).filter((j) => (j.data.caseIds as string[]).some((id) => ids.includes(id)));
      expect(jobs.map((j) => [j.data.caseIds, j.opts.priority]).sort((a, b) => Number(a[1]) - Number(b[1]))).toEqual([
        [[ids[4]], 2],
        [ids.slice(0, 4), 5],
      ]);
      await service.queue(QueueName.Intake).resume();
    });
  });
});
