import { DataSource } from 'typeorm';
import { textRefused } from './errors';
import { preparedQuery } from './prepared-query';

describe(preparedQuery.name, () => {
  // One connection, so what one call prepares the next one finds.
  const dataSource = new DataSource({ type: 'postgres', url: process.env.DATABASE_URL!, extra: { max: 1 } });
  beforeAll(() => dataSource.initialize());
  afterAll(() => dataSource.destroy());

  const statement = { name: 'spec-double', text: 'SELECT n, n * 2 AS twice FROM unnest($1::int[]) AS n ORDER BY n' };

  it('answers the rows, and leaves the statement prepared on the connection for the next call', async () => {
    expect(await preparedQuery(dataSource, statement, [[2, 1]])).toEqual([
      { n: 1, twice: 2 },
      { n: 2, twice: 4 },
    ]);
    const prepared = await preparedQuery<{ statement: string }>(dataSource, { name: 'spec-prepared', text: 'SELECT statement FROM pg_prepared_statements WHERE name = $1' }, [
      statement.name,
    ]);
    expect(prepared.map((p) => p.statement)).toEqual([statement.text]);
    expect(await preparedQuery(dataSource, statement, [[3]])).toEqual([{ n: 3, twice: 6 }]);
  });

  it("rejects with PostgreSQL's error and its SQLSTATE, as the error helpers read it", async () => {
    const refusal = preparedQuery(dataSource, { name: 'spec-nul', text: 'SELECT $1::jsonb AS body' }, ['{"reasonText":"\\u0000"}']);
    await expect(refusal).rejects.toMatchObject({ code: '22P05' });
    expect(textRefused(await refusal.catch((error: unknown) => error))).toBe(true);
  });

  it("runs in a transaction on the transaction's own connection: it sees the transaction's rows, which go with its rollback", async () => {
    const queryRunner = dataSource.createQueryRunner();
    await queryRunner.connect();
    try {
      await queryRunner.query('CREATE TEMP TABLE spec_tx (n int)');
      await queryRunner.startTransaction();
      await queryRunner.query('INSERT INTO spec_tx VALUES (7)');
      expect(await preparedQuery(queryRunner.manager, 'SELECT n FROM spec_tx WHERE n = ANY($1::int[])', [[7]])).toEqual([{ n: 7 }]);
      await queryRunner.rollbackTransaction();
      expect(await preparedQuery(queryRunner.manager, 'SELECT n FROM spec_tx WHERE n = ANY($1::int[])', [[7]])).toEqual([]);
    } finally {
      await queryRunner.query('DROP TABLE IF EXISTS spec_tx');
      await queryRunner.release();
    }
  });

  it('names a statement given as text by its hash: one prepared statement however often it runs', async () => {
    const text = 'SELECT $1::int + 1 AS next';
    for (const n of [1, 2, 3]) expect(await preparedQuery(dataSource, text, [n])).toEqual([{ next: n + 1 }]);
    const named = await dataSource.query('SELECT name FROM pg_prepared_statements WHERE statement = $1', [text]);
    expect(named).toEqual([{ name: expect.stringMatching(/^q[0-9a-f]{20}$/) }]);
  });
});
