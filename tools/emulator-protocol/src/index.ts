// The Stripe emulator's control API (`/_emulator/...`) as its clients see it. The emulator
// validates with these definitions and the test kit drives it with them, so neither imports
// the other and neither restates them.
export type { EmulatorCall } from './emulator-call.ts';
export { faultSpecSchema, type FaultSpec } from './fault-spec.ts';
export type { InvoicePaidBy, InvoiceSeed } from './invoice-seed.ts';
