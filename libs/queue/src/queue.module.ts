import { Global, Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { ALL_QUEUES } from '@returns/contracts';
import { BatchStatsPublisher } from './batch-stats';
import { JobProducer } from './job-producer.service';
import { JobRecovery } from './job-recovery';
import { OutboxService } from './outbox.service';
import { QueueStatsService } from './queue-stats.service';
import { redisConnection } from './redis-connection';
import { RedisClient, RedisPolicyCheck, simulatorRedisProvider, SIMULATOR_REDIS } from './redis.provider';

/** BullMQ connection and every queue, the typed producer and the transactional outbox. */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        prefix: config.queuePrefix,
        // Workers need null here (blocking commands); @nestjs/bullmq reuses this for queues too.
        connection: redisConnection(config, { maxRetriesPerRequest: null }),
      }),
    }),
    BullModule.registerQueue(...ALL_QUEUES.map((name) => ({ name }))),
  ],
  providers: [JobProducer, OutboxService, RedisClient, simulatorRedisProvider, RedisPolicyCheck, QueueStatsService, BatchStatsPublisher, JobRecovery],
  exports: [BullModule, JobProducer, OutboxService, RedisClient, SIMULATOR_REDIS, QueueStatsService, BatchStatsPublisher, JobRecovery],
})
export class QueueModule {}
