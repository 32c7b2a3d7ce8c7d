import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The carrier's scans of a parcel sent back to its customer: stored with the other scans,
 * with no shipment (the case's shipment is the parcel that came in), and the parcel's
 * furthest status kept on it.
 */
export class SentBackTracking1764210000000 implements MigrationInterface {
  name = 'SentBackTracking1764210000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE tracking_events ALTER COLUMN shipment_id DROP NOT NULL;
      ALTER TABLE sent_back_parcels ADD COLUMN status text NOT NULL DEFAULT 'BOOKED', ADD COLUMN status_at timestamptz;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DELETE FROM tracking_events WHERE shipment_id IS NULL;
      ALTER TABLE tracking_events ALTER COLUMN shipment_id SET NOT NULL;
      ALTER TABLE sent_back_parcels DROP COLUMN status, DROP COLUMN status_at;
    `);
  }
}
