import { MigrationInterface, QueryRunner } from 'typeorm';
// Relative: migrations also run where path aliases are not mapped (test global setup).
import { SEEDED_RULES } from '../../../policy/src/return-policy';

/**
 * Versioned policies per category (seeded with the contract's defaults), risk and review
 * claims on cases, upstream events, and reminders to staff.
 */
export class IntakeDepth1764150000000 implements MigrationInterface {
  name = 'IntakeDepth1764150000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE return_policies (
        category   text NOT NULL,
        version    integer NOT NULL CHECK (version > 0),
        rules      jsonb NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (category, version)
      );

      ALTER TABLE return_cases
        ADD COLUMN risk       jsonb,
        ADD COLUMN claimed_by text,
        ADD COLUMN claimed_at timestamptz;
      CREATE INDEX return_cases_review_idx ON return_cases ((deadlines->>'reviewBy')) WHERE status = 'PENDING_REVIEW';
      -- Photo reuse across customers is a risk signal.
      CREATE INDEX return_cases_photos_idx ON return_cases USING gin (photos jsonb_path_ops);

      ALTER TABLE orders ADD COLUMN last_event_at timestamptz;

      -- Upstream events (POST /v1/events), idempotent by their id.
      CREATE TABLE upstream_events (
        id          text PRIMARY KEY,
        type        text NOT NULL,
        occurred_at timestamptz NOT NULL,
        client_id   text NOT NULL,
        payload     jsonb NOT NULL,
        result      jsonb,
        received_at timestamptz NOT NULL DEFAULT now()
      );

      -- Messages to our own staff (review reminders), once per case and kind.
      CREATE TABLE staff_notifications (
        id         bigserial PRIMARY KEY,
        case_id    uuid NOT NULL REFERENCES return_cases (id),
        kind       text NOT NULL,
        audience   text NOT NULL,
        message    text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (case_id, kind)
      );
    `);
    for (const [category, rules] of Object.entries(SEEDED_RULES)) {
      await q.query(`INSERT INTO return_policies (category, version, rules, created_by) VALUES ($1, 1, $2, 'system:seed')`, [category, JSON.stringify(rules)]);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE staff_notifications, upstream_events, return_policies;
      ALTER TABLE orders DROP COLUMN last_event_at;
      DROP INDEX return_cases_photos_idx;
      DROP INDEX return_cases_review_idx;
      ALTER TABLE return_cases DROP COLUMN risk, DROP COLUMN claimed_by, DROP COLUMN claimed_at;
    `);
  }
}
