export * from './job-options';
export * from './job-producer.service';
export * from './outbox.entity';
export * from './outbox.service';
export * from './outbox.sweeper';
export * from './queue.module';
export * from './redis-connection';
export * from './redis.provider';
