export * from './services.ts';
export * from './containers.ts';
export * from './database.ts';
export * from './broker.ts';
export * from './wait.ts';
export * from './process.ts';
export * from './tcp-proxy.ts';
export * from './stripe-emulator.ts';
