export * from './case.module';
export * from './case.service';
export * from './order.entity';
export * from './order.service';
export * from './return-case.entity';
export * from './return-item.entity';
export * from './state-machine';
export * from './timeline-entry.entity';
