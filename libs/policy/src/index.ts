export * from './policy-preview';
export * from './policy.entity';
export * from './policy.module';
export * from './policy.service';
export * from './return-policy';
