import { DataSource } from 'typeorm';
import { dataSourceOptions, nameDatabaseSessions } from './data-source';

describe(dataSourceOptions.name, () => {
  it('opens sessions with JIT compilation off, whatever the server default', async () => {
    const dataSource = new DataSource(dataSourceOptions(process.env.DATABASE_URL!));
    await dataSource.initialize();
    try {
      const [{ jit }] = await dataSource.query('SHOW jit');
      expect(jit).toBe('off');
    } finally {
      await dataSource.destroy();
    }
  });
});

describe(nameDatabaseSessions.name, () => {
  const given = process.env.PGAPPNAME;
  afterEach(() => {
    if (given === undefined) delete process.env.PGAPPNAME;
    else process.env.PGAPPNAME = given;
  });

  it("names the process's sessions for its role when nothing names them", () => {
    delete process.env.PGAPPNAME;
    nameDatabaseSessions('returns-worker');
    expect(process.env.PGAPPNAME).toBe('returns-worker');
  });

  it('keeps the name the environment gives, e.g. one per deployment', () => {
    process.env.PGAPPNAME = 'returns-worker-eu';
    nameDatabaseSessions('returns-worker');
    expect(process.env.PGAPPNAME).toBe('returns-worker-eu');
  });
});
