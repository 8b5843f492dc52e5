import type Stripe from 'stripe';
import { inject } from 'vitest';
import { createLogger } from '@pipeline/core';
import { withTransaction } from '@pipeline/db';
import { createStripeClient } from '@pipeline/stripe-events';
import { createTestDatabase, type TestDatabase } from '@pipeline/testkit';
import type { Command, CommandResult } from '../../src/commands/command.ts';

/** A fresh database, and commands run as the worker runs them: in a transaction, on its client. */
export interface CommandHarness {
  readonly database: TestDatabase;
  /** Runs `command` on `event` in its own transaction; rolled back if it throws. */
  run(command: Command, event: Stripe.Event, options?: { stripe?: Stripe; platformFeePercent?: number }): Promise<CommandResult>;
  /** Runs `command` then rolls back whatever it did, as a failed commit would (Stripe calls stay made). */
  runAndRollBack(command: Command, event: Stripe.Event, options?: { stripe?: Stripe }): Promise<CommandResult>;
  query<R extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

const logger = createLogger({ name: 'command-tests', level: 'silent' });

/** Nothing listens there: a test that does not expect Stripe calls fails loudly if one is made. */
const unreachableStripe = createStripeClient({ apiKey: 'sk_test_fake_unreachable', apiBase: 'http://127.0.0.1:9', maxNetworkRetries: 0, timeoutMs: 1_000 });

class RollBack extends Error {
  readonly result: CommandResult;
  constructor(result: CommandResult) {
    super('rolled back on purpose');
    this.result = result;
  }
}

export async function createCommandHarness(): Promise<CommandHarness> {
  const { databaseUrl, templateDatabase } = inject('services');
  const database = await createTestDatabase(databaseUrl, templateDatabase);
  const contextFor = (command: Command, options: { stripe?: Stripe; platformFeePercent?: number }) => ({
    stripe: options.stripe ?? unreachableStripe,
    platformFeePercent: options.platformFeePercent ?? 20,
    logger,
    endpoint: command.endpoint,
  });
  return {
    database,
    run(command, event, options = {}) {
      return withTransaction(database.pool, (db) => command.run(event, { db, ...contextFor(command, options) }));
    },
    async runAndRollBack(command, event, options = {}) {
      try {
        await withTransaction(database.pool, async (db) => {
          throw new RollBack(await command.run(event, { db, ...contextFor(command, options) }));
        });
      } catch (err: unknown) {
        if (err instanceof RollBack) return err.result;
        throw err;
      }
      throw new Error('unreachable');
    },
    async query<R extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
      const { rows } = await database.pool.query<R>(sql, params);
      return rows;
    },
    close: () => database.drop(),
  };
}
