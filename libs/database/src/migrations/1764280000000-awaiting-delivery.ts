import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Requests held for their order's delivery (DELIVERY_GRACE, off by default): a return asked
 * for an order not yet delivered waits that long for upstream's `order.delivered`, which
 * may come after the request (events out of order), before it is judged. The delivery finds
 * the requests of its order here, by the primary key, and has them judged at once.
 */
export class AwaitingDelivery1764280000000 implements MigrationInterface {
  name = 'AwaitingDelivery1764280000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE awaiting_delivery (
      order_id text NOT NULL,
      request_id uuid NOT NULL,
      held_until timestamptz NOT NULL,
      PRIMARY KEY (order_id, request_id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE awaiting_delivery`);
  }
}
