import type Stripe from 'stripe';
import type { Endpoint } from '@pipeline/broker';
import type { Outcome } from '@pipeline/db';
import { buildEvent, stripeId } from '@pipeline/stripe-events';
import type { Random } from './random.ts';

/** One POST the sender makes (until it gets a 2xx). */
export interface Delivery {
  readonly event: Stripe.Event;
  readonly endpoint: Endpoint;
  /** A resend of an event id that is already earlier in the stream, as Stripe does. */
  readonly duplicate: boolean;
}

/** A row the booking side of the platform would write. */
export interface Booking {
  readonly id: string;
  readonly customerId: string;
  readonly hostAccountId: string;
  readonly hours: number;
  readonly startsAt: Date;
}

export interface ExpectedSubscription {
  readonly id: string;
  /** The event with the largest `created`: its state must be the one stored. */
  readonly newestEventId: string;
  readonly status: string;
  readonly access: boolean;
}

export interface ExpectedTransfer {
  readonly invoiceId: string;
  readonly hostAccountId: string;
  readonly amount: number;
}

/** What the stream must have done once everything is processed. */
export interface Expectations {
  /** Final outcomes each event id may end with in `stripe_events`. */
  readonly outcomes: ReadonlyMap<string, ReadonlySet<Outcome>>;
  readonly subscriptions: readonly ExpectedSubscription[];
  /** Every paid invoice id, with or without hosts to pay. */
  readonly invoices: readonly string[];
  readonly transfers: readonly ExpectedTransfer[];
  /** Hosts that must end with payouts enabled. */
  readonly hosts: readonly string[];
  /** Invoices whose `invoice.payment_failed` must be recorded once. */
  readonly paymentFailures: readonly string[];
  /** Event ids the scenario means to park in the dead-letter queue. */
  readonly deadLetters: ReadonlySet<string>;
}

export interface Workload {
  readonly deliveries: readonly Delivery[];
  readonly bookings: readonly Booking[];
  readonly expected: Expectations;
}

export interface WorkloadOptions {
  readonly random: Random;
  readonly hosts?: number;
  readonly subscriptions?: number;
  /** Share of subscriptions whose events are sent in an order other than their `created`. */
  readonly outOfOrderShare?: number;
  readonly invoices?: number;
  readonly paymentFailures?: number;
  readonly ignored?: number;
  /** Share of deliveries sent a second time, a little later. */
  readonly duplicateShare?: number;
  /** Events whose command can never succeed (a subscription without its customer). */
  readonly deadLetters?: number;
}

const processed: ReadonlySet<Outcome> = new Set(['processed']);
const processedOrStale: ReadonlySet<Outcome> = new Set(['processed', 'stale']);
const ignored: ReadonlySet<Outcome> = new Set(['ignored']);
const failed: ReadonlySet<Outcome> = new Set(['failed']);
const accessStatuses = new Set(['active', 'trialing']);

/** The platform keeps PLATFORM_FEE_PERCENT (20) of each paid invoice; amounts are chosen so every share is exact. */
const centsPerHourUnit = 400;
const paidPerHourUnit = 500;

/**
 * A stream of realistic Stripe events whose effects can be checked: hosts onboarded through
 * `account.updated`, subscriptions created, updated and deleted (some sent out of order),
 * paid invoices of customers who booked hosts, failed payments, types the pipeline ignores,
 * resends of the same event id, and events meant for the dead-letter queue.
 */
export function buildWorkload(options: WorkloadOptions): Workload {
  const { random } = options;
  const now = Math.floor(Date.now() / 1000);
  const outcomes = new Map<string, ReadonlySet<Outcome>>();
  const sequences: Delivery[][] = [];
  const deliver = (event: Stripe.Event, endpoint: Endpoint, allowed: ReadonlySet<Outcome>): Delivery => {
    outcomes.set(event.id, allowed);
    return { event, endpoint, duplicate: false };
  };

  const hosts = Array.from({ length: options.hosts ?? 6 }, () => stripeId('acct', 16));
  // Onboarding goes first in the stream, but nothing waits for it: an invoice processed
  // before its host's `account.updated` is held, then released by it.
  const onboarding = hosts.map((account) =>
    deliver(
      buildEvent({ type: 'account.updated', account, object: { charges_enabled: true, payouts_enabled: true, details_submitted: true } }),
      'connect',
      processed,
    ),
  );

  const subscriptions: ExpectedSubscription[] = [];
  for (let i = 0; i < (options.subscriptions ?? 40); i += 1) {
    const id = stripeId('sub');
    const customer = stripeId('cus');
    const base = now - 7_200;
    const history: Array<{ type: string; status: string }> = [{ type: 'customer.subscription.created', status: random.pick(['incomplete', 'trialing', 'active']) }];
    for (let u = random.int(1, 3); u > 0; u -= 1) history.push({ type: 'customer.subscription.updated', status: random.pick(['active', 'past_due', 'active', 'unpaid', 'trialing']) });
    if (random.chance(0.3)) history.push({ type: 'customer.subscription.deleted', status: 'canceled' });
    const events = history.map((step, index) =>
      buildEvent({ type: step.type, created: base + index * 10, object: { id, customer, status: step.status } }),
    );
    const newest = events.at(-1)!;
    const last = history.at(-1)!;
    subscriptions.push({ id, newestEventId: newest.id, status: last.status, access: last.type !== 'customer.subscription.deleted' && accessStatuses.has(last.status) });
    const order = random.chance(options.outOfOrderShare ?? 0.4) ? random.shuffle(events) : events;
    sequences.push(order.map((event) => deliver(event, 'platform', processedOrStale)));
  }

  const bookings: Booking[] = [];
  const transfers: ExpectedTransfer[] = [];
  const invoices: string[] = [];
  for (let i = 0; i < (options.invoices ?? 60); i += 1) {
    const customer = stripeId('cus');
    const invoiceId = stripeId('in');
    invoices.push(invoiceId);
    const rate = random.int(1, 5);
    // One invoice in eight is for a customer who booked nothing: processed, nobody paid.
    const booked = random.chance(0.125) ? [] : random.shuffle(hosts).slice(0, random.int(1, 3));
    let units = 0;
    for (const host of booked) {
      const hours = random.int(1, 3);
      units += hours;
      bookings.push({ id: `bk_${stripeId('x', 12)}`, customerId: customer, hostAccountId: host, hours, startsAt: new Date((now - 86_400) * 1000) });
      transfers.push({ invoiceId, hostAccountId: host, amount: centsPerHourUnit * rate * hours });
    }
    const amountPaid = paidPerHourUnit * rate * Math.max(units, 1);
    const event = buildEvent({
      type: 'invoice.paid',
      object: { id: invoiceId, customer, amount_paid: amountPaid, amount_due: amountPaid, period_start: now - 30 * 86_400, period_end: now + 86_400 },
    });
    sequences.push([deliver(event, 'platform', processed)]);
  }

  const paymentFailures: string[] = [];
  for (let i = 0; i < (options.paymentFailures ?? 10); i += 1) {
    const event = buildEvent({ type: 'invoice.payment_failed', object: { customer: stripeId('cus'), attempt_count: 1 } });
    paymentFailures.push((event.data.object as { id: string }).id);
    sequences.push([deliver(event, 'platform', processed)]);
  }

  for (let i = 0; i < (options.ignored ?? 30); i += 1) {
    const kind = random.pick(['charge.succeeded', 'customer.created', 'payout.paid']);
    const event = kind === 'payout.paid' ? buildEvent({ type: kind, account: random.pick(hosts) }) : buildEvent({ type: kind });
    sequences.push([deliver(event, kind === 'payout.paid' ? 'connect' : 'platform', ignored)]);
  }

  const deadLetters = new Set<string>();
  for (let i = 0; i < (options.deadLetters ?? 1); i += 1) {
    // A subscription event without its customer: signed and valid as an envelope, so the
    // ingest accepts it, but the command can never apply it (a PermanentError).
    const event = buildEvent({ type: 'customer.subscription.updated', object: { customer: undefined } });
    deadLetters.add(event.id);
    sequences.push([deliver(event, 'platform', failed)]);
  }

  const stream = [...onboarding, ...interleave(sequences, random)];
  return {
    deliveries: addDuplicates(stream, options.duplicateShare ?? 0.08, random),
    bookings,
    expected: { outcomes, subscriptions, invoices, transfers, hosts, paymentFailures, deadLetters },
  };
}

/** Merges the sequences at random, each keeping its own order. */
function interleave(sequences: readonly Delivery[][], random: Random): Delivery[] {
  const queues = sequences.map((sequence) => [...sequence]);
  const out: Delivery[] = [];
  let remaining = queues.reduce((sum, queue) => sum + queue.length, 0);
  while (remaining > 0) {
    // Weighted by what is left, so long sequences spread over the whole stream.
    let ticket = random.int(0, remaining - 1);
    const queue = queues.find((candidate) => (ticket -= candidate.length) < 0)!;
    out.push(queue.shift()!);
    remaining -= 1;
  }
  return out;
}

/** Sends a share of the deliveries again, 5 to 60 places later (a second or two at the usual rate). */
function addDuplicates(stream: readonly Delivery[], share: number, random: Random): Delivery[] {
  const out = [...stream];
  for (const delivery of stream) {
    if (!random.chance(share)) continue;
    const at = Math.min(out.indexOf(delivery) + random.int(5, 60), out.length);
    out.splice(at, 0, { ...delivery, duplicate: true });
  }
  return out;
}
