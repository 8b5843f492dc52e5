import Stripe from 'stripe';
import { readFileSync } from 'node:fs';
import { stripeId } from './ids.ts';

type StripeObject = Record<string, unknown>;

let loaded: Record<string, StripeObject> | undefined;

/** Stripe's sample objects (see fixtures/README.md for their source and licence), read on first use. */
function objects(): Record<string, StripeObject> {
  loaded ??= JSON.parse(readFileSync(new URL('../fixtures/stripe-objects.json', import.meta.url), 'utf8')) as Record<string, StripeObject>;
  return loaded;
}
type Resource = string;

/** The API version our sample events claim, the one the installed SDK is pinned to. */
export const apiVersion: string = (Stripe as unknown as { API_VERSION?: string }).API_VERSION ?? '2026-10-28.endive';

export interface BuildEventOptions {
  /** The event's type, e.g. `invoice.paid`. */
  type: string;
  /** The connected account, for Connect events. */
  account?: string | undefined;
  livemode?: boolean;
  id?: string;
  /** Event creation time in Unix seconds; default now. */
  created?: number;
  /** Fields that replace the sample object's top-level fields. */
  object?: StripeObject;
  /** For `*.updated` events: the changed fields' previous values. */
  previousAttributes?: StripeObject;
  /** The customer a subscription or invoice belongs to; default a fresh `cus_` id. */
  customer?: string | undefined;
  /** The subscription an invoice bills, or the subscription's own id; default a fresh `sub_` id. */
  subscription?: string | undefined;
}

/** The ids one event's objects share, so the invoice's subscription is the subscription and its customer the customer. */
interface Refs {
  readonly customer: string;
  readonly subscription: string;
}

/** A copy of one of Stripe's sample objects. */
export function sampleObject(resource: Resource): StripeObject {
  const sample = objects()[resource];
  if (sample === undefined) throw new Error(`no Stripe sample object named ${resource}`);
  return structuredClone(sample);
}

const nowS = (): number => Math.floor(Date.now() / 1000);

/** The sample object each event type carries, already given fresh ids and sensible states. */
function objectFor(type: string, livemode: boolean, refs: Refs): StripeObject {
  const at = nowS();
  if (type.startsWith('customer.subscription.')) {
    const subscription = sampleObject('subscription');
    const id = refs.subscription;
    const item = (subscription.items as { data: StripeObject[] }).data[0] ?? {};
    const price = { ...(item.price as StripeObject), id: stripeId('price'), lookup_key: 'hub_pro', product: stripeId('prod') };
    Object.assign(item, { id: stripeId('si'), subscription: id, price, current_period_start: at, current_period_end: at + 30 * 86_400 });
    return {
      ...subscription,
      id,
      customer: refs.customer,
      status: type.endsWith('.deleted') ? 'canceled' : 'active',
      livemode,
      created: at,
      items: { ...(subscription.items as StripeObject), data: [item] },
    };
  }
  if (type.startsWith('invoice.')) {
    const invoice = sampleObject('invoice');
    const paid = type === 'invoice.paid';
    return {
      ...invoice,
      id: stripeId('in'),
      customer: refs.customer,
      billing_reason: 'subscription_cycle',
      // The sample is a revision of an invoice named by a placeholder; a cycle invoice revises none.
      from_invoice: null,
      // Since 2025-03-31.basil the billed subscription is named here (the sample names a quote, with placeholders).
      parent: { type: 'subscription_details', quote_details: null, subscription_details: { metadata: null, subscription: refs.subscription } },
      currency: 'usd',
      amount_due: 10_000,
      amount_paid: paid ? 10_000 : 0,
      amount_remaining: paid ? 0 : 10_000,
      attempt_count: 1,
      status: paid ? 'paid' : type === 'invoice.voided' ? 'void' : type === 'invoice.marked_uncollectible' ? 'uncollectible' : 'open',
      livemode,
      created: at,
      period_start: at - 30 * 86_400,
      period_end: at,
      lines: { object: 'list', data: [], has_more: false, url: '/v1/invoices/lines' },
    };
  }
  if (type.startsWith('charge.dispute.')) {
    return {
      ...sampleObject('dispute'),
      id: stripeId('dp'),
      charge: stripeId('ch'),
      amount: 10_000,
      currency: 'usd',
      livemode,
      created: at,
      reason: 'fraudulent',
      status: type === 'charge.dispute.closed' ? 'lost' : 'needs_response',
    };
  }
  if (type === 'charge.refunded') {
    return { ...sampleObject('charge'), id: stripeId('ch'), amount: 10_000, amount_captured: 10_000, amount_refunded: 10_000, refunded: true, currency: 'usd', livemode, created: at };
  }
  if (type === 'account.application.deauthorized' || type === 'account.application.authorized') {
    return { ...sampleObject('application'), id: stripeId('ca'), name: 'Oasis Hubs' };
  }
  if (type.startsWith('account.external_account.')) {
    return { ...sampleObject('bank_account'), id: stripeId('ba') };
  }
  if (type.startsWith('account.')) {
    return { ...sampleObject('account'), id: stripeId('acct', 16), charges_enabled: true, payouts_enabled: true, details_submitted: true };
  }
  if (type.startsWith('payout.')) {
    const failed = type === 'payout.failed';
    return {
      ...sampleObject('payout'),
      id: stripeId('po'),
      livemode,
      created: at,
      status: failed ? 'failed' : 'paid',
      failure_code: failed ? 'account_closed' : null,
      failure_message: failed ? 'The bank account has been closed.' : null,
    };
  }
  if (type.startsWith('customer.')) return { ...sampleObject('customer'), id: refs.customer, livemode, created: at };
  const resource = type.split('.')[0] ?? '';
  if (resource in objects() && resource !== 'event') return { ...sampleObject(resource), livemode };
  return { ...(sampleObject('event').data as { object: StripeObject }).object, livemode };
}

/**
 * A realistic Stripe event envelope built from Stripe's own sample objects. Connect
 * events carry `account`; `object` overrides fields of the sample object.
 */
export function buildEvent(options: BuildEventOptions): Stripe.Event {
  const livemode = options.livemode ?? false;
  const refs: Refs = { customer: options.customer ?? stripeId('cus'), subscription: options.subscription ?? stripeId('sub') };
  const base = objectFor(options.type, livemode, refs);
  if (options.type.startsWith('account.') && !options.type.startsWith('account.application.') && !options.type.startsWith('account.external_account.') && options.account !== undefined) {
    base.id = options.account;
  }
  const data: StripeObject = { object: { ...base, ...options.object } };
  if (options.previousAttributes !== undefined) data.previous_attributes = options.previousAttributes;
  return {
    id: options.id ?? stripeId('evt'),
    object: 'event',
    api_version: apiVersion,
    created: options.created ?? nowS(),
    data,
    livemode,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: options.type,
    ...(options.account === undefined ? {} : { account: options.account }),
  } as unknown as Stripe.Event;
}

/** The event types `trigger` knows how to build with a meaningful object. */
export const knownEventTypes = [
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'invoice.paid',
  'invoice.payment_failed',
  'invoice.voided',
  'invoice.marked_uncollectible',
  'charge.refunded',
  'charge.dispute.created',
  'charge.dispute.closed',
  'account.updated',
  'account.application.deauthorized',
  'account.external_account.updated',
  'payout.failed',
  'payout.paid',
  'charge.succeeded',
  'customer.created',
] as const;

/** Event types Stripe sends to Connect endpoints (they carry `account`). */
export function isConnectEventType(type: string): boolean {
  return type.startsWith('account.') || type.startsWith('payout.');
}
