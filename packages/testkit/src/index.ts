export * from './services.ts';
export * from './database.ts';
export * from './broker.ts';
export * from './wait.ts';
export * from './process.ts';
