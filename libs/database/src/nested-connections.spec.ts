import { DataSource } from 'typeorm';
import { NestedConnectionError, watchNestedConnections } from './nested-connections';
import { preparedQuery } from './prepared-query';

describe(watchNestedConnections.name, () => {
  const refusing = new DataSource({ type: 'postgres', url: process.env.DATABASE_URL!, extra: { max: 3 } });
  beforeAll(async () => {
    await refusing.initialize();
    watchNestedConnections(refusing);
  });
  afterAll(() => refusing.destroy());

  const one = async (rows: Promise<{ n: number }[]>) => (await rows)[0].n;

  it("lets a transaction's work use its own manager, in any isolation, and queries outside a transaction use the pool", async () => {
    expect(await refusing.transaction((manager) => one(manager.query('SELECT 1 AS n')))).toBe(1);
    expect(await refusing.transaction('SERIALIZABLE', (manager) => one(manager.query('SELECT 2 AS n')))).toBe(2);
    expect(await refusing.transaction((manager) => one(preparedQuery(manager, 'SELECT 3 AS n', [])))).toBe(3);
    expect(await one(refusing.query('SELECT 4 AS n'))).toBe(4);
    expect(await one(preparedQuery(refusing, 'SELECT 5 AS n', []))).toBe(5);
  });

  it('refuses a second connection asked for inside a transaction, however it is asked for, and rolls the transaction back', async () => {
    for (const nested of [
      () => refusing.query('SELECT 1'),
      () => preparedQuery(refusing, 'SELECT 1', []),
      () => {
        const runner = refusing.createQueryRunner(); // TypeORM's own way in: the pool's connect with a callback
        return runner.connect().finally(() => runner.release());
      },
      () => refusing.transaction((inner) => inner.query('SELECT 1')),
    ]) {
      const outcome = refusing.transaction(async (manager) => {
        await manager.query('SELECT 1');
        // after an await, and after a timer: the work's own continuations are watched too
        await new Promise((resolve) => setTimeout(resolve, 1));
        return nested();
      });
      await expect(outcome).rejects.toBeInstanceOf(NestedConnectionError);
    }
    // Nothing leaked: the pool's three connections all come back.
    expect(await Promise.all([1, 2, 3].map((n) => refusing.transaction((manager) => one(manager.query(`SELECT ${n} AS n`)))))).toEqual([1, 2, 3]);
  });
});
