export * from './ids.ts';
export * from './build-event.ts';
export * from './sign.ts';
export * from './client.ts';
