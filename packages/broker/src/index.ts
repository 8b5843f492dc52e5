export * from './topology.ts';
export * from './message.ts';
export * from './connect.ts';
export * from './broker-addresses.ts';
export * from './publisher.ts';
export * from './confirm-forward.ts';
export * from './return-tracker.ts';
export * from './header-values.ts';
