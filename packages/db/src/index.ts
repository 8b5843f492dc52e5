export * from './pool.ts';
export * from './migrate.ts';
export * from './stripe-events.ts';
export * from './event-ledger.ts';
export * from './parked-events.ts';
