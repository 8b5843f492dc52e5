export * from './pool.ts';
export * from './migrate.ts';
export * from './stripe-events.ts';
export * from './event-ledger.ts';
export * from './deployment-mode.ts';
export * from './database-errors.ts';
export * from './parked-events.ts';
