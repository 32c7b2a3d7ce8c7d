import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The photo index holds only cases with photos. A GIN index gives a row with no entries an
 * "empty item" entry all the same, written again with every new version of the row: two
 * index inserts per return (its opening and its booking) and ~0.9 KB of WAL, for the
 * returns without photos that no probe can ever find. Probes name the same condition.
 */
export class PhotoIndexPartial1764220000000 implements MigrationInterface {
  name = 'PhotoIndexPartial1764220000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX return_cases_photos_idx;
      CREATE INDEX return_cases_photos_idx ON return_cases USING gin (photos jsonb_path_ops) WITH (fastupdate = off) WHERE photos <> '[]'::jsonb;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX return_cases_photos_idx;
      CREATE INDEX return_cases_photos_idx ON return_cases USING gin (photos jsonb_path_ops) WITH (fastupdate = off);
    `);
  }
}
