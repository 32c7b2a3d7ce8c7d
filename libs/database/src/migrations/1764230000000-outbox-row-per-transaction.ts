import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One outbox row per transaction, holding every job it decided on, instead of one row per
 * job. A row per job cost each job a heap insert, two index entries (its key and its job
 * id's uniqueness), the `ON CONFLICT` confirmation and later a delete: for an intake batch
 * of 20 requests, 20 of each where one of each now does. Nothing reads inside the jobs
 * but the sweep, which re-adds all of a row's jobs: `json`, stored as written, not `jsonb`.
 * Rows still waiting are carried over, one job each, with their age (a job id is
 * `<queue>:<case>:<step>`, so going down finds each job's queue in it). Processes of the
 * release before fail their outbox writes once this has run (nothing commits, nothing is
 * lost): stop them before upgrading (README, "Upgrading past migration 1764230000000").
 */
export class OutboxRowPerTransaction1764230000000 implements MigrationInterface {
  name = 'OutboxRowPerTransaction1764230000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE outbox RENAME TO outbox_by_job;
      ALTER INDEX outbox_pkey RENAME TO outbox_by_job_pkey;
      ALTER SEQUENCE outbox_id_seq RENAME TO outbox_by_job_id_seq;
      CREATE TABLE outbox (
        id         bigserial PRIMARY KEY,
        jobs       json NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      INSERT INTO outbox (jobs, created_at)
        SELECT json_build_array(json_build_object('jobId', job_id, 'name', name, 'data', data, 'delayMs', delay_ms, 'priority', priority)), created_at
          FROM outbox_by_job ORDER BY id;
      DROP TABLE outbox_by_job;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE outbox RENAME TO outbox_by_transaction;
      ALTER INDEX outbox_pkey RENAME TO outbox_by_transaction_pkey;
      ALTER SEQUENCE outbox_id_seq RENAME TO outbox_by_transaction_id_seq;
      CREATE TABLE outbox (
        id         bigserial PRIMARY KEY,
        job_id     text NOT NULL UNIQUE,
        queue      text NOT NULL,
        name       text NOT NULL,
        data       jsonb NOT NULL,
        delay_ms   integer,
        priority   integer,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      INSERT INTO outbox (job_id, queue, name, data, delay_ms, priority, created_at)
        SELECT DISTINCT ON (j->>'jobId') j->>'jobId', split_part(j->>'jobId', ':', 1), j->>'name', (j->'data')::jsonb, (j->>'delayMs')::int, (j->>'priority')::int, o.created_at
          FROM outbox_by_transaction o, json_array_elements(o.jobs) j
         ORDER BY j->>'jobId', o.id;
      DROP TABLE outbox_by_transaction;
    `);
  }
}
