import { describe, expect, inject, it } from 'vitest';
import { sleep } from '@pipeline/testkit';
import { runScenario, violations, type ScenarioContext } from './scenario.ts';

const services = inject('services');

/** SIGKILLs the ingest, starts it again on the same port after `downMs`, and measures the gap. */
async function crashIngest(context: ScenarioContext, downMs: number): Promise<void> {
  const faultAt = Date.now();
  await context.stack.killIngest();
  context.fault(`SIGKILL the ingest; restart in ${downMs} ms`);
  await sleep(downMs);
  const recoverAt = Date.now();
  await context.stack.startIngest();
  context.fault('ingest answering again');
  context.measure({ label: `ingest SIGKILL, down ${downMs} ms (refusal = connection error)`, faultAt, recoverAt, refusal: 'connection', strictFrom: 'fault' });
}

describe('process crashes', () => {
  it('processes every acknowledged event exactly once while workers and the ingest are SIGKILLed mid-stream', async () => {
    const report = await runScenario(
      {
        name: 'process crashes: workers and ingest SIGKILLed',
        ratePerSecond: 15,
        workload: { hosts: 8, subscriptions: 50, invoices: 80, paymentFailures: 10, ignored: 30, deadLetters: 1 },
        async faults(context) {
          const { emulator } = context.stack;
          // Commands last long enough to be caught mid-way: every transfer waits 150 ms before
          // Stripe acts, and some are made at Stripe whose answer is lost (the worker rolls
          // back, so a replacement must get the same transfer back through its idempotency key).
          await emulator.injectFault({ path: '/v1/transfers', method: 'POST', status: 502, afterEffect: true, delayMs: 400, count: 20 });
          await emulator.injectFault({ path: '/v1/transfers', method: 'POST', status: 200, delayMs: 150 });
          context.fault('Stripe: transfers take 150 ms; 20 of them made, then answered 502 after 400 ms');
          try {
            await context.at(2);
            await context.killWorker();
            await context.at(4);
            await crashIngest(context, 1_500);
            await context.at(8);
            await context.killWorker();
            await context.at(10);
            // Both at once: for a second nobody consumes, and every message in hand goes back.
            await Promise.all(context.stack.workers.slice(0, 2).map((worker) => context.killWorker(worker, { replace: false })));
            await sleep(1_000);
            context.addWorker();
            context.addWorker();
            await context.at(13);
            await crashIngest(context, 300);
            await context.at(16);
            await context.killWorker();
            await context.at(18);
            await context.killWorker(context.stack.workers.at(-1));
          } finally {
            await emulator.clearFaults();
            context.fault('Stripe faults cleared');
          }
        },
      },
      services,
    );
    expect(violations(report)).toEqual([]);
  });
});
