import { DataSource } from 'typeorm';
import { Conditions, runTogether } from './statements';

describe(runTogether.name, () => {
  // Tables, not temporary ones: a pool drops the connection a statement failed on.
  const dataSource = new DataSource({ type: 'postgres', url: process.env.DATABASE_URL!, extra: { max: 2 } });
  beforeAll(async () => {
    await dataSource.initialize();
    await dataSource.query(`DROP TABLE IF EXISTS spec_scan, spec_parcel`);
    await dataSource.query(`CREATE TABLE spec_parcel (id int PRIMARY KEY, label text NOT NULL)`);
    await dataSource.query(`CREATE TABLE spec_scan (parcel_id int NOT NULL REFERENCES spec_parcel (id), at text NOT NULL)`);
  });
  afterAll(async () => {
    await dataSource.query(`DROP TABLE IF EXISTS spec_scan, spec_parcel`);
    await dataSource.destroy();
  });
  beforeEach(() => dataSource.query('TRUNCATE spec_scan, spec_parcel'));

  const parcels = (ids: number[], labels: string[]) => ({
    text: 'INSERT INTO spec_parcel (id, label) SELECT * FROM unnest($1::int[], $2::text[])',
    params: [ids, labels],
  });
  const scans = (ids: number[], at: string) => ({ text: 'INSERT INTO spec_scan (parcel_id, at) SELECT id, $2 FROM unnest($1::int[]) AS id', params: [ids, at] });

  it("runs every statement, each with its own parameters, and answers the last one's rows", async () => {
    const rows = await runTogether(dataSource, [
      parcels([1, 2], ['SF1', 'SF2']),
      scans([1, 2], 'hub'),
      { text: 'UPDATE spec_parcel SET label = label || $1 WHERE id = ANY($2::int[]) RETURNING id, label', params: ['-x', [1, 2]] },
    ]);
    // The update ran on the snapshot before the insert: it found no parcel to change.
    expect(rows).toEqual([]);
    expect(await dataSource.query('SELECT id, label FROM spec_parcel ORDER BY id')).toEqual([
      { id: 1, label: 'SF1' },
      { id: 2, label: 'SF2' },
    ]);
    expect(await dataSource.query('SELECT parcel_id, at FROM spec_scan ORDER BY parcel_id')).toEqual([
      { parcel_id: 1, at: 'hub' },
      { parcel_id: 2, at: 'hub' },
    ]);
    expect(await runTogether(dataSource, [scans([2], 'gate'), { text: 'SELECT count(*)::int AS n FROM spec_parcel WHERE label = $1', params: ['SF2'] }])).toEqual([{ n: 1 }]);
  });

  it('checks references at the end: a row may refer to one the same call inserts, in either order', async () => {
    await runTogether(dataSource, [scans([3], 'dock'), parcels([3], ['SF3'])]);
    expect(await dataSource.query('SELECT count(*)::int AS n FROM spec_scan WHERE parcel_id = 3')).toEqual([{ n: 1 }]);
  });

  it('writes nothing when one statement fails', async () => {
    await expect(runTogether(dataSource, [parcels([4], ['SF4']), scans([99], 'nowhere')])).rejects.toMatchObject({ code: '23503' });
    expect(await dataSource.query('SELECT count(*)::int AS n FROM spec_parcel')).toEqual([{ n: 0 }]);
  });

  it('runs one statement as it is, and none as nothing', async () => {
    expect(await runTogether(dataSource, [{ text: 'SELECT $1::int + 1 AS n', params: [41] }])).toEqual([{ n: 42 }]);
    expect(await runTogether(dataSource, [])).toEqual([]);
  });
});

describe(Conditions.name, () => {
  it('numbers each ? as the next parameter, in the order added', () => {
    const conditions = new Conditions().add('a = ?', 'x').add('(b, c) < (?::timestamptz, ?::uuid)', 't', 'u');
    expect(conditions.param(20)).toBe('$4');
    expect(conditions.where).toBe('WHERE a = $1 AND (b, c) < ($2::timestamptz, $3::uuid)');
    expect(conditions.params).toEqual(['x', 't', 'u', 20]);
  });

  it('writes no WHERE without conditions', () => {
    expect(new Conditions().where).toBe('');
  });
});
