export * from './all-stages-owed-work';
