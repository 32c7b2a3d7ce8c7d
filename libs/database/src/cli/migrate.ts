import { runMigrations } from '../data-source';

/** `npm run migration:run`: apply pending migrations to DATABASE_URL and exit. */
async function main(): Promise<void> {
  const url = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/returns';
  const applied = await runMigrations(url);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
