import { Client } from 'pg';
import { runMigrations } from '@returns/database';

/**
 * A migrated database of its own on the run's PostgreSQL (`<run database>_<suffix>`), for a
 * test file whose counts must see nothing of the other files' cases; `drop` removes it unless
 * KEEP_TEST_DATA is set.
 */
export async function ownDatabase(suffix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const target = new URL(process.env.DATABASE_URL!);
  const name = `${target.pathname.slice(1)}_${suffix}`;
  target.pathname = `/${name}`;
  const url = target.toString();
  await runMigrations(url);
  const drop = async () => {
    if (process.env.KEEP_TEST_DATA) return;
    const admin = new URL(url);
    admin.pathname = '/postgres';
    const client = new Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await client.end();
    }
  };
  return { url, drop };
}
