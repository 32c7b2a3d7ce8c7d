import { DataSource } from 'typeorm';

/**
 * Undoes the applied migrations newest first, down to and including the one named `name`
 * (its class's `name`): a spec of one migration's way back, whatever came after it.
 */
export async function undoMigrationsThrough(dataSource: DataSource, name: string): Promise<void> {
  for (;;) {
    const [last]: { name: string }[] = await dataSource.query('SELECT name FROM schema_migrations ORDER BY id DESC LIMIT 1');
    if (!last) throw new Error(`migration ${name} is not applied`);
    await dataSource.undoLastMigration({ transaction: 'each' });
    if (last.name === name) return;
  }
}
