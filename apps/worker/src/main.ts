import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@returns/config';
import { runMigrations } from '@returns/database';
import { WorkerAppModule } from './worker-app.module';

/** `npm run start:worker`: BullMQ workers for WORKER_QUEUES, no HTTP. */
async function bootstrap(): Promise<void> {
  const config = loadConfig();
  await runMigrations(config.databaseUrl);
  const app = await NestFactory.createApplicationContext(WorkerAppModule.register(config.workerQueues), { bufferLogs: false });
  app.enableShutdownHooks();
  new Logger('Worker').log(`serving queues: ${config.workerQueues.join(', ')} (prefix ${config.queuePrefix})`);
}

bootstrap().catch((error) => {
  console.error(error);
  process.exit(1);
});
