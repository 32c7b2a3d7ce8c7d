import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The currency of what a carrier charges, beside its amount: the carriers quote in CNY fen
 * whatever the order's currency, and a return pickup is deducted from a refund only when the
 * two agree (we keep no exchange rates). Every parcel recorded before was quoted in CNY.
 */
export class CarrierCostCurrency1764290000000 implements MigrationInterface {
  name = 'CarrierCostCurrency1764290000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE shipments ADD COLUMN cost_currency text NOT NULL DEFAULT 'CNY';
      ALTER TABLE sent_back_parcels ADD COLUMN cost_currency text NOT NULL DEFAULT 'CNY';
      ALTER TABLE replacement_parcels ADD COLUMN cost_currency text NOT NULL DEFAULT 'CNY';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE shipments DROP COLUMN cost_currency;
      ALTER TABLE sent_back_parcels DROP COLUMN cost_currency;
      ALTER TABLE replacement_parcels DROP COLUMN cost_currency;
    `);
  }
}
