import { Global, Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { ALL_QUEUES } from '@returns/contracts';
import { JobProducer } from './job-producer.service';
import { OutboxService } from './outbox.service';
import { QueueStatsService } from './queue-stats.service';
import { redisOptionsFromUrl } from './redis-connection';
import { RedisClient, RedisPolicyCheck } from './redis.provider';

/** BullMQ connection and every queue, the typed producer and the transactional outbox. */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        prefix: config.queuePrefix,
        // Workers need null here (blocking commands); @nestjs/bullmq reuses this for queues too.
        connection: { ...redisOptionsFromUrl(config.redisUrl), maxRetriesPerRequest: null },
      }),
    }),
    // Producers fail fast when Redis is away (no offline queue, one retry): the job is
    // already in the outbox, so the request still succeeds and the sweep adds it later.
    BullModule.registerQueueAsync(
      ...ALL_QUEUES.map((name) => ({
        name,
        inject: [APP_CONFIG],
        useFactory: (config: AppConfig) => ({
          connection: { ...redisOptionsFromUrl(config.redisUrl), maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 },
        }),
      })),
    ),
  ],
  providers: [JobProducer, OutboxService, RedisClient, RedisPolicyCheck, QueueStatsService],
  exports: [BullModule, JobProducer, OutboxService, RedisClient, QueueStatsService],
})
export class QueueModule {}
