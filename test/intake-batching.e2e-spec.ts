import { JobName, Jobs, QueueName } from '@returns/contracts';
import { groupCommitTotals, textRefused } from '@returns/database';
import { IntakeService, ReturnRequestBody } from '@returns/intake';
import { countRows, expectError, jobCounts, postReturn, putOrder } from './support/api-helpers';
import { randomUUID as uniqueUuid } from 'node:crypto';
import { returnBody, uniqueId } from './support/factories';
import { TestService } from './support/service';
import { eventually } from './support/eventually';

/**
 * Requests that arrive together are stored together (one statement, one commit, one
 * addBulk). A burst must still answer each caller as if it had come alone: new keys
 * accepted once, repeated keys the same answer, a reused key 409, an unknown order 404,
 * and a request PostgreSQL refuses failing alone without taking its batch with it.
 */
describe('intake under a burst (group commit)', () => {
  let service: TestService;

  beforeAll(async () => {
    // No workers: every accepted request stays buffered, so the queue can be counted.
    service = await TestService.start({ withWorkers: false });
  });

  afterAll(() => service.close());

  it('answers every caller of a concurrent burst as if it had come alone', async () => {
    const orders = await Promise.all(Array.from({ length: 6 }, () => putOrder(service)));
    const repeatedKey = uniqueId('key');
    const reusedKey = uniqueId('key');
    const fresh = Array.from({ length: 60 }, (_, i) => ({ key: uniqueId('key'), body: returnBody(orders[i % 6].orderId) }));
    const calls = [
      ...fresh.map(({ key, body }) => postReturn(service, body, { key })),
      // the same key and body three times in the same burst: one case
      ...[0, 1, 2].map(() => postReturn(service, returnBody(orders[0].orderId, { reasonText: 'three times' }), { key: repeatedKey })),
      // one key, two bodies: one is accepted, the other refused
      postReturn(service, returnBody(orders[1].orderId, { reasonText: 'first body' }), { key: reusedKey }),
      postReturn(service, returnBody(orders[1].orderId, { reasonText: 'second body' }), { key: reusedKey }),
      postReturn(service, returnBody(uniqueId('no-such-order'))),
      // PostgreSQL cannot store a NUL character: this one is refused, its neighbours must not be
      postReturn(service, returnBody(orders[2].orderId, { reasonText: 'bad \u0000 text' })),
    ];
    const answers = await Promise.all(calls);

    const freshAnswers = answers.slice(0, 60);
    expect(freshAnswers.map((a) => a.status)).toEqual(Array(60).fill(202));
    expect(new Set(freshAnswers.map((a) => a.body.id)).size).toBe(60);
    expect(new Set(freshAnswers.map((a) => a.body.rmaNumber)).size).toBe(60);
    for (const a of freshAnswers) expect(a.body).toMatchObject({ status: 'REQUESTED', statusUrl: expect.stringContaining(a.body.id) });

    const repeated = answers.slice(60, 63);
    expect(repeated.map((a) => a.status)).toEqual([202, 202, 202]);
    expect(new Set(repeated.map((a) => a.body.id)).size).toBe(1);
    expect(new Set(repeated.map((a) => a.body.rmaNumber)).size).toBe(1);

    const reused = answers.slice(63, 65);
    expect(reused.map((a) => a.status).sort()).toEqual([202, 409]);
    expectError(reused.find((a) => a.status === 409)!, 409, 'IDEMPOTENCY_KEY_REUSED');

    expectError(answers[65], 404, 'ORDER_NOT_FOUND');
    expectError(answers[66], 400, 'UNSUPPORTED_TEXT');

    // Stored once each, and a judge job for each stored one.
    const keys = [...fresh.map((f) => f.key), repeatedKey, reusedKey];
    expect(await countRows(service, 'return_requests WHERE idempotency_key = ANY($1)', [keys])).toBe(62);
    expect(await countRows(service, `return_requests WHERE order_id = $1 AND body->>'reasonText' LIKE 'bad%'`, [orders[2].orderId])).toBe(0);
    // The jobs are added right after the commit (the answers do not wait for it): a
    // judge-returns job per batch, fewer jobs than requests, and every stored request in one.
    const waitingJobs = await service.queue(QueueName.Intake).getJobs(['waiting', 'prioritized']);
    expect(waitingJobs.every((j) => j.name === JobName.JudgeReturns)).toBe(true);
    expect(waitingJobs.length).toBeLessThan(62);
    const inJobs = waitingJobs.flatMap((j) => j.data.caseIds as string[]);
    expect(inJobs).toHaveLength(62);
    expect(new Set(inJobs)).toEqual(new Set([...freshAnswers, ...repeated, ...reused].filter((a) => a.status === 202).map((a) => a.body.id)));

    // And each is readable at once, REQUESTED, by the id it was given.
    const view = await service.as('portal').get(`/v1/returns/${repeated[0].body.id}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ id: repeated[0].body.id, status: 'REQUESTED', rmaNumber: repeated[0].body.rmaNumber });
  });

  it('gives a later repeat of a key from the burst the first answer', async () => {
    const { orderId } = await putOrder(service);
    const key = uniqueId('key');
    const body = returnBody(orderId);
    const burst = await Promise.all([postReturn(service, body, { key }), postReturn(service, body, { key })]);
    const later = await postReturn(service, body, { key });
    expect(new Set([...burst, later].map((a) => `${a.status} ${a.body.id}`)).size).toBe(1);
    expect(later.status).toBe(202);
  });

  it('judges a backlog in batches as if one request came after another: no units claimed twice, one booking each', async () => {
    // Buffered while no worker runs, then one worker process takes them all at once.
    const { orderId } = await putOrder(service); // S1: 2 units
    const other = await putOrder(service);
    // Two customers with the same photo of a defect: the one judged second is flagged.
    const photoOrders = [await putOrder(service), await putOrder(service)];
    const photos = [{ url: 'https://img.example.com/same.jpg', sha256: 'd'.repeat(48) + Date.now().toString(16).padStart(16, '0') }];
    const answers = await Promise.all([
      ...Array.from({ length: 6 }, () => postReturn(service, returnBody(orderId, { items: [{ sku: 'S1', quantity: 1 }] }))),
      ...Array.from({ length: 3 }, () => postReturn(service, returnBody(other.orderId, { items: [{ sku: 'MUG', quantity: 1 }] }))),
      ...photoOrders.map((o) => postReturn(service, returnBody(o.orderId, { reasonCode: 'QUALITY_DEFECT', reasonText: '质量太差，开线了', photos }))),
    ]);
    expect(answers.map((a) => a.status)).toEqual(Array(11).fill(202));
    await service.spawnWorker();
    const all = await Promise.all(answers.map((a) => service.waitForStatus(a.body.id, ['AWAITING_SHIPMENT', 'PENDING_REVIEW', 'REJECTED'])));
    const flagged = all.slice(9).filter((v) => v.risk.signals.some((s: { signal: string }) => s.signal === 'PHOTO_REUSED'));
    expect(flagged).toHaveLength(1);
    expect(flagged[0].status).toBe('PENDING_REVIEW');
    const views = all.slice(0, 9);

    const ofOrder = views.slice(0, 6);
    const holding = ofOrder.filter((v) => v.status !== 'REJECTED');
    expect(holding).toHaveLength(2);
    for (const v of ofOrder.filter((v) => v.status === 'REJECTED')) expect(v.decision.codes).toContain('QUANTITY_EXCEEDED');
    // The MUG was bought once: one of three holds it.
    const mugs = views.slice(6);
    expect(mugs.filter((v) => v.status !== 'REJECTED')).toHaveLength(1);

    // Each case opened once, with its two first timeline steps, and each booked case booked once.
    const ids = views.map((v) => v.id);
    expect(await countRows(service, 'return_cases WHERE id = ANY($1)', [ids])).toBe(9);
    expect(await countRows(service, `case_timeline WHERE case_id = ANY($1) AND from_status IS NULL`, [ids])).toBe(9);
    const booked = views.filter((v) => v.status === 'AWAITING_SHIPMENT').map((v) => v.id);
    expect(await countRows(service, 'shipments WHERE case_id = ANY($1)', [ids])).toBe(booked.length);
    for (const v of views.filter((v) => v.status === 'AWAITING_SHIPMENT')) expect(v.shipment).toMatchObject({ status: 'BOOKED', trackingNumber: expect.any(String) });
    // No OUTBOUND_WEBHOOK_URLS here: the approvals made no webhook jobs that would do nothing.
    const webhooks = await jobCounts(service, QueueName.Webhooks);
    expect(Object.values(webhooks).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('hands the request that cannot be judged a job of its own, which fails alone; the rest of its batch is judged', async () => {
    // The worker spawned by the test before is running: buffer with it paused, then release all at once.
    await service.queue(QueueName.Intake).pause();
    const orders = await Promise.all(Array.from({ length: 5 }, () => putOrder(service)));
    const answers = await Promise.all(orders.map((o) => postReturn(service, returnBody(o.orderId))));
    expect(answers.map((a) => a.status)).toEqual(Array(5).fill(202));
    // One order vanishes behind the service's back (it never does through the API).
    await service.db.query('DELETE FROM orders WHERE id = $1', [orders[2].orderId]);
    await service.queue(QueueName.Intake).resume();

    const judged = await Promise.all(
      answers.filter((_, i) => i !== 2).map((a) => service.waitForStatus(a.body.id, ['AWAITING_SHIPMENT', 'PENDING_REVIEW', 'REJECTED'])),
    );
    expect(judged).toHaveLength(4);
    // They came together: judge-returns jobs (one per intake batch) held them, and completed.
    const batches = (await service.queue(QueueName.Intake).getJobs(['completed'])).filter((j) => j.name === JobName.JudgeReturns && answers.some((a) => (j.data.caseIds as string[]).includes(a.body.id)));
    expect(batches.flatMap((j) => j.data.caseIds as string[]).sort()).toEqual(answers.map((a) => a.body.id).sort());
    const job = await eventually(`intake:${answers[2].body.id}:judge failed`, async () => {
      const found = await service.queue(QueueName.Intake).getJob(`intake:${answers[2].body.id}:judge`);
      return found?.failedReason ? found : undefined;
    });
    expect(job.failedReason).toMatch(/vanished/);
    expect(await countRows(service, 'return_cases WHERE id = $1', [answers[2].body.id])).toBe(0);
    // It left its batch (for recovery, see the next test).
    expect(await countRows(service, 'return_requests WHERE id = $1 AND judge_batch IS NULL', [answers[2].body.id])).toBe(1);
    await service.queue(QueueName.Intake).remove(job.id!);
  });

  it('fails alone a request whose judging throws (not only one it finds unjudgeable), and judges it once the cause is gone', async () => {
    await service.queue(QueueName.Intake).pause();
    const orders = await Promise.all(Array.from({ length: 4 }, () => putOrder(service)));
    const answers = await Promise.all(orders.map((o) => postReturn(service, returnBody(o.orderId))));
    expect(answers.map((a) => a.status)).toEqual(Array(4).fill(202));
    // A case that already holds the RMA number of one of them (a copy of another case): opening
    // its case breaks a unique constraint, which the judge batch throws, not returns.
    const squatter = uniqueUuid();
    await service.db.query(
      `INSERT INTO return_cases SELECT (jsonb_populate_record(NULL::return_cases, to_jsonb(c) || jsonb_build_object('id', $1::text, 'rma_number', $2::text))).*
         FROM return_cases c LIMIT 1`,
      [squatter, answers[1].body.rmaNumber],
    );
    await service.queue(QueueName.Intake).resume();

    const others = answers.filter((_, i) => i !== 1);
    await Promise.all(others.map((a) => service.waitForStatus(a.body.id, ['AWAITING_SHIPMENT', 'PENDING_REVIEW', 'REJECTED'])));
    // Handed to a job of its own, which retries it with its own backoff: the batch's job completed.
    await eventually(`a job of its own for ${answers[1].body.id}`, () => service.queue(QueueName.Intake).getJob(Jobs.judgeReturn(answers[1].body.id).jobId), { everyMs: 100 });
    const batches = (await service.queue(QueueName.Intake).getJobs(['completed'])).filter((j) => j.name === JobName.JudgeReturns && answers.some((a) => (j.data.caseIds as string[]).includes(a.body.id)));
    expect(batches.flatMap((j) => j.data.caseIds as string[]).sort()).toEqual(answers.map((a) => a.body.id).sort());
    expect(await countRows(service, 'return_cases WHERE id = $1', [answers[1].body.id])).toBe(0);
    // It left its batch: should Redis lose its job, recovery owes it that job, not the batch's
    // (which completed, and would stand for it for a day).
    const owed = (await service.get(IntakeService).owedSince(new Date(Date.now() - 60_000))).map((j) => j.jobId);
    expect(owed).toContain(Jobs.judgeReturn(answers[1].body.id).jobId);
    expect(owed.filter((id) => batches.some((b) => b.id === id))).toEqual([]);

    await service.db.query('DELETE FROM return_cases WHERE id = $1', [squatter]);
    await service.waitForStatus(answers[1].body.id, ['AWAITING_SHIPMENT', 'PENDING_REVIEW', 'REJECTED'], 30_000);
  });

  it('stores each body of a burst as it was posted: quotes, backslashes, braces and CJK text and all', async () => {
    const { orderId } = await putOrder(service);
    const texts = ['"quoted" and \\"escaped\\"', 'back\\slash \\n not a newline', '{"not": ["json", 1]}', '尺码偏小，颜色不对 ✓', 'tab\tand\nnewline', "it's [1,2]"];
    const bodies = Array.from({ length: 24 }, (_, i) => returnBody(orderId, { reasonText: `${texts[i % texts.length]} #${i}` }));
    const answers = await Promise.all(bodies.map((body) => postReturn(service, body)));
    expect(answers.map((a) => a.status)).toEqual(Array(24).fill(202));
    const rows: { id: string; body: unknown }[] = await service.db.query('SELECT id, body FROM return_requests WHERE id = ANY($1::uuid[])', [answers.map((a) => a.body.id)]);
    const stored = new Map(rows.map((r) => [r.id, r.body]));
    answers.forEach((a, i) => expect(stored.get(a.body.id)).toEqual(bodies[i]));
  });

  it('refuses text PostgreSQL cannot store at the door (400 UNSUPPORTED_TEXT, nothing stored): no batch spoiled, the rest of the burst written together', async () => {
    const { orderId } = await putOrder(service);
    const retriedBefore = groupCommitTotals().intake.retried;
    const bad = ['尺码太小了\ud83d', '尺码太小了\u0000'];
    const good = ['尺码太小了 \ud83d\ude00', ...Array.from({ length: 18 }, (_, i) => `fine ${i}`)];
    const answers = await Promise.all([...good.slice(0, 9), ...bad, ...good.slice(9)].map((reasonText) => postReturn(service, returnBody(orderId, { reasonText }))));
    for (const refused of answers.slice(9, 11)) expectError(refused, 400, 'UNSUPPORTED_TEXT');
    expect(answers.filter((a) => a.status === 202)).toHaveLength(good.length);
    expect(await countRows(service, 'return_requests WHERE order_id = $1', [orderId])).toBe(good.length);
    // Refused by the database instead, each would have failed its batch and had every
    // neighbour in it written again alone.
    expect(groupCommitTotals().intake.retried).toBe(retriedBefore);
  });

  it('still fails alone a request the database refuses once past the door: the rest of its batch is written one by one', async () => {
    const { orderId } = await putOrder(service);
    const intake = service.get(IntakeService);
    const retriedBefore = groupCommitTotals().intake.retried;
    // One turn of the event loop: one batch.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => intake.accept('spec-client', uniqueId('key'), returnBody(orderId, { reasonText: i === 2 ? 'bad \u0000 text' : `fine ${i}` }) as ReturnRequestBody)),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(textRefused((outcomes[2] as PromiseRejectedResult).reason)).toBe(true);
    expect(groupCommitTotals().intake.retried - retriedBefore).toBe(5);
    expect(await countRows(service, 'return_requests WHERE order_id = $1', [orderId])).toBe(4);
  });
});
