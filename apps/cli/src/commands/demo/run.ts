import type { Endpoint } from '@pipeline/broker';
import { databaseTimeoutsOf } from '@pipeline/core';
import type { Pool } from '@pipeline/db';
import { buildEvent, serializeEvent, signPayload, stripeId, type BuildEventOptions } from '@pipeline/stripe-events';
import { CliError } from '../../cli-error.ts';
import { databaseSettings, loadConfig } from '../../config.ts';
import { openDatabase } from '../../database.ts';
import type { CliIo } from '../../io.ts';
import { postEvent } from '../../post-event.ts';
import { secretFor } from '../trigger/run.ts';

export interface DemoOptions {
  /** How long to wait for the workers to finish each event. */
  readonly timeoutMs: number;
}

/** The cast of one run: fresh ids, so the demo can be run again and again on the same stack. */
interface Cast {
  readonly customer: string;
  readonly subscription: string;
  readonly onboardedHost: string;
  readonly pendingHost: string;
}

/** What a step can use: the cast, the database, and a way to send an event and wait for its processing record. */
interface DemoContext {
  readonly cast: Cast;
  readonly db: Pool;
  readonly print: (line: string) => void;
  /** Signs and posts the event, waits until a worker finished it, and returns its effects. */
  readonly send: (event: BuildEventOptions, endpoint: Endpoint) => Promise<Record<string, unknown>>;
}

/** One step of the story: one entry in `steps`. */
interface DemoStep {
  readonly title: string;
  run(context: DemoContext): Promise<void>;
}

interface TransferEffect {
  readonly hostAccountId: string;
  readonly hours: string;
  readonly amount: number;
  readonly status: string;
  readonly transferId?: string;
}

const day = 86_400;
const nowS = (): number => Math.floor(Date.now() / 1000);
const dollars = (cents: number): string => `$${(cents / 100).toFixed(2)}`;
/** What the monthly invoice charges the customer (its charge's amount), and what the refund gives back. */
const invoiceAmount = 10_000;
const refundAmount = invoiceAmount / 4;

const steps: readonly DemoStep[] = [
  {
    title: 'two hosts connect their Stripe accounts: one onboarded, one still pending',
    async run({ cast, send, print }) {
      await send({ type: 'account.updated', account: cast.onboardedHost }, 'connect');
      print(`host ${cast.onboardedHost}: onboarded, payouts enabled`);
      const pending = {
        charges_enabled: false,
        payouts_enabled: false,
        details_submitted: false,
        requirements: { currently_due: ['external_account'], past_due: [] },
      };
      const effects = await send({ type: 'account.updated', account: cast.pendingHost, object: pending }, 'connect');
      print(`host ${cast.pendingHost}: pending, payouts not enabled (due: ${(effects.requirementsDue as string[]).join(', ')})`);
    },
  },
  {
    title: 'the customer books both hosts this month',
    async run({ cast, db, print }) {
      const bookings = [
        { host: cast.onboardedHost, hours: '3.00', daysAgo: 10 },
        { host: cast.pendingHost, hours: '1.00', daysAgo: 5 },
      ];
      for (const booking of bookings) {
        const id = stripeId('bk');
        await db.query('INSERT INTO bookings (id, customer_id, host_account_id, hours, starts_at) VALUES ($1, $2, $3, $4, to_timestamp($5))', [
          id,
          cast.customer,
          booking.host,
          booking.hours,
          nowS() - booking.daysAgo * day,
        ]);
        print(`booking ${id}: customer ${cast.customer}, host ${booking.host}, ${booking.hours} hours`);
      }
    },
  },
  {
    title: 'the customer subscribes (customer.subscription.created)',
    async run({ cast, db, send, print }) {
      await send({ type: 'customer.subscription.created', customer: cast.customer, subscription: cast.subscription }, 'platform');
      const { rows } = await db.query<{ status: string; access: boolean; tier: string | null }>('SELECT status, access, tier FROM subscriptions WHERE id = $1', [cast.subscription]);
      const row = rows[0];
      if (row === undefined) throw new CliError('DEMO_FAILED', `subscription ${cast.subscription} was processed but has no row in subscriptions`);
      print(`subscription ${cast.subscription}: ${row.status}, access ${row.access ? 'granted' : 'denied'}${row.tier === null ? '' : `, tier ${row.tier}`}`);
    },
  },
  {
    title: 'the monthly invoice is paid (invoice.paid): the platform keeps its fee, the hosts are paid pro rata to hours',
    async run({ cast, send, print }) {
      const at = nowS();
      const effects = await send(
        { type: 'invoice.paid', customer: cast.customer, subscription: cast.subscription, object: { period_start: at - 30 * day, period_end: at + 60, amount_due: invoiceAmount, amount_paid: invoiceAmount } },
        'platform',
      );
      print(`invoice ${String(effects.invoiceId)}: paid ${dollars(effects.amountPaid as number)}, platform fee ${dollars(effects.fee as number)} (${String(effects.feePercent)}%)`);
      for (const transfer of effects.transfers as TransferEffect[]) {
        const what = transfer.status === 'paid' ? `paid (${transfer.transferId ?? ''})` : transfer.status === 'held' ? 'held until its payouts are enabled' : transfer.status;
        print(`  host ${transfer.hostAccountId}: ${transfer.hours} hours, ${dollars(transfer.amount)}: ${what}`);
      }
    },
  },
  {
    title: 'the pending host finishes onboarding (account.updated): its held transfer is released',
    async run({ cast, send, print }) {
      const effects = await send({ type: 'account.updated', account: cast.pendingHost }, 'connect');
      const released = effects.released as Array<{ invoiceId: string; amount: number; transferId: string }>;
      print(`host ${cast.pendingHost}: payouts enabled`);
      for (const transfer of released) print(`  released ${dollars(transfer.amount)} for invoice ${transfer.invoiceId} (${transfer.transferId})`);
      if (released.length === 0) throw new CliError('DEMO_FAILED', `host ${cast.pendingHost} was updated but no held transfer was released`);
    },
  },
  {
    title: 'the customer is refunded a quarter of the invoice (charge.refunded): each host gives back its share, by a Stripe transfer reversal',
    async run({ cast, db, send, print }) {
      // The invoice's charge is the hosts' transfers' source_transaction (the worker asked Stripe for it).
      const { rows: charges } = await db.query<{ invoice_id: string; source_transaction: string | null }>(
        'SELECT invoice_id, source_transaction FROM host_transfers WHERE host_account_id = $1',
        [cast.onboardedHost],
      );
      const invoiceId = charges[0]?.invoice_id;
      const charge = charges[0]?.source_transaction;
      if (invoiceId === undefined || charge == null) throw new CliError('DEMO_FAILED', `the invoice's transfer to host ${cast.onboardedHost} names no charge (source_transaction) to refund`);
      // charge.refunded carries the charge with its cumulative amount_refunded.
      const effects = await send(
        { type: 'charge.refunded', object: { id: charge, amount: invoiceAmount, amount_captured: invoiceAmount, amount_refunded: refundAmount, refunded: false } },
        'platform',
      );
      print(`charge ${charge} of invoice ${invoiceId}: refunded ${dollars(effects.amountRefunded as number)} of ${dollars(invoiceAmount)}`);
      const { rows } = await db.query<{ host_account_id: string; kind: string; amount: string; stripe_reversal_id: string | null }>(
        'SELECT host_account_id, kind, amount, stripe_reversal_id FROM transfer_reversals WHERE charge_id = $1 ORDER BY id',
        [charge],
      );
      for (const row of rows) {
        const what = row.kind === 'reversal' ? `reversed (${row.stripe_reversal_id ?? ''})` : row.kind;
        print(`  host ${row.host_account_id}: ${dollars(Number(row.amount))} ${what}`);
      }
      const reversed = new Set(rows.filter((row) => row.kind === 'reversal').map((row) => row.host_account_id));
      for (const host of [cast.onboardedHost, cast.pendingHost]) {
        if (!reversed.has(host)) throw new CliError('DEMO_FAILED', `charge ${charge} was refunded but host ${host}'s transfer has no reversal in transfer_reversals`);
      }
    },
  },
];

/** Polls the processing record of `id` until a worker has finished with it. */
async function waitForOutcome(db: Pool, id: string, timeoutMs: number): Promise<{ outcome: string; effects: Record<string, unknown>; lastError: string | null }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query<{ outcome: string; effects: Record<string, unknown> | null; last_error: string | null }>(
      'SELECT outcome, effects, last_error FROM stripe_events WHERE id = $1',
      [id],
    );
    const row = rows[0];
    if (row !== undefined && row.outcome !== 'retrying') return { outcome: row.outcome, effects: row.effects ?? {}, lastError: row.last_error };
    if (Date.now() > deadline) {
      throw new CliError('DEMO_TIMEOUT', `event ${id} was accepted but no worker finished it within ${timeoutMs / 1000} s${row === undefined ? '' : ` (outcome so far: ${row.outcome})`}; are the workers running against this database?`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * The money story against a running stack: each step sends real signed events to the
 * ingest (INGEST_URL, the local example secrets when it is local) and reads what the
 * workers recorded in the database (DATABASE_URL).
 */
export async function runDemo(io: CliIo, options: DemoOptions): Promise<void> {
  const config = loadConfig(databaseSettings, io.env);
  const endpoints = { platform: secretFor('platform', io), connect: secretFor('connect', io) };
  const cast: Cast = { customer: stripeId('cus'), subscription: stripeId('sub'), onboardedHost: stripeId('acct', 16), pendingHost: stripeId('acct', 16) };
  const db = await openDatabase(config.DATABASE_URL, databaseTimeoutsOf(config));
  const send: DemoContext['send'] = async (options_, endpoint) => {
    const event = buildEvent(options_);
    const payload = serializeEvent(event);
    const { ingestUrl, secret } = endpoints[endpoint];
    const answer = await postEvent(new URL(`/webhooks/${endpoint}`, ingestUrl).toString(), payload, signPayload(payload, secret));
    if (answer.status >= 300) throw new CliError('INGEST_REJECTED', `the ingest answered ${answer.status} ${answer.statusText} to ${event.type} ${event.id}: ${answer.body}`);
    const { outcome, effects, lastError } = await waitForOutcome(db, event.id, options.timeoutMs);
    io.print(`  ${event.type} ${event.id}: ${outcome}`);
    if (outcome !== 'processed') throw new CliError('DEMO_FAILED', `event ${event.id} (${event.type}) ended ${outcome}${lastError === null ? '' : `: ${lastError}`}`);
    return effects;
  };
  try {
    for (const [index, step] of steps.entries()) {
      io.print(`${index + 1}. ${step.title}`);
      const print = (line: string): void => {
        io.print(`  ${line}`);
      };
      await step.run({ cast, db, send, print });
    }
    io.print(`done: run \`npm run cli -- events show <id>\` for any event above`);
  } finally {
    await db.end();
  }
}
