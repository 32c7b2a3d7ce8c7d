import { DataSource } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { JobProducer, OutboxService } from '@returns/queue';
import { TestService } from './service';
import { TcpProxy } from './tcp-proxy';

/** A stage's own pool and outbox, for a test that makes the database misbehave for that stage alone. */
export interface StageDatabase {
  dataSource: DataSource;
  outbox: OutboxService;
  /** the relay its connections go through (`throughRelay`): `cut` it and PostgreSQL is away for this stage */
  relay: TcpProxy | null;
  close(): Promise<void>;
}

/**
 * A pool with the service's entities (and `settings` for pg, e.g. `options: '-c lock_timeout=300'`)
 * and an outbox on it, sharing the service's queues; with `throughRelay`, reaching the
 * test run's PostgreSQL through a TCP relay the test can cut and restore.
 */
export async function stageDatabase(service: TestService, options: { throughRelay?: boolean; settings?: Record<string, unknown> } = {}): Promise<StageDatabase> {
  const url = new URL(process.env.DATABASE_URL!);
  const relay = options.throughRelay ? await TcpProxy.start({ host: url.hostname, port: Number(url.port || 5432) }) : null;
  const dataSource = await new DataSource({
    ...(service.get(DataSource).options as PostgresConnectionOptions),
    url: relay ? relay.relayed(url.toString()) : url.toString(),
    extra: { max: 4, connectionTimeoutMillis: 2_000, ...options.settings },
  }).initialize();
  const outbox = new OutboxService(dataSource, service.get(JobProducer), service.get<AppConfig>(APP_CONFIG));
  return {
    dataSource,
    outbox,
    relay,
    async close() {
      await outbox.beforeApplicationShutdown();
      await dataSource.destroy();
      await relay?.close();
    },
  };
}
