import { Inject, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { InjectDataSource, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { dataSourceOptions } from './data-source';
import { watchNestedConnections } from './nested-connections';

/** In the tests, fails a transaction that asks the pool for a second connection (`watchNestedConnections`). */
@Injectable()
class NestedConnectionWatch implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    if (this.config.env === 'test') watchNestedConnections(this.dataSource);
  }
}

/**
 * The app's connection. Entities are registered by each stage's `TypeOrmModule.forFeature`
 * (autoLoadEntities); the schema is owned by migrations, applied before the app starts.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions(config.databaseUrl, {
          lockTimeoutMs: config.databaseLockTimeoutMs,
          idleInTransactionMs: config.databaseIdleInTransactionTimeoutMs,
          poolSize: config.databasePoolSize,
        }),
        autoLoadEntities: true,
      }),
    }),
  ],
  providers: [NestedConnectionWatch],
})
export class DatabaseModule {}
