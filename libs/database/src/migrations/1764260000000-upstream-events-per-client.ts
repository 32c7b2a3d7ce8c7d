import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Upstream events are idempotent by their id within the system that sent them: two upstream
 * systems (two API keys) each number their own events, so the same id from both is two events.
 */
export class UpstreamEventsPerClient1764260000000 implements MigrationInterface {
  name = 'UpstreamEventsPerClient1764260000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE upstream_events DROP CONSTRAINT upstream_events_pkey, ADD PRIMARY KEY (client_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Back to one id for all: of ids two systems both used, the later one's record goes.
    await q.query(`
      DELETE FROM upstream_events e WHERE EXISTS (SELECT 1 FROM upstream_events o WHERE o.id = e.id AND (o.received_at, o.client_id) < (e.received_at, e.client_id));
      ALTER TABLE upstream_events DROP CONSTRAINT upstream_events_pkey, ADD PRIMARY KEY (id);
    `);
  }
}
