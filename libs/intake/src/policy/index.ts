export * from './reason-text';
export * from './judge-return';
