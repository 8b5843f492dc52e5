export * from './errors.ts';
export * from './config.ts';
export * from './broker-urls.ts';
export * from './logger.ts';
export * from './shutdown.ts';
export * from './service-runtime.ts';
export * from './run-service.ts';
export * from './stripe-key.ts';
