export * from './domain';
export * from './job-requests';
export * from './queues';
export * from './signature';
export * from './provider-http';
export * from './money';
export * from './timestamp';
