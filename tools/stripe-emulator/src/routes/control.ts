import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { objectId } from '../object-id.ts';
import type { AccountStore } from '../account-store.ts';
import type { CallLog } from '../call-log.ts';
import type { EventStore, StripeEventObject } from '../event-store.ts';
import type { FundsStore } from '../funds-store.ts';
import { faultSpecSchema, type FaultInjector } from '../fault-injector.ts';
import type { IdempotencyStore } from '../idempotency-store.ts';

/** Everything the control API inspects or resets. */
export interface EmulatorState {
  calls: CallLog;
  faults: FaultInjector;
  idempotency: IdempotencyStore;
  events: EventStore;
  accounts: AccountStore;
  transfers: { clear(): void };
  funds: FundsStore;
  now: () => number;
}

const seedEventsSchema = z.strictObject({
  events: z.array(
    z.looseObject({
      id: z.string().min(1).optional(),
      type: z.string().min(1),
      created: z.int().nonnegative().optional(),
      account: z.string().startsWith('acct_').nullable().optional(),
    }),
  ),
  /** Whether Stripe delivered these events to every endpoint (the `delivery_success` filter); default false. */
  deliverySuccess: z.boolean().default(false),
});

const seedAccountsSchema = z.strictObject({
  accounts: z.array(z.looseObject({ id: z.string().startsWith('acct_'), created: z.int().nonnegative().optional() })),
});

const seedInvoicesSchema = z.strictObject({
  invoices: z.array(
    z.strictObject({
      id: z.string().startsWith('in_'),
      amountPaid: z.int().positive().optional(),
      currency: z.string().length(3).optional(),
      paidBy: z.enum(['payment_intent', 'charge', 'none']).optional(),
    }),
  ),
});

/** `available`: the platform's available balance in the smallest currency unit; null: unlimited (the default). */
const balanceSchema = z.strictObject({ available: z.int().nonnegative().nullable() });

const callsQuerySchema = z.object({ path: z.string().optional() });

function accountObjectOf(event: StripeEventObject): (Record<string, unknown> & { id: string }) | undefined {
  const object = (event.data as { object?: Record<string, unknown> } | undefined)?.object;
  const account = event.account;
  return account !== undefined && object?.object === 'account' && object.id === account ? { ...object, id: account } : undefined;
}

/**
 * The control API under `/_emulator` (JSON, no auth) that tests drive: the call log,
 * fault injection, seeding events, accounts and invoices, the available balance, and a full reset.
 */
export function registerControlRoutes(scope: FastifyInstance, state: EmulatorState): void {
  scope.setErrorHandler((error, _request, reply) => {
    const message = error instanceof z.ZodError ? z.prettifyError(error) : error instanceof Error ? error.message : String(error);
    const status = error instanceof z.ZodError ? 400 : ((error as { statusCode?: number }).statusCode ?? 500);
    return reply.code(status).send({ error: { message } });
  });

  scope.get('/calls', (request) => {
    const query = callsQuerySchema.parse(request.query);
    return { calls: state.calls.list(query.path) };
  });

  scope.delete('/calls', async (_request, reply) => {
    state.calls.clear();
    return reply.code(204).send();
  });

  scope.post('/faults', async (request, reply) => {
    const fault = state.faults.add(faultSpecSchema.parse(request.body));
    return reply.code(201).send({ fault });
  });

  scope.get('/faults', () => ({ faults: state.faults.list() }));

  scope.delete('/faults', async (_request, reply) => {
    state.faults.clear();
    return reply.code(204).send();
  });

  scope.post('/events', async (request, reply) => {
    const body = seedEventsSchema.parse(request.body);
    const events = body.events.map((seed): StripeEventObject => {
      const { account, ...rest } = seed;
      return {
        ...rest,
        object: 'event',
        id: seed.id ?? objectId('evt'),
        created: seed.created ?? Math.floor(state.now() / 1000),
        // Stripe omits `account` on the platform's own events.
        ...(account === null || account === undefined ? {} : { account }),
      };
    });
    state.events.seed(events, body.deliverySuccess);
    for (const event of events) {
      if (event.account !== undefined) state.accounts.ensure(accountObjectOf(event) ?? { id: event.account });
    }
    return reply.code(201).send({ ids: events.map((event) => event.id) });
  });

  scope.post('/accounts', async (request, reply) => {
    const { accounts } = seedAccountsSchema.parse(request.body);
    state.accounts.seed(accounts);
    return reply.code(201).send({ ids: accounts.map((account) => account.id) });
  });

  scope.post('/invoices', async (request, reply) => {
    const { invoices } = seedInvoicesSchema.parse(request.body);
    state.funds.seedInvoices(invoices);
    return reply.code(201).send({ ids: invoices.map((invoice) => invoice.id) });
  });

  scope.put('/balance', (request) => {
    const { available } = balanceSchema.parse(request.body);
    state.funds.setAvailable(available);
    return { available: state.funds.available() };
  });

  scope.get('/balance', () => ({ available: state.funds.available() }));

  scope.post('/reset', async (_request, reply) => {
    state.calls.clear();
    state.faults.clear();
    state.idempotency.clear();
    state.events.clear();
    state.accounts.clear();
    state.transfers.clear();
    state.funds.clear();
    return reply.code(204).send();
  });
}
