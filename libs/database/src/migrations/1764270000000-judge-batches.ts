import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Intake enqueues one judge job per batch of requests (and priority), not one per request:
 * each request keeps the name of its batch (the first request of it), so a recovery after
 * Redis lost its jobs can tell whether the batch's job is still there and, if not, add it
 * again for the requests still unjudged. Requests from before keep null: a job of their own.
 */
export class JudgeBatches1764270000000 implements MigrationInterface {
  name = 'JudgeBatches1764270000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE return_requests ADD COLUMN judge_batch uuid`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE return_requests DROP COLUMN judge_batch`);
  }
}
