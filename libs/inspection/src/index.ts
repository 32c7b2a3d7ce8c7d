export * from './grading';
export * from './inspection.entity';
export * from './inspection.module';
export * from './inspection.service';
export * from './processors/inspection.processor';
