import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Judging probes the photo index once per photo of every request. A GIN index with
 * `fastupdate` (the default) gathers new entries in a pending list that every probe reads
 * from end to end until a vacuum or a full list merges it: during a surge replay that list
 * held 27,000 entries and each probe took 4.6 ms instead of 0.02 ms. New cases' photos now
 * go straight into the index: a little more work per insert, none per probe.
 */
export class PhotoProbes1764170000000 implements MigrationInterface {
  name = 'PhotoProbes1764170000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER INDEX return_cases_photos_idx SET (fastupdate = off)`);
    // What an existing list holds goes into the index now rather than at the next vacuum.
    await q.query(`SELECT gin_clean_pending_list('return_cases_photos_idx'::regclass)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER INDEX return_cases_photos_idx RESET (fastupdate)`);
  }
}
