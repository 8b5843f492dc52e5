import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentError } from '@pipeline/core';
import { buildEvent } from '@pipeline/stripe-events';
import { updateHostOnboarding } from '../../src/commands/update-host-onboarding.ts';
import { deauthorizeHost } from '../../src/commands/deauthorize-host.ts';
import { flagHostPayoutFailure } from '../../src/commands/flag-host-payout-failure.ts';
import { clearHostPayoutFailure } from '../../src/commands/clear-host-payout-failure.ts';
import { accountUpdatedEvent as accountUpdated, givenHostTransfer, newHost, onboardedAccount as onboarded } from './given.ts';
import { createCommandHarness, type CommandHarness } from './harness.ts';

let harness: CommandHarness;
beforeAll(async () => {
  harness = await createCommandHarness();
});
afterAll(async () => {
  await harness.close();
});

const t0 = 1_780_000_000;

async function hostRow(account: string): Promise<Record<string, unknown> | undefined> {
  return (await harness.query('SELECT * FROM hosts WHERE account_id = $1', [account]))[0];
}

const onboarding = { charges_enabled: false, payouts_enabled: false, details_submitted: false };

describe('UpdateHostOnboarding', () => {
  it('stores the onboarding state and the requirements due, current then past due', async () => {
    const host = newHost();
    const event = accountUpdated(host, t0, {
      ...onboarding,
      details_submitted: true,
      requirements: { currently_due: ['external_account', 'tos_acceptance.date'], past_due: ['tos_acceptance.date', 'individual.id_number'] },
    });
    const result = await harness.run(updateHostOnboarding, event);
    expect(result).toEqual({
      outcome: 'processed',
      effects: {
        hostAccountId: host,
        chargesEnabled: false,
        payoutsEnabled: false,
        detailsSubmitted: true,
        requirementsDue: ['external_account', 'tos_acceptance.date', 'individual.id_number'],
        deauthorized: false,
        released: [],
      },
    });
    expect(await hostRow(host)).toMatchObject({
      charges_enabled: false,
      payouts_enabled: false,
      details_submitted: true,
      requirements_due: ['external_account', 'tos_acceptance.date', 'individual.id_number'],
      onboarding_event_created: new Date(t0 * 1000),
    });
  });

  it('answers stale to an account update older than the last applied, keeping the newer state', async () => {
    const host = newHost();
    await harness.run(updateHostOnboarding, accountUpdated(host, t0 + 50, onboarded));
    const result = await harness.run(updateHostOnboarding, accountUpdated(host, t0, onboarding));
    expect(result).toEqual({ outcome: 'stale', effects: { hostAccountId: host } });
    expect(await hostRow(host)).toMatchObject({ payouts_enabled: true, charges_enabled: true, onboarding_event_created: new Date((t0 + 50) * 1000) });
  });

  it('applies an update of the same second: the later arrival wins', async () => {
    const host = newHost();
    await harness.run(updateHostOnboarding, accountUpdated(host, t0, onboarding));
    expect((await harness.run(updateHostOnboarding, accountUpdated(host, t0, onboarded))).outcome).toBe('processed');
    expect((await hostRow(host))?.payouts_enabled).toBe(true);
  });

  it('keeps held transfers held while payouts stay disabled', async () => {
    const host = newHost();
    const invoice = await givenHostTransfer(harness, host, 'held');
    const result = await harness.run(updateHostOnboarding, accountUpdated(host, t0, { ...onboarded, payouts_enabled: false }));
    expect(result.effects).toMatchObject({ released: [] });
    const rows = await harness.query('SELECT status FROM host_transfers WHERE invoice_id = $1', [invoice]);
    expect(rows).toEqual([{ status: 'held' }]);
  });

  it('refuses for good an account without payouts_enabled, naming the field', async () => {
    const host = newHost();
    const failure = harness.run(updateHostOnboarding, accountUpdated(host, t0, { payouts_enabled: undefined }));
    await expect(failure).rejects.toBeInstanceOf(PermanentError);
    await expect(failure).rejects.toThrow(/data\.object\.payouts_enabled/);
  });

  it('refuses for good an account object that is not the event account', async () => {
    const event = accountUpdated(newHost(), t0, { id: newHost() });
    await expect(harness.run(updateHostOnboarding, event)).rejects.toThrow(/data\.object\.id is not the event's account/);
  });
});

describe('DeauthorizeHost', () => {
  it('hides the listings, blocks held transfers and leaves paid ones alone', async () => {
    const host = newHost();
    await harness.run(updateHostOnboarding, accountUpdated(host, t0, onboarding));
    const held = await givenHostTransfer(harness, host, 'held');
    const paid = await givenHostTransfer(harness, host, 'paid');
    const event = buildEvent({ type: 'account.application.deauthorized', account: host, created: t0 + 100 });

    const result = await harness.run(deauthorizeHost, event);
    expect(result).toEqual({
      outcome: 'processed',
      effects: { hostAccountId: host, deauthorizedAt: new Date((t0 + 100) * 1000).toISOString(), listingsHidden: true, blockedTransfers: [{ invoiceId: held, amount: 1234 }] },
    });
    expect(await hostRow(host)).toMatchObject({ deauthorized_at: new Date((t0 + 100) * 1000), listings_hidden: true });
    const rows = await harness.query('SELECT invoice_id, status FROM host_transfers WHERE host_account_id = $1 ORDER BY status', [host]);
    expect(rows).toEqual([
      { invoice_id: held, status: 'blocked' },
      { invoice_id: paid, status: 'paid' },
    ]);
  });

  it('records a host heard of first through its deauthorization, and keeps the earliest time', async () => {
    const host = newHost();
    await harness.run(deauthorizeHost, buildEvent({ type: 'account.application.deauthorized', account: host, created: t0 + 100 }));
    await harness.run(deauthorizeHost, buildEvent({ type: 'account.application.deauthorized', account: host, created: t0 }));
    await harness.run(deauthorizeHost, buildEvent({ type: 'account.application.deauthorized', account: host, created: t0 + 500 }));
    expect(await hostRow(host)).toMatchObject({ deauthorized_at: new Date(t0 * 1000), listings_hidden: true, payouts_enabled: false });
  });

  it('never releases held transfers of a deauthorized host, even once its payouts are enabled', async () => {
    const host = newHost();
    await harness.run(deauthorizeHost, buildEvent({ type: 'account.application.deauthorized', account: host, created: t0 }));
    const invoice = await givenHostTransfer(harness, host, 'held'); // e.g. recorded before the deauthorization by a concurrent path
    const result = await harness.run(updateHostOnboarding, accountUpdated(host, t0 + 10, onboarded));
    expect(result.effects).toMatchObject({ payoutsEnabled: true, deauthorized: true, released: [] });
    expect(await harness.query('SELECT status FROM host_transfers WHERE invoice_id = $1', [invoice])).toEqual([{ status: 'held' }]);
  });

  it('refuses for good a deauthorization that names no account', async () => {
    const event = buildEvent({ type: 'account.application.deauthorized', created: t0 });
    const failure = harness.run(deauthorizeHost, event);
    await expect(failure).rejects.toBeInstanceOf(PermanentError);
    await expect(failure).rejects.toThrow(/account: a Connect event must name its connected account/);
  });
});

describe('FlagHostPayoutFailure and ClearHostPayoutFailure', () => {
  const payoutFailed = (host: string, created: number, object: Record<string, unknown> = {}) => buildEvent({ type: 'payout.failed', account: host, created, object });
  const externalAccountUpdated = (host: string, created: number, object: Record<string, unknown> = {}) =>
    buildEvent({ type: 'account.external_account.updated', account: host, created, object });

  it('records the failure code, payout and time on the host', async () => {
    const host = newHost();
    const event = payoutFailed(host, t0);
    const payout = event.data.object as Stripe.Payout;
    const result = await harness.run(flagHostPayoutFailure, event);
    expect(result).toEqual({ outcome: 'processed', effects: { hostAccountId: host, payoutId: payout.id, failureCode: 'account_closed' } });
    expect(await hostRow(host)).toMatchObject({
      payout_failure_code: 'account_closed',
      payout_failure_payout_id: payout.id,
      payout_failed_at: new Date(t0 * 1000),
      payout_event_created: new Date(t0 * 1000),
    });
  });

  it('clears the flag when the host updates its external account', async () => {
    const host = newHost();
    await harness.run(flagHostPayoutFailure, payoutFailed(host, t0));
    const event = externalAccountUpdated(host, t0 + 3_600);
    const result = await harness.run(clearHostPayoutFailure, event);
    expect(result).toMatchObject({ outcome: 'processed', effects: { hostAccountId: host, cleared: true } });
    expect(await hostRow(host)).toMatchObject({ payout_failure_code: null, payout_failure_payout_id: null, payout_failed_at: null });
  });

  it('answers stale to a clear older than the failure, keeping the flag', async () => {
    const host = newHost();
    await harness.run(flagHostPayoutFailure, payoutFailed(host, t0 + 100));
    expect((await harness.run(clearHostPayoutFailure, externalAccountUpdated(host, t0))).outcome).toBe('stale');
    expect((await hostRow(host))?.payout_failure_code).toBe('account_closed');
  });

  it('answers stale to a failure older than the clear that followed it', async () => {
    const host = newHost();
    await harness.run(clearHostPayoutFailure, externalAccountUpdated(host, t0 + 100));
    expect((await harness.run(flagHostPayoutFailure, payoutFailed(host, t0))).outcome).toBe('stale');
    expect((await hostRow(host))?.payout_failed_at).toBeNull();
  });

  it('keeps the failure when a clear of the same second arrives after it', async () => {
    const host = newHost();
    await harness.run(flagHostPayoutFailure, payoutFailed(host, t0));
    expect((await harness.run(clearHostPayoutFailure, externalAccountUpdated(host, t0))).outcome).toBe('stale');
    expect((await hostRow(host))?.payout_failure_code).toBe('account_closed');
  });

  it('does not clear the flag for an external account Stripe marked errored', async () => {
    const host = newHost();
    await harness.run(flagHostPayoutFailure, payoutFailed(host, t0));
    const result = await harness.run(clearHostPayoutFailure, externalAccountUpdated(host, t0 + 1, { status: 'errored' }));
    expect(result).toMatchObject({ outcome: 'processed', effects: { cleared: false, reason: 'external account errored' } });
    expect((await hostRow(host))?.payout_failure_code).toBe('account_closed');
  });

  it('does not touch the onboarding state, nor does onboarding touch the payout flag', async () => {
    const host = newHost();
    await harness.run(updateHostOnboarding, accountUpdated(host, t0 + 500, onboarded));
    await harness.run(flagHostPayoutFailure, payoutFailed(host, t0));
    // An older account.updated is stale for onboarding only; the payout stamp is its own.
    expect((await harness.run(updateHostOnboarding, accountUpdated(host, t0 + 100, onboarding))).outcome).toBe('stale');
    expect(await hostRow(host)).toMatchObject({ payouts_enabled: true, payout_failure_code: 'account_closed' });
  });

  it('refuses for good a payout without an id, naming the field', async () => {
    const failure = harness.run(flagHostPayoutFailure, payoutFailed(newHost(), t0, { id: null }));
    await expect(failure).rejects.toBeInstanceOf(PermanentError);
    await expect(failure).rejects.toThrow(/data\.object\.id/);
  });
});
