import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The requests still waiting to be judged, one small row each: intake adds it with the
 * request, the opening of the request's case (judged, or cancelled while waiting) removes
 * it. `GET /v1/returns` lists them as REQUESTED beside the cases, filtered by order,
 * customer and merchant, reading no more rows than the backlog holds (`return_requests`
 * keeps every request for its idempotency key, judged or not). Carried over: the requests
 * that have no case yet.
 *
 * Unlogged: an index for the list, which nothing else reads (the list checks each row
 * against the cases), so it writes no WAL. Logged, it added ~200 B to the 930 of WAL a 202
 * costs (alternating runs), and every commit of a 202 waits for its WAL to be flushed. A
 * crash of PostgreSQL (not a clean restart) or a failover empties it; a row that stands for
 * the table itself (`WAITING_LIST_INTACT`, created at -infinity, matching no request) is
 * gone with the rest then, and a worker (`WaitingListRepair`) fills it again.
 */
export class WaitingRequests1764240000000 implements MigrationInterface {
  name = 'WaitingRequests1764240000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE UNLOGGED TABLE waiting_requests (
        id          uuid PRIMARY KEY,
        order_id    text NOT NULL,
        customer_id text NOT NULL,
        merchant_id text NOT NULL,
        created_at  timestamptz NOT NULL
      );
      CREATE INDEX waiting_requests_newest_idx ON waiting_requests (created_at DESC, id DESC);
      INSERT INTO waiting_requests (id, order_id, customer_id, merchant_id, created_at)
        SELECT r.id, r.order_id, o.customer_id, o.merchant_id, r.created_at
          FROM return_requests r JOIN orders o ON o.id = r.order_id
         WHERE NOT EXISTS (SELECT 1 FROM return_cases c WHERE c.id = r.id);
      INSERT INTO waiting_requests (id, order_id, customer_id, merchant_id, created_at)
        VALUES ('00000000-0000-0000-0000-000000000000', '', '', '', '-infinity');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE waiting_requests`);
  }
}
