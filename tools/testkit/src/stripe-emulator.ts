import { join } from 'node:path';
import type { EmulatorCall, FaultSpec, InvoiceSeed } from '@pipeline/emulator-protocol';
import { appEntries } from './app-entries.ts';
import { repoRoot, startApp, type RunningProcess } from './process.ts';

export type { EmulatorCall, FaultSpec, InvoiceSeed };

/** A running Stripe API emulator process and its control API. */
export interface StripeEmulator {
  /** Base URL for `createStripeClient({ apiBase })` / STRIPE_API_BASE, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** The process, for its logs. */
  process: RunningProcess;
  /** Every `/v1` request so far in arrival order; `path` keeps those whose path starts with it. */
  calls(filter?: { path?: string }): Promise<EmulatorCall[]>;
  clearCalls(): Promise<void>;
  /** Queues a fault; several may be queued, the first that matches a request applies. */
  injectFault(spec: FaultSpec): Promise<void>;
  clearFaults(): Promise<void>;
  /**
   * Adds events for `GET /v1/events` (each event's `account` decides whose they are; an
   * account not known yet is added). `deliverySuccess` (default false) is what the
   * `delivery_success` filter matches.
   */
  seedEvents(events: readonly object[], options?: { deliverySuccess?: boolean }): Promise<void>;
  /** Adds connected accounts (`{ id: 'acct_...', ...fields }`) for `GET /v1/accounts`. */
  seedAccounts(accounts: ReadonlyArray<{ id: string } & Record<string, unknown>>): Promise<void>;
  /**
   * Declares invoices and how they were paid (default through a PaymentIntent, with a new
   * charge); an invoice never declared is taken as paid through a PaymentIntent when asked about.
   */
  seedInvoices(invoices: readonly InvoiceSeed[]): Promise<void>;
  /** Sets the platform's available balance (smallest unit); null: unlimited, the default. */
  setAvailableBalance(available: number | null): Promise<void>;
  /** Forgets everything: calls, faults, idempotency keys, transfers, events, accounts, invoices, balance. */
  reset(): Promise<void>;
  /** Stops the process (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Where the emulator's entry point is, for spawning it. */
export const stripeEmulatorEntry = join(repoRoot, appEntries['stripe-emulator'].source);

async function control(url: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${url}/_emulator${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`stripe emulator: ${method} /_emulator${path} answered ${response.status}: ${text}`);
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

/**
 * Starts the Stripe API emulator app as its own process on a free port and resolves once
 * it listens. `env` adds to its environment (default LOG_LEVEL=warn, which keeps request
 * logs out while the `listening` line is still written). Stop it with `stop()` in afterAll.
 */
export async function startStripeEmulator(options: { env?: Record<string, string> } = {}): Promise<StripeEmulator> {
  const child = startApp(stripeEmulatorEntry, { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...options.env });
  let url: string;
  try {
    const line = await Promise.race([
      child.waitForLog((entry) => entry.msg === 'listening'),
      child.exited.then((code) => {
        throw new Error(`stripe emulator exited (${code}) before listening:\n${child.output().slice(-2000)}`);
      }),
    ]);
    url = String(line.url);
  } catch (err: unknown) {
    await child.stop('SIGKILL');
    throw err;
  }

  return {
    url,
    process: child,
    async calls(filter = {}) {
      const query = filter.path === undefined ? '' : `?${new URLSearchParams({ path: filter.path }).toString()}`;
      const { calls } = (await control(url, 'GET', `/calls${query}`)) as { calls: EmulatorCall[] };
      return calls;
    },
    async clearCalls() {
      await control(url, 'DELETE', '/calls');
    },
    async injectFault(spec) {
      await control(url, 'POST', '/faults', spec);
    },
    async clearFaults() {
      await control(url, 'DELETE', '/faults');
    },
    async seedEvents(events, seedOptions = {}) {
      await control(url, 'POST', '/events', { events, ...seedOptions });
    },
    async seedAccounts(accounts) {
      await control(url, 'POST', '/accounts', { accounts });
    },
    async seedInvoices(invoices) {
      await control(url, 'POST', '/invoices', { invoices });
    },
    async setAvailableBalance(available) {
      await control(url, 'PUT', '/balance', { available });
    },
    async reset() {
      await control(url, 'POST', '/reset');
    },
    async stop() {
      await child.stop();
    },
  };
}
