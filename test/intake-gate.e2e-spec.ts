import { DataSource } from 'typeorm';
import { AppConfig } from '@returns/config';
import { dataSourceOptions } from '@returns/database';
import { IntakeBacklogException, IntakeGate } from '@returns/intake';
import { ownDatabase } from './support/own-database';

/**
 * The 429 gate of `POST /v1/returns` (`IntakeGate`) on its own, against a database of its
 * own: what it reads of the backlog, and what it does when it cannot read it.
 */
describe('the intake gate', () => {
  const HIGH_WATER = 5;
  let database: Awaited<ReturnType<typeof ownDatabase>>;
  let dataSource: DataSource;
  const accept = jest.fn(async () => 'accepted');
  /** no earlier answer: the requests are all new */
  const earlier = async () => undefined;

  beforeAll(async () => {
    database = await ownDatabase('intake_gate');
    dataSource = await new DataSource(dataSourceOptions(database.url)).initialize();
  });

  afterAll(async () => {
    if (dataSource.isInitialized) await dataSource.destroy();
    await database.drop();
  });

  const waiting = (n: number) =>
    dataSource.query(
      `INSERT INTO waiting_requests (id, order_id, customer_id, merchant_id, created_at)
         SELECT gen_random_uuid(), 'ORD-GATE', 'CUS-GATE', 'm1', now() FROM generate_series(1, $1)`,
      [n],
    );

  it('lets requests through below the high-water mark and refuses new ones at it, with Retry-After', async () => {
    const gate = new IntakeGate(dataSource, { intakeHighWater: HIGH_WATER } as AppConfig);
    await waiting(HIGH_WATER - 1);
    await expect(gate.through(accept, earlier)).resolves.toBe('accepted');

    await waiting(1);
    // A reading is fresh for a second: a new gate (another API process) counts at once.
    const refused = await new IntakeGate(dataSource, { intakeHighWater: HIGH_WATER } as AppConfig).through(accept, earlier).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(IntakeBacklogException);
    expect(refused).toMatchObject({ depth: HIGH_WATER, highWater: HIGH_WATER, retryAfterSeconds: expect.any(Number) });
    expect(accept).toHaveBeenCalledTimes(1);
  });

  it('keeps refusing when a later count fails, rather than opening with the backlog unknown', async () => {
    const gate = new IntakeGate(dataSource, { intakeHighWater: HIGH_WATER } as AppConfig);
    accept.mockClear();
    await expect(gate.through(accept, earlier)).rejects.toMatchObject({ depth: HIGH_WATER });

    // The database goes away (the pool is closed: every count fails from now on), and the
    // reading grows older than its second of freshness and its second standing while stale.
    await dataSource.destroy();
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    await expect(gate.through(accept, earlier)).rejects.toMatchObject({ depth: HIGH_WATER });
    await expect(gate.through(accept, earlier)).rejects.toBeInstanceOf(IntakeBacklogException);
    expect(accept).not.toHaveBeenCalled();
  });
});
