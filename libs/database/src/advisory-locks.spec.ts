import { DataSource } from 'typeorm';
import { ADVISORY_LOCK, withSessionLock } from './advisory-locks';

describe('advisory locks', () => {
  it('gives every kind of work a key of its own', () => {
    const keys = Object.values(ADVISORY_LOCK);
    expect(new Set(keys).size).toBe(keys.length);
  });

  describe(withSessionLock.name, () => {
    const dataSource = new DataSource({ type: 'postgres', url: process.env.DATABASE_URL!, extra: { max: 3 } });
    beforeAll(() => dataSource.initialize());
    afterAll(() => dataSource.destroy());
    const KEY = 99_000_001;
    const held = async () => (await dataSource.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1`, [KEY]))[0].n;

    it('runs the work holding the lock, and lets it go after, also when the work fails', async () => {
      expect(await withSessionLock(dataSource, KEY, async () => ({ locked: await held() }))).toEqual({ value: { locked: 1 } });
      expect(await held()).toBe(0);
      await expect(withSessionLock(dataSource, KEY, async () => Promise.reject(new Error('work failed')))).rejects.toThrow('work failed');
      expect(await held()).toBe(0);
    });

    it('runs nothing while another session holds the lock', async () => {
      const other = dataSource.createQueryRunner();
      await other.connect();
      try {
        await other.query('SELECT pg_advisory_lock($1)', [KEY]);
        let ran = false;
        expect(await withSessionLock(dataSource, KEY, async () => (ran = true))).toBeUndefined();
        expect(ran).toBe(false);
      } finally {
        await other.query('SELECT pg_advisory_unlock($1)', [KEY]);
        await other.release();
      }
    });
  });
});
