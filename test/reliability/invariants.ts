import type { TestBroker, TestDatabase } from '@pipeline/testkit';
import { createStripeClient } from '@pipeline/stripe-events';
import type { DeliveryLedger } from './delivery-ledger.ts';
import { workerRetryDelaysMs } from './pipeline-stack.ts';
import { queueStates } from './rabbitmq-admin.ts';
import type { Expectations } from './workload.ts';

/** One line of the invariant table. */
export interface InvariantRow {
  readonly invariant: string;
  readonly expected: string;
  readonly observed: string;
  readonly ok: boolean;
}

export interface InvariantInputs {
  readonly expected: Expectations;
  readonly ledger: DeliveryLedger;
  readonly db: TestDatabase;
  readonly broker: TestBroker;
  /** The emulator's base URL: the transfers are listed through Stripe's own API. */
  readonly stripeApiBase: string;
}

const finalOutcomes = new Set(['processed', 'ignored', 'stale']);

function row(invariant: string, expected: string | number, observed: string | number, ok: boolean): InvariantRow {
  return { invariant, expected: String(expected), observed: String(observed), ok };
}

/** A few of the offending ids, for the table. */
function sample(ids: readonly string[]): string {
  return ids.length === 0 ? '' : ` (e.g. ${ids.slice(0, 3).join(', ')})`;
}

/**
 * Whether the pipeline has finished with everything the sender got a 200 for: each such
 * event has a final outcome (or is an intended dead letter), and no message waits in the
 * work or retry queues. The invariants are checked once this holds (or the wait gives up).
 */
export async function pipelineSettled(inputs: Pick<InvariantInputs, 'expected' | 'ledger' | 'db' | 'broker'>): Promise<boolean> {
  const acknowledged = inputs.ledger.acknowledgedIds();
  const { rows } = await inputs.db.pool.query<{ id: string }>(`SELECT id FROM stripe_events WHERE outcome IN ('processed', 'ignored', 'stale')`);
  const done = new Set(rows.map((r) => r.id));
  if (acknowledged.some((id) => !done.has(id) && !inputs.expected.deadLetters.has(id))) return false;
  // Ready messages first (cheap), then the broker's own count, unacknowledged ones included.
  const { names } = inputs.broker;
  for (const queue of [names.workQueue, ...workerRetryDelaysMs.map((ms) => names.retryQueue(ms))]) {
    if ((await inputs.broker.depth(queue)) > 0) return false;
  }
  // Parked events are rows of parked_events; the dead queue only passes them on (the workers drain it).
  const { rows: parkedRows } = await inputs.db.pool.query<{ n: number }>('SELECT count(DISTINCT event_id)::int AS n FROM parked_events');
  if ((parkedRows[0]?.n ?? 0) + (await inputs.broker.depth(names.deadQueue)) < inputs.expected.deadLetters.size) return false;
  const queues = await queueStates(inputs.broker.prefix);
  return queues.every((queue) => queue.name === names.deadQueue || queue.messages === 0);
}

/** Checks every invariant of the product's promise; never throws on a violation, reports it. */
export async function checkInvariants(inputs: InvariantInputs): Promise<InvariantRow[]> {
  const { expected, ledger, db, broker } = inputs;
  const rows: InvariantRow[] = [];
  const summary = ledger.summary();

  // The sender's side: Stripe stops resending only after a 2xx.
  const unacknowledged = ledger.unacknowledgedDeliveries();
  rows.push(row('every delivery ended with a 2xx (Stripe stops resending)', `${summary.deliveries} deliveries`, unacknowledged === 0 ? 'all' : `${unacknowledged} never got one`, unacknowledged === 0));
  const refused = Object.entries(summary.byStatus).filter(([status]) => Number(status) >= 400 && Number(status) !== 503);
  rows.push(row('no valid event answered 4xx or 5xx other than 503', 0, refused.map(([status, n]) => `${n}×${status}`).join(', ') || 0, refused.length === 0));

  // stripe_events: one row per id, with a final outcome the event's type allows.
  const events = await db.pool.query<{ id: string; outcome: string }>('SELECT id, outcome FROM stripe_events');
  const outcomeOf = new Map(events.rows.map((r) => [r.id, r.outcome]));
  const acknowledged = ledger.acknowledgedIds();
  const missing: string[] = [];
  const wrong: string[] = [];
  for (const id of acknowledged) {
    const outcome = outcomeOf.get(id);
    const allowed = expected.outcomes.get(id);
    if (outcome === undefined) {
      if (!expected.deadLetters.has(id)) missing.push(id);
    } else if (allowed?.has(outcome as never) !== true) wrong.push(`${id}=${outcome}`);
  }
  const finals = events.rows.filter((r) => finalOutcomes.has(r.outcome)).length;
  rows.push(row('every 200-acknowledged event is in stripe_events exactly once', `${acknowledged.length} rows`, missing.length === 0 ? `${acknowledged.length} rows` : `${missing.length} missing${sample(missing)}`, missing.length === 0));
  rows.push(row('… with the final outcome its type allows', 'processed/ignored/stale', wrong.length === 0 ? `${finals} final` : `${wrong.length} wrong${sample(wrong)}`, wrong.length === 0));
  const unknown = events.rows.filter((r) => !ledger.entries.has(r.id)).map((r) => r.id);
  rows.push(row('no stripe_events row for an id never sent', 0, unknown.length, unknown.length === 0));

  // Subscriptions: the newest event's state, whatever the order of arrival.
  const subscriptions = await db.pool.query<{ id: string; status: string; access: boolean; source_event_id: string }>('SELECT id, status, access, source_event_id FROM subscriptions');
  const storedSubscription = new Map(subscriptions.rows.map((r) => [r.id, r]));
  const badSubscriptions = expected.subscriptions.filter((want) => {
    const got = storedSubscription.get(want.id);
    return got?.source_event_id !== want.newestEventId || got.status !== want.status || got.access !== want.access;
  });
  rows.push(row('subscription state = its newest event’s (status, access)', `${expected.subscriptions.length} subscriptions`, badSubscriptions.length === 0 ? 'all match' : `${badSubscriptions.length} differ${sample(badSubscriptions.map((s) => s.id))}`, badSubscriptions.length === 0));

  // Transfers in the database: one row per (invoice, host), the right amount, paid.
  const key = (invoiceId: string, host: string): string => `${invoiceId}/${host}`;
  const want = new Map(expected.transfers.map((t) => [key(t.invoiceId, t.hostAccountId), t]));
  const ourInvoices = new Set(expected.invoices);
  const recorded = await db.pool.query<{ invoice_id: string; host_account_id: string; amount: string; status: string; stripe_transfer_id: string | null }>(
    'SELECT invoice_id, host_account_id, amount::text, status, stripe_transfer_id FROM host_transfers',
  );
  const recordedByKey = new Map(recorded.rows.map((r) => [key(r.invoice_id, r.host_account_id), r]));
  const transferProblems: string[] = [];
  for (const [k, t] of want) {
    const got = recordedByKey.get(k);
    if (got === undefined) transferProblems.push(`${k} missing`);
    else if (Number(got.amount) !== t.amount || got.status !== 'paid' || got.stripe_transfer_id === null) transferProblems.push(`${k} ${got.amount}/${got.status}`);
  }
  for (const r of recorded.rows) if (!want.has(key(r.invoice_id, r.host_account_id))) transferProblems.push(`${key(r.invoice_id, r.host_account_id)} unexpected`);
  rows.push(row('host_transfers: one paid row per (invoice, host), right amount', `${want.size} rows`, transferProblems.length === 0 ? `${recorded.rows.length} rows, all paid` : `${transferProblems.length} wrong${sample(transferProblems)}`, transferProblems.length === 0));

  // Transfers at Stripe (the emulator), listed through Stripe's API: exactly one per (invoice, host).
  const stripe = createStripeClient({ apiKey: 'sk_test_fake_reliability_checker', apiBase: inputs.stripeApiBase, maxNetworkRetries: 2 });
  const made = await stripe.transfers.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
  const madeByKey = new Map<string, typeof made>();
  for (const transfer of made) {
    const destination = typeof transfer.destination === 'string' ? transfer.destination : (transfer.destination?.id ?? '?');
    const k = key(transfer.transfer_group ?? '?', destination);
    madeByKey.set(k, [...(madeByKey.get(k) ?? []), transfer]);
  }
  const stripeProblems: string[] = [];
  for (const [k, t] of want) {
    const list = madeByKey.get(k) ?? [];
    if (list.length !== 1) stripeProblems.push(`${k} ×${list.length}`);
    else if (list[0]!.amount !== t.amount) stripeProblems.push(`${k} amount ${list[0]!.amount}≠${t.amount}`);
    else if (recordedByKey.get(k)?.stripe_transfer_id !== list[0]!.id) stripeProblems.push(`${k} transfer id not the one recorded`);
  }
  for (const [k, list] of madeByKey) if (!want.has(k)) stripeProblems.push(`${k} unexpected ×${list.length}`);
  const unrelated = made.filter((t) => !ourInvoices.has(t.transfer_group ?? '')).length;
  rows.push(row('Stripe transfers: exactly one per (invoice, host), right amount', `${want.size} transfers`, stripeProblems.length === 0 ? `${made.length} transfers` : `${stripeProblems.length} wrong${sample(stripeProblems)}`, stripeProblems.length === 0 && unrelated === 0));

  // Hosts onboarded through account.updated.
  const hosts = await db.pool.query<{ account_id: string }>('SELECT account_id FROM hosts WHERE payouts_enabled');
  const enabled = new Set(hosts.rows.map((r) => r.account_id));
  const notEnabled = expected.hosts.filter((h) => !enabled.has(h));
  rows.push(row('hosts have payouts enabled', expected.hosts.length, expected.hosts.length - notEnabled.length, notEnabled.length === 0));

  // Payment failures: one row per invoice.
  const failures = await db.pool.query<{ invoice_id: string; n: number }>('SELECT invoice_id, count(*)::int AS n FROM payment_failures GROUP BY invoice_id');
  const failureCount = new Map(failures.rows.map((r) => [r.invoice_id, r.n]));
  const badFailures = expected.paymentFailures.filter((id) => failureCount.get(id) !== 1);
  rows.push(row('payment_failures: one row per failed invoice', expected.paymentFailures.length, expected.paymentFailures.length - badFailures.length, badFailures.length === 0 && failures.rows.length === expected.paymentFailures.length));

  // The broker: nothing waiting, nothing held.
  const queues = await queueStates(broker.prefix);
  const dead = queues.find((q) => q.name === broker.names.deadQueue);
  const busy = queues.filter((q) => q.name !== broker.names.deadQueue && q.messages > 0);
  const unacked = queues.reduce((sum, q) => sum + q.unacked, 0);
  rows.push(
    row(
      'work and retry queues empty',
      0,
      busy.length === 0 ? 0 : busy.map((q) => `${q.name.slice(broker.prefix.length)}: ${q.ready} ready, ${q.unacked} unacked, ${q.consumers} consumers`).join('; '),
      busy.length === 0,
    ),
  );
  rows.push(row('no message held unacknowledged by a consumer', 0, unacked, unacked === 0));

  // Dead letters: exactly the ones the scenario meant.
  // Parked events live in parked_events; anything still in the dead queue counts too.
  const drained = await broker.drain(broker.names.deadQueue, { timeoutMs: 500 });
  const stored = await db.pool.query<{ event_id: string; properties: { headers?: Record<string, unknown> } }>('SELECT event_id, properties FROM parked_events');
  const parked = [
    ...stored.rows.map((r) => ({ properties: { messageId: r.event_id, headers: r.properties.headers } })),
    ...drained.map((m) => ({ properties: { messageId: m.properties.messageId as unknown, headers: m.properties.headers } })),
  ];
  const parkedIds = parked.map((m) => String(m.properties.messageId));
  const unexpected = parkedIds.filter((id) => !expected.deadLetters.has(id));
  const absent = [...expected.deadLetters].filter((id) => !parkedIds.includes(id));
  // Two copies of one event (published twice, e.g. after a confirm timeout, or parked by a
  // worker killed before its ack) may both be parked: harmless, a replay is deduplicated.
  const copies = parkedIds.length - new Set(parkedIds).size;
  const why = (id: string): string => {
    const message = parked.find((m) => String(m.properties.messageId) === id);
    const headers = (message?.properties.headers ?? {});
    return `${id} ${ledger.entries.get(id)?.type ?? '?'}: ${String(headers['x-last-error-code'])} ${String(headers['x-last-error']).slice(0, 120)}`;
  };
  const parkedOk = unexpected.length === 0 && absent.length === 0;
  rows.push(
    row(
      'dead letters are exactly the intended ones',
      [...expected.deadLetters].join(', ') || 'none',
      parkedOk ? `${[...new Set(parkedIds)].join(', ') || 'none'}${copies > 0 ? ` (+${copies} copy)` : ''}` : `${unexpected.length} unexpected${sample(unexpected.map(why))}, ${absent.length} absent (queue had ${dead?.messages ?? 0})`,
      parkedOk,
    ),
  );
  return rows;
}
