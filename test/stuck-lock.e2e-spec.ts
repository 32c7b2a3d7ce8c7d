import { Client } from 'pg';
import { expectError, postReturn, putOrder } from './support/api-helpers';
import { returnBody } from './support/factories';
import { TestService } from './support/service';

/**
 * Another session holds a row and does not let go (an operator's transaction left open in
 * psql, a hung client): statements that need the row give up after DATABASE_LOCK_TIMEOUT
 * instead of waiting for ever. A request answers 503 DATABASE_BUSY and changes nothing; a
 * job fails and is retried, and the rest of its batch goes on without it.
 */
describe('a row held by another session', () => {
  let service: TestService;
  let holder: Client;

  beforeAll(async () => {
    service = await TestService.start({ withWorkers: true, env: { DATABASE_LOCK_TIMEOUT: '300ms' } });
    holder = new Client({ connectionString: service.config.databaseUrl });
    await holder.connect();
  });

  afterAll(async () => {
    await holder.query('ROLLBACK').catch(() => undefined);
    await holder.end();
    await service.close();
  });

  /** Holds the rows `sql` selects FOR UPDATE until `release` is called. */
  async function hold(sql: string, params: unknown[]): Promise<{ release: () => Promise<void> }> {
    await holder.query('BEGIN');
    await holder.query(`${sql} FOR UPDATE`, params);
    return { release: async () => void (await holder.query('ROLLBACK')) };
  }

  it('answers a request that needs it 503 DATABASE_BUSY within the timeout, changing nothing; the retry after it is let go goes through', async () => {
    const { orderId } = await putOrder(service);
    const created = await postReturn(service, returnBody(orderId));
    const booked = await service.waitForStatus(created.body.id, 'AWAITING_SHIPMENT');

    const lock = await hold('SELECT 1 FROM return_cases WHERE id = $1', [booked.id]);
    try {
      const started = Date.now();
      const refused = await service.as('portal').post(`/v1/returns/${booked.id}/cancel`, { note: '不要了' });
      expectError(refused, 503, 'DATABASE_BUSY');
      expect(refused.headers['retry-after']).toBe('1');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await lock.release();
    }
    expect((await service.as('admin').get(`/v1/returns/${booked.id}`)).body.status).toBe('AWAITING_SHIPMENT');
    expect((await service.as('portal').post(`/v1/returns/${booked.id}/cancel`, { note: '不要了' })).status).toBe(200);
    await service.waitForStatus(booked.id, 'CANCELLED');
  });

  it("judges a burst's other returns while one order is held, and that one once it is let go", async () => {
    const held = await putOrder(service);
    const others = await Promise.all(Array.from({ length: 4 }, () => putOrder(service)));
    const lock = await hold('SELECT 1 FROM orders WHERE id = $1', [held.orderId]);
    let heldCase: string;
    try {
      // One burst, so the held order's request shares an intake batch (and its judge job) with the others.
      const answers = await Promise.all([held, ...others].map(({ orderId }) => postReturn(service, returnBody(orderId))));
      expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
      heldCase = answers[0].body.id;
      // Waiting on the held order for ever, the batch would judge none of them.
      for (const answer of answers.slice(1)) await service.waitForStatus(answer.body.id, 'AWAITING_SHIPMENT', 15_000);
      expect((await service.as('admin').get(`/v1/returns/${heldCase}`)).body.status).toBe('REQUESTED');
    } finally {
      await lock.release();
    }
    await service.waitForStatus(heldCase, 'AWAITING_SHIPMENT', 30_000);
  });
});
