export * from './return-policy';
export * from './reason-text';
export * from './judge-return';
