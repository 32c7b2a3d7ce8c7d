import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { OrderService } from '@returns/case';
import { loadConfig } from '@returns/config';
import { nameDatabaseSessions, runMigrations } from '@returns/database';
import { ApiModule } from './api.module';
import { configureApp } from './configure-app';
import { seedDemoData } from './demo-data';

/**
 * `npm run start:api` (HTTP only) or `npm start` (`--with-workers`: API and every worker in
 * one process). Applies migrations first; seeds demo orders outside production.
 */
async function bootstrap(): Promise<void> {
  const config = loadConfig();
  exitAfterGrace(config.shutdownGraceMs);
  const withWorkers = process.argv.includes('--with-workers');
  nameDatabaseSessions(withWorkers ? 'returns-api+workers' : 'returns-api');
  const logger = new Logger('Api');
  const applied = await runMigrations(config.databaseUrl);
  if (applied.length) logger.log(`applied migrations: ${applied.join(', ')}`);
  // rawBody: upstream event signatures are checked against the bytes as sent.
  const app = await NestFactory.create(ApiModule.register({ withWorkers }), { rawBody: true });
  configureApp(app);
  if (config.seedDemoData) logger.log(`demo orders ready: ${(await seedDemoData(app.get(OrderService))).join(', ')}`);
  await app.listen(config.port);
  logger.log(`listening on ${config.port}${withWorkers ? ' with all workers' : ''}; docs at /docs`);
}

/** SIGTERM: stop taking jobs and finish active ones, but never hang past the grace period. */
function exitAfterGrace(graceMs: number): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => setTimeout(() => process.exit(1), graceMs).unref());
  }
}

bootstrap().catch((error) => {
  console.error(error);
  process.exit(1);
});
