import 'reflect-metadata';
import { setPriority } from 'node:os';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@returns/config';
import { nameDatabaseSessions, runMigrations } from '@returns/database';
import { WorkerAppModule } from './worker-app.module';

/** `npm run start:worker`: BullMQ workers for WORKER_QUEUES, no HTTP. */
async function bootstrap(): Promise<void> {
  const config = loadConfig();
  exitAfterGrace(config.shutdownGraceMs);
  if (config.workerNice) setPriority(config.workerNice);
  nameDatabaseSessions('returns-worker');
  await runMigrations(config.databaseUrl);
  const app = await NestFactory.createApplicationContext(WorkerAppModule.register(config.workerQueues), { bufferLogs: false });
  app.enableShutdownHooks();
  new Logger('Worker').log(`serving queues: ${config.workerQueues.join(', ')} (prefix ${config.queuePrefix})`);
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
