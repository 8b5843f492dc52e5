import { describe, expect, inject, it } from 'vitest';
import { sleep, type TcpProxy } from '@pipeline/testkit';
import { runScenario, violations, type ScenarioContext } from './scenario.ts';

const services = inject('services');

/** Takes a link down with `pause()` for `downMs`, then `resume()`; returns when it was down and back. */
async function outage(context: ScenarioContext, proxy: TcpProxy, link: string, downMs: number): Promise<{ faultAt: number; recoverAt: number }> {
  const faultAt = Date.now();
  proxy.pause();
  context.fault(`${link}: down (connections reset, new ones refused) for ${downMs} ms`);
  try {
    await sleep(downMs);
  } finally {
    proxy.resume();
  }
  context.fault(`${link}: back`);
  return { faultAt, recoverAt: Date.now() };
}

describe('network faults', () => {
  it('loses nothing and does nothing twice while the broker and database links drop, stall and go down', async () => {
    const report = await runScenario(
      {
        name: 'network faults: broker and database links cut, delayed, down',
        ratePerSecond: 12,
        workload: { hosts: 8, subscriptions: 55, invoices: 90, paymentFailures: 10, ignored: 30, deadLetters: 1 },
        async faults(context) {
          const { ingestBroker, workerBroker, workerDatabase } = context.stack.proxies;
          try {
            // Commands hold their transaction across the call to Stripe: make that call slow so
            // the database goes away while transactions are open, not only between them.
            await context.at(2);
            await context.stack.emulator.injectFault({ path: '/v1/transfers', method: 'POST', status: 200, delayMs: 600 });
            context.fault('Stripe transfers: 600 ms each (transactions stay open meanwhile)');
            await context.at(3);
            await outage(context, workerDatabase, 'workers ↔ PostgreSQL', 4_000);
            await context.stack.emulator.clearFaults();
            context.fault('Stripe transfers: fast again');

            await context.at(8);
            const cutAt = Date.now();
            ingestBroker.cut();
            context.fault('ingest ↔ broker: every connection reset (cut), reconnect allowed');
            context.measure({ label: 'ingest ↔ broker cut', faultAt: cutAt, recoverAt: cutAt, refusal: 'http-503', strictFrom: 'fault' });

            // Slower than the ingest's 1.5 s confirm timeout: events reach the queue but are
            // answered 503, so Stripe sends them again and the workers must deduplicate them.
            await context.at(10);
            ingestBroker.delay(2_000);
            context.fault('ingest ↔ broker: 2 s latency each way (confirm timeout is 1.5 s)');
            await sleep(3_000);
            ingestBroker.delay(0);
            context.fault('ingest ↔ broker: latency removed');

            await context.at(14);
            const down = await outage(context, ingestBroker, 'ingest ↔ broker', 4_000);
            context.measure({ label: 'ingest ↔ broker down 4 s (pause → resume)', ...down, refusal: 'http-503', strictFrom: 'fault' });

            // A slow, flapping link: the workers reconnect at 150 ms each way, so the handshake
            // takes about 1.5 s and setting up again (channels, topology, consumer: some 25
            // round trips) several more, and the link drops again in the middle of the setup.
            await context.at(21);
            workerBroker.delay(150);
            workerBroker.cut();
            context.fault('workers ↔ broker: every connection reset (cut), reconnecting at 150 ms latency each way');
            await context.at(25);
            await outage(context, workerBroker, 'workers ↔ broker (while the workers set up again)', 3_000);
            workerBroker.delay(0);

            await context.at(29);
            workerBroker.delay(300);
            context.fault('workers ↔ broker: 300 ms latency each way');
            await sleep(2_000);
          } finally {
            for (const proxy of [ingestBroker, workerBroker, workerDatabase]) {
              proxy.resume();
              proxy.delay(0);
            }
            await context.stack.emulator.clearFaults();
            context.fault('every link healthy');
          }
        },
      },
      services,
    );
    expect(violations(report)).toEqual([]);
  });
});
