import { describe, expect, inject, it } from 'vitest';
import { sleep, waitFor } from '@pipeline/testkit';
import { runScenario, violations, type ScenarioContext } from './scenario.ts';

const services = inject('services');

/** The release sweep at test speed: a round every half second, retries a second or two apart. */
const sweepEnv = { TRANSFER_SWEEP_INTERVAL_MS: '500', TRANSFER_FUNDS_RETRY_DELAYS: '2s', TRANSFER_RELEASE_RETRY_DELAYS: '1s' };

/** Held transfers that are waiting for a retry (funds or a failed release), not for a host's payouts. */
async function retryingTransfers(context: ScenarioContext): Promise<number> {
  const { rows } = await context.stack.db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM host_transfers WHERE status = 'held' AND hold_reason IN ('awaiting_funds', 'release_failed')`,
  );
  return rows[0]?.n ?? 0;
}

/** Waits (up to `timeoutMs`) until the release sweep has paid every transfer that waited for a retry; notes it if not. */
async function sweepDrained(context: ScenarioContext, timeoutMs: number): Promise<void> {
  const drained = await waitFor(async () => (await retryingTransfers(context)) === 0, { timeoutMs, intervalMs: 500 }).then(
    () => true,
    () => false,
  );
  if (!drained) context.note(`${await retryingTransfers(context)} transfer(s) still held for a retry after ${timeoutMs} ms`);
  else context.fault('release sweep: no transfer left waiting for a retry');
}

/** The same traffic under both faults: enough invoices that a fault hits many transfers. */
const workload = { hosts: 8, subscriptions: 20, invoices: 60, paymentFailures: 5, ignored: 10, deadLetters: 1 };

describe('Stripe faults on transfers', () => {
  it('pays every host once when Stripe saves 500s under the idempotency keys', async () => {
    const report = await runScenario(
      {
        name: 'stripe faults: 500s saved under idempotency keys',
        ratePerSecond: 14,
        workerEnv: sweepEnv,
        workload,
        async faults(context) {
          const { emulator } = context.stack;
          await context.at(1);
          // As in the issue: 15% of transfer creates answered 500, each answer kept under its key
          // for 24 hours; some of them after the transfer was made.
          await emulator.injectFault({ path: '/v1/transfers', method: 'POST', status: 500, saved: true, afterEffect: true, probability: 0.05 });
          await emulator.injectFault({ path: '/v1/transfers', method: 'POST', status: 500, saved: true, probability: 0.15 });
          context.fault('Stripe transfers: 15% answered 500 and saved under the key, 5% more made and then answered 500 (saved)');
          try {
            await sleep(8_000);
          } finally {
            await emulator.clearFaults();
          }
          context.fault('Stripe transfers: healthy');
          await sweepDrained(context, 30_000);
          const { rows } = await context.stack.db.pool.query<{ generation: number; n: number }>(
            `SELECT key_generation AS generation, count(*)::int AS n FROM host_transfers WHERE status = 'paid' GROUP BY 1 ORDER BY 1`,
          );
          context.note(`paid transfers by idempotency-key generation: ${rows.map((r) => `g${r.generation}: ${r.n}`).join(', ')}`);
        },
      },
      services,
    );
    expect(violations(report)).toEqual([]);
  });

  it('pays every host once when Stripe answers balance_insufficient until the funds arrive', async () => {
    const report = await runScenario(
      {
        name: 'stripe faults: balance_insufficient until funds arrive',
        ratePerSecond: 14,
        workerEnv: sweepEnv,
        workload,
        async faults(context) {
          const { emulator } = context.stack;
          // Half the invoices were paid out of band: no charge, so their transfers draw on the
          // available balance, which is empty until the funds arrive.
          const outOfBand = context.workload.expected.invoices.filter((_, index) => index % 2 === 0);
          await emulator.setAvailableBalance(0);
          await emulator.seedInvoices(outOfBand.map((id) => ({ id, paidBy: 'none' as const })));
          context.fault(`available balance 0; ${outOfBand.length} invoices paid out of band (no charge)`);
          await context.at(8);
          const { rows } = await context.stack.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM host_transfers WHERE hold_reason = 'awaiting_funds'`);
          await emulator.setAvailableBalance(100_000_000);
          context.fault(`funds available (${rows[0]?.n ?? 0} transfer(s) were awaiting funds)`);
          await sweepDrained(context, 40_000);
        },
      },
      services,
    );
    expect(violations(report)).toEqual([]);
  });
});
