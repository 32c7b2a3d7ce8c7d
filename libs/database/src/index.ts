export * from './data-source';
export * from './backend-niceness';
export * from './database.module';
export { MIGRATIONS } from './migrations';
export * from './transformers';
export * from './errors';
export * from './group-commit';
export * from './insert-many';
export * from './table-upkeep';
