import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The nightly reconciliation of our refunds with the payment gateway's: each run and what it
 * found. (No index on refunds.updated_at for its window: every refund update would then
 * touch every index of the table, a cost on the payment path paid for a nightly pass that
 * walks the primary key once anyway.)
 */
export class RefundReconciliation1764180000000 implements MigrationInterface {
  name = 'RefundReconciliation1764180000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE refund_reconciliations (
        id            uuid PRIMARY KEY,
        trigger       text NOT NULL,
        window_from   timestamptz NOT NULL,
        started_at    timestamptz NOT NULL,
        finished_at   timestamptz,
        checked       integer NOT NULL DEFAULT 0,
        settled       integer NOT NULL DEFAULT 0,
        unreached     integer NOT NULL DEFAULT 0,
        discrepancies jsonb NOT NULL DEFAULT '[]',
        error         text
      );
      CREATE INDEX refund_reconciliations_started_idx ON refund_reconciliations (started_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE refund_reconciliations`);
  }
}
