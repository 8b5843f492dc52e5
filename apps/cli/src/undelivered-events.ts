import type Stripe from 'stripe';

export interface UndeliveredEvents {
  /** Events Stripe has not delivered to every endpoint, platform and connected accounts, each once. */
  readonly events: Stripe.Event[];
  /** Connected accounts looked at. */
  readonly accounts: number;
}

/**
 * Lists, through Stripe's API, the events created since `since` whose delivery has not
 * succeeded (`delivery_success: false`): the platform's own, then each connected
 * account's. Events of a connected account get its id in `account`, as Connect webhooks
 * carry it.
 */
export async function listUndeliveredEvents(stripe: Stripe, since: Date): Promise<UndeliveredEvents> {
  const params: Stripe.EventListParams = { delivery_success: false, created: { gte: Math.floor(since.getTime() / 1000) }, limit: 100 };
  const byId = new Map<string, Stripe.Event>();
  for await (const event of stripe.events.list(params)) byId.set(event.id, event);
  let accounts = 0;
  for await (const account of stripe.accounts.list({ limit: 100 })) {
    accounts += 1;
    for await (const event of stripe.events.list(params, { stripeAccount: account.id })) {
      // Typed as a string, but absent or null in some API versions' JSON.
      const own: unknown = event.account;
      byId.set(event.id, typeof own === 'string' && own !== '' ? event : { ...event, account: account.id });
    }
  }
  return { events: [...byId.values()].sort((a, b) => a.created - b.created || a.id.localeCompare(b.id)), accounts };
}
