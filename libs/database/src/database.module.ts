import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig } from '@returns/config';
import { dataSourceOptions } from './data-source';

/**
 * The app's connection. Entities are registered by each stage's `TypeOrmModule.forFeature`
 * (autoLoadEntities); the schema is owned by migrations, applied before the app starts.
 */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({ ...dataSourceOptions(config.databaseUrl), autoLoadEntities: true }),
    }),
  ],
})
export class DatabaseModule {}
