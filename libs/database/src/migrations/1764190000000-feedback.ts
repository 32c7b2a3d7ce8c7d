import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The short survey after a refund: one row per refunded case, made with the refund's success,
 * under the token its link carries; the answer is written once.
 */
export class Feedback1764190000000 implements MigrationInterface {
  name = 'Feedback1764190000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE feedback (
        token       text PRIMARY KEY,
        case_id     uuid NOT NULL UNIQUE REFERENCES return_cases (id),
        created_at  timestamptz NOT NULL DEFAULT now(),
        rating      smallint CHECK (rating BETWEEN 1 AND 5),
        comment     text,
        answered_at timestamptz
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE feedback`);
  }
}
