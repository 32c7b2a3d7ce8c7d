import { MigrationInterface, QueryRunner } from 'typeorm';

/** Items that failed inspection, sent back to their customers: one parcel per case. */
export class SentBackParcels1764200000000 implements MigrationInterface {
  name = 'SentBackParcels1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sent_back_parcels (
        case_id         uuid PRIMARY KEY REFERENCES return_cases (id),
        carrier         text NOT NULL,
        tracking_number text NOT NULL UNIQUE,
        cost_minor      bigint NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now()
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sent_back_parcels`);
  }
}
