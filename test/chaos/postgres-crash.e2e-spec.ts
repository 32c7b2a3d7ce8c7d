import { runMigrations } from '@returns/database';
import { postReturn, putOrder } from '../support/api-helpers';
import { returnBody } from '../support/factories';
import { TestService } from '../support/service';
import { PrivatePostgres, sleep } from './support';

/**
 * PostgreSQL crashing (not a clean restart) while returns wait to be judged: every 202'd
 * request survives (its commit was flushed), and the list of waiting requests, an unlogged
 * table that crash recovery empties, is filled again by a worker. The test crashes its own
 * server on a spare loopback port, never the shared one.
 */
describe('chaos: PostgreSQL crashes while returns wait to be judged', () => {
  let pg: PrivatePostgres | undefined;
  let service: TestService | undefined;

  beforeAll(async () => {
    pg = await PrivatePostgres.start();
    await runMigrations(pg.url('returns_crash'));
    service = await TestService.start({ withWorkers: false, env: { DATABASE_URL: pg.url('returns_crash') } });
  }, 120_000);

  afterAll(async () => {
    await service?.close();
    await pg?.destroy();
  }, 60_000);

  it('keeps every accepted request, and a worker puts the lost list of waiting ones back', async () => {
    const app = service!;
    const { orderId } = await putOrder(app, { items: [{ sku: 'S1', name: 'T恤', category: 'apparel', quantity: 5, unitPrice: 9900 }] });
    const accepted: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await postReturn(app, returnBody(orderId));
      expect(response.status).toBe(202);
      accepted.push(response.body.id);
    }
    const requested = async () => {
      const response = await app.as('agent').get(`/v1/returns?status=REQUESTED&orderId=${orderId}`);
      if (response.status !== 200) throw new Error(`GET /v1/returns answered ${response.status}`);
      return (response.body.items as { id: string }[]).map((i) => i.id).sort();
    };
    expect(await requested()).toEqual([...accepted].sort());

    await pg!.crash();
    // The API's connections died with the server: wait until it answers again.
    let lost: string[] | undefined;
    for (const until = Date.now() + 20_000; !lost && Date.now() < until; await sleep(200)) lost = await requested().catch(() => undefined);
    expect(lost).toEqual([]);
    for (const id of accepted) {
      const view = await app.as('agent').get(`/v1/returns/${id}`);
      expect(view.status).toBe(200);
      expect(view.body.status).toBe('REQUESTED');
    }

    // A worker that serves no stage's queue (so nothing is judged meanwhile) still looks after the list.
    await app.spawnWorker({ WORKER_QUEUES: 'timers' });
    let back: string[] = [];
    for (const until = Date.now() + 30_000; back.length < accepted.length && Date.now() < until; await sleep(500)) back = await requested();
    expect(back).toEqual([...accepted].sort());
  }, 120_000);
});
