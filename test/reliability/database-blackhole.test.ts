import { describe, expect, inject, it } from 'vitest';
import { sleep, startTcpProxy, waitFor, type TcpProxy } from '@pipeline/testkit';
import { runScenario, violations } from './scenario.ts';

const services = inject('services');

/**
 * Small database bounds for every worker, so a vanished session's locks are freed within
 * seconds (idle-in-transaction 3 s) and a worker waiting on them gives up a try after 2 s.
 * Stripe's 1 s client timeout with no SDK retry fits inside the idle-in-transaction bound.
 */
const boundedDatabase = {
  DATABASE_LOCK_TIMEOUT_MS: '2000',
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '3000',
  DATABASE_STATEMENT_TIMEOUT_MS: '2500',
  DATABASE_QUERY_TIMEOUT_MS: '3000',
  DATABASE_CONNECT_TIMEOUT_MS: '1000',
  WORKER_DATABASE_CHECK_INTERVAL_MS: '500',
};

function targetOf(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

describe('database black hole', () => {
  it('loses nothing and does nothing twice when a worker drops off the network mid-transaction', async () => {
    const own: TcpProxy[] = [];
    const report = await runScenario(
      {
        name: 'database black hole: a worker vanishes mid-transaction, then comes back',
        ratePerSecond: 12,
        workers: 1,
        workerEnv: boundedDatabase,
        workload: { hosts: 8, subscriptions: 45, invoices: 80, paymentFailures: 8, ignored: 25, deadLetters: 1 },
        async faults(context) {
          const { stack } = context;
          // The doomed worker reaches PostgreSQL and RabbitMQ through links of its own, so only
          // its network fails; its broker heartbeat is short so the broker notices in seconds.
          const [database, broker] = await Promise.all([startTcpProxy({ target: targetOf(stack.db.url) }), startTcpProxy({ target: targetOf(services.rabbitmqUrl) })]);
          own.push(database, broker);
          const rabbitUrl = new URL(broker.url(services.rabbitmqUrl));
          rabbitUrl.searchParams.set('heartbeat', '2');
          try {
            const doomed = await stack.startWorker({ DATABASE_URL: database.url(stack.db.url), RABBITMQ_URL: rabbitUrl.toString() });
            context.fault(`${doomed.name} started on links of its own`);
            // Commands hold their transaction across the call to Stripe: make that call slow so
            // the worker vanishes with transactions open and event locks held.
            await context.at(3);
            await stack.emulator.injectFault({ path: '/v1/transfers', method: 'POST', status: 200, delayMs: 600 });
            context.fault('Stripe transfers: 600 ms each (transactions stay open meanwhile)');
            await waitFor(async () => (await stack.inFlight(doomed).catch(() => 0)) > 0, { timeoutMs: 5_000, intervalMs: 20 }).catch(() => undefined);
            const holding = await stack.inFlight(doomed).catch(() => -1);
            if (holding <= 0) context.note(`${doomed.name} held no message when it vanished (machine too slow?): this run proves less than it should`);
            database.blackhole();
            broker.blackhole();
            context.fault(`${doomed.name} drops off the network holding ${holding} message(s): its database and broker links black-holed (sockets open, nothing passes)`);
            await sleep(10_000);
            await stack.emulator.clearFaults();
            database.resume();
            broker.resume();
            context.fault(`${doomed.name} back on the network`);
          } finally {
            for (const proxy of own) proxy.resume();
            await stack.emulator.clearFaults();
          }
        },
      },
      services,
    );
    await Promise.all(own.map((proxy) => proxy.close()));
    expect(violations(report)).toEqual([]);
  });
});
