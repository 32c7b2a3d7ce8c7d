export * from './intake.module';
export * from './intake.service';
export * from './policy';
export * from './processors/intake.processor';
export * from './request-identity';
export * from './return-request.entity';
export * from './risk';
export * from './upstream-events.service';
