import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { CaseModule } from '@returns/case';
import { AppConfigModule } from '@returns/config';
import { QueueName } from '@returns/contracts';
import { DatabaseModule } from '@returns/database';
import { PolicyModule } from '@returns/policy';
import { QueueModule } from '@returns/queue';
import { WorkersModule } from './workers.module';

/** A worker process: an application context with no HTTP server. */
@Module({})
export class WorkerAppModule {
  static register(queues: readonly QueueName[]): DynamicModule {
    return {
      module: WorkerAppModule,
      imports: [AppConfigModule, DatabaseModule, QueueModule, CaseModule, PolicyModule, ScheduleModule.forRoot(), WorkersModule.register(queues)],
    };
  }
}
