// The emulator's control API (`/_emulator/...`) as its clients see it: the test kit and
// anything else that drives the emulator import these types instead of restating them.
export type { EmulatorCall } from './call-log.ts';
export type { FaultSpec } from './fault-injector.ts';
export type { InvoiceSeed } from './funds-store.ts';
