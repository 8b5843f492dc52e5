import type Stripe from 'stripe';
import { buildEvent, stripeId } from '@pipeline/stripe-events';
import { updateHostOnboarding } from '../../src/commands/update-host-onboarding.ts';
import type { CommandHarness } from './harness.ts';

/**
 * Arrange steps of the command tests, so each test reads given / when (a command runs on
 * an event) / then. Each writes through the harness's database, as the commands or an
 * earlier event would have left it.
 */

/** A new connected account id. */
export const newHost = (): string => stripeId('acct', 16);

/** An `account.updated` object of a host that finished onboarding. */
export const onboardedAccount = { charges_enabled: true, payouts_enabled: true, details_submitted: true, requirements: { currently_due: [], past_due: [] } };

/** `account.updated` for `host` at `created` (Unix seconds) with `object`'s fields. */
export function accountUpdatedEvent(host: string, created: number, object: Record<string, unknown> = {}): Stripe.Event {
  return buildEvent({ type: 'account.updated', account: host, created, object });
}

/**
 * The host as `account.updated` at `created` leaves it: onboarded, payouts enabled or not.
 * Run through the command itself, so held transfers of the host are released as they
 * would be (hence `stripe`).
 */
export async function givenOnboardedHost(harness: CommandHarness, host: string, options: { payoutsEnabled: boolean; created: number; stripe?: Stripe }): Promise<void> {
  const event = accountUpdatedEvent(host, options.created, { ...onboardedAccount, payouts_enabled: options.payoutsEnabled });
  await harness.run(updateHostOnboarding, event, options.stripe === undefined ? {} : { stripe: options.stripe });
}

/** `customer` booked `host` for `hours` starting at `startsAt`. */
export async function givenBooking(harness: CommandHarness, customer: string, host: string, hours: number | string, startsAt: Date): Promise<void> {
  await harness.query('INSERT INTO bookings (id, customer_id, host_account_id, hours, starts_at) VALUES ($1, $2, $3, $4, $5)', [
    stripeId('bk'),
    customer,
    host,
    hours,
    startsAt,
  ]);
}

/** A `host_transfers` row of 12.34 USD for 3 hours in `status`, as an earlier invoice left it; answers its invoice id. */
export async function givenHostTransfer(harness: CommandHarness, host: string, status: 'held' | 'blocked' | 'paid', invoiceId = stripeId('in')): Promise<string> {
  await harness.query(
    `INSERT INTO host_transfers (invoice_id, host_account_id, amount, currency, hours, status, idempotency_key, stripe_transfer_id)
     VALUES ($1, $2, 1234, 'usd', 3, $3, $4, $5)`,
    [invoiceId, host, status, `transfer:${invoiceId}:${host}`, status === 'paid' ? stripeId('tr') : null],
  );
  return invoiceId;
}

/** The invoice's billing period, Unix seconds; bookings starting in [start, end) are paid for. */
export interface InvoicePeriod {
  readonly start: number;
  readonly end: number;
}

/** `invoice.paid` of 100.00 USD for `customer` over `period` at `created`, with `object`'s fields on top. */
export function invoicePaidEvent(customer: string, period: InvoicePeriod, created: number, object: Record<string, unknown> = {}): Stripe.Event {
  return buildEvent({
    type: 'invoice.paid',
    created,
    object: { customer, amount_paid: 10_000, currency: 'usd', period_start: period.start, period_end: period.end, ...object },
  });
}

/**
 * A new customer who booked `host` for `hours` at `bookedAt`, and the `invoice.paid` of
 * that period (its object as `object` leaves it). The command is not run: that is the "when".
 */
export async function givenPaidInvoice(
  harness: CommandHarness,
  options: { host: string; hours: number; bookedAt: Date; period: InvoicePeriod; created: number; object?: Record<string, unknown> },
): Promise<{ customer: string; invoiceId: string; event: Stripe.Event }> {
  const customer = stripeId('cus');
  await givenBooking(harness, customer, options.host, options.hours, options.bookedAt);
  const event = invoicePaidEvent(customer, options.period, options.created, options.object);
  return { customer, invoiceId: (event.data.object as { id: string }).id, event };
}
