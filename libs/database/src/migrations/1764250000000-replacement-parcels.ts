import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The replacement of an exchange, sent from the warehouse to the customer once the returned
 * units passed inspection: one parcel per case, its scans applied as a sent-back parcel's
 * are. A sent-back parcel records its units too (null for those sent before).
 */
export class ReplacementParcels1764250000000 implements MigrationInterface {
  name = 'ReplacementParcels1764250000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE replacement_parcels (
        case_id         uuid PRIMARY KEY REFERENCES return_cases (id),
        carrier         text NOT NULL,
        tracking_number text NOT NULL UNIQUE,
        cost_minor      bigint NOT NULL,
        units           integer NOT NULL CHECK (units > 0),
        status          text NOT NULL DEFAULT 'BOOKED',
        status_at       timestamptz,
        created_at      timestamptz NOT NULL DEFAULT now()
      );
      ALTER TABLE sent_back_parcels ADD COLUMN units integer CHECK (units > 0);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE replacement_parcels; ALTER TABLE sent_back_parcels DROP COLUMN units;`);
  }
}
