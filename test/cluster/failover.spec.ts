import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestBroker, createTestDatabase, sleep, startApp, startStripeEmulator, waitFor, type RunningProcess, type StripeEmulator, type TestBroker, type TestDatabase } from '@pipeline/testkit';
import { checkInvariants, type InvariantRow } from '../reliability/invariants.ts';
import { measureOutage, type FaultWindow, type OutageTiming } from '../reliability/outage-timing.ts';
import { testIngestEnv, testWorkerEnv, webhookSecrets } from '../reliability/pipeline-stack.ts';
import { createRandom } from '../reliability/random.ts';
import { createStripeSender } from '../reliability/stripe-sender.ts';
import { buildWorkload } from '../reliability/workload.ts';
import { leaderOf, nodeOfHost, startNode, stopNode, type ClusterNode } from './cluster-control.ts';

// `npm run test:cluster`: the pipeline on a local three-node RabbitMQ cluster (every process
// given the three addresses), a Stripe-like sender at a steady rate, and two nodes stopped
// and brought back while the events flow. RABBITMQ_URL is the cluster's list here.
const services = inject('services');
const seed = Number(process.env.CLUSTER_SEED) || Math.floor(Math.random() * 2 ** 31);
const rate = 30;

let broker: TestBroker;
let db: TestDatabase;
let emulator: StripeEmulator;
const processes: RunningProcess[] = [];

beforeAll(async () => {
  [broker, db, emulator] = await Promise.all([createTestBroker(services.rabbitmqUrl), createTestDatabase(services.databaseUrl, services.templateDatabase), startStripeEmulator()]);
});

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGTERM', 10_000).catch(() => undefined)));
  await emulator.stop();
  await db.drop();
  await broker.cleanup().catch(() => undefined);
});

/** The node a process is connected to now: the host of its last "broker connected" log line. */
function connectedNode(process: RunningProcess): ClusterNode | undefined {
  const connected = process.logs.filter((line) => line.msg === 'broker connected').at(-1);
  return typeof connected?.host === 'string' ? nodeOfHost(connected.host) : undefined;
}

function printTable(title: string, header: string[], rows: string[][]): void {
  const lines = [`\n${title}`, `| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
  console.log(lines.join('\n'));
}

describe('the pipeline on a three-node RabbitMQ cluster', () => {
  it('loses nothing and doubles nothing while the work queue leader and a connected node stop and come back', async () => {
    const workload = buildWorkload({ random: createRandom(seed), hosts: 12, subscriptions: 250, invoices: 350, paymentFailures: 40, ignored: 100, deadLetters: 0 });
    for (const booking of workload.bookings) {
      await db.pool.query('INSERT INTO bookings (id, customer_id, host_account_id, hours, starts_at) VALUES ($1, $2, $3, $4, $5)', [booking.id, booking.customerId, booking.hostAccountId, booking.hours, booking.startsAt]);
    }

    const ingestPort = 20_000 + Math.floor(Math.random() * 20_000);
    const ingestUrl = `http://127.0.0.1:${ingestPort}`;
    const ingest = startApp('apps/ingest/src/main.ts', testIngestEnv({ rabbitmqUrl: services.rabbitmqUrl, topologyPrefix: broker.prefix }, ingestPort));
    processes.push(ingest);
    const workerEnv = {
      ...testWorkerEnv({ rabbitmqUrl: services.rabbitmqUrl, databaseUrl: db.url, topologyPrefix: broker.prefix, stripeApiBase: emulator.url }),
      STRIPE_SECRET_KEY: 'sk_test_fake_cluster_worker',
    };
    const workers = [startApp('apps/worker/src/main.ts', workerEnv), startApp('apps/worker/src/main.ts', workerEnv)];
    processes.push(...workers);
    await waitFor(async () => (await fetch(`${ingestUrl}/readyz`).catch(() => undefined))?.ok === true, { timeoutMs: 60_000, what: 'the ingest to be ready' });
    await Promise.all(workers.map((w) => w.waitForLog((line) => line.msg === 'listening', 60_000)));
    await Promise.all(workers.map((w) => waitFor(() => connectedNode(w) !== undefined, { timeoutMs: 60_000, what: 'a worker to connect' })));

    const sender = createStripeSender({ baseUrl: () => ingestUrl, secrets: webhookSecrets, ratePerSecond: rate });
    const startedAt = Date.now();
    const run = sender.send(workload.deliveries);
    const at = async (seconds: number): Promise<void> => {
      const wait = startedAt + seconds * 1_000 - Date.now();
      if (wait > 0) await sleep(wait);
    };
    const faults: string[][] = [];
    const fault = (what: string): void => {
      faults.push([((Date.now() - startedAt) / 1_000).toFixed(1), what]);
    };

    // 1. The node that leads the work queue.
    await at(3);
    const leader = await leaderOf(broker.names.workQueue);
    const leaderDownAt = Date.now();
    fault(`stopping clu${leader}, leader of the work queue`);
    await stopNode(leader);
    const leaderStoppedAt = Date.now();
    fault(`clu${leader} stopped`);
    // 2. A node a client is connected to (the ingest's if it is up, else a worker's).
    await at(24);
    const candidates = [ingest, ...workers].map(connectedNode).filter((n): n is ClusterNode => n !== undefined && n !== leader);
    const connected = candidates[0];
    if (connected === undefined) throw new Error('no client is connected to a running node');
    const connectedDownAt = Date.now();
    fault(`stopping clu${connected}, which ${connectedNode(ingest) === connected ? 'the ingest' : 'a worker'} is connected to (one node of three left: no quorum)`);
    await stopNode(connected);
    fault(`clu${connected} stopped`);
    // 3. Both back.
    await at(34);
    await startNode(leader);
    const leaderBackAt = Date.now();
    fault(`clu${leader} back (two of three: quorum again)`);
    await at(44);
    await startNode(connected);
    const connectedBackAt = Date.now();
    fault(`clu${connected} back`);

    // Let the sender resend until every delivery got a 2xx, then the workers finish.
    await Promise.race([run.settled, sleep(60_000)]);
    run.giveUp();
    // The test's own inspecting connection was on a node that stopped: open it again (same topology).
    const stale = broker;
    broker = await createTestBroker(services.rabbitmqUrl, stale.prefix);
    await stale.connection.close().catch(() => undefined);
    const acknowledged = sender.ledger.acknowledgedIds();
    await waitFor(
      async () => {
        const { rows } = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM stripe_events WHERE id = ANY($1) AND outcome IN ('processed', 'ignored', 'stale')", [acknowledged]);
        return rows[0]?.n === acknowledged.length && (await broker.depth(broker.names.workQueue)) === 0;
      },
      { timeoutMs: 90_000, intervalMs: 1_000, what: 'the workers to finish every acknowledged event' },
    ).catch(() => undefined);

    const windows: FaultWindow[] = [
      // The cluster heals itself here (a new leader, clients on another node): "recovery" is the node's stop completing.
      { label: `clu${leader} (work queue leader) stopped; 2 of 3 nodes up`, faultAt: leaderDownAt, recoverAt: leaderStoppedAt, refusal: 'http-503', strictFrom: 'first-refusal' },
      { label: `clu${connected} (connected) stopped too; 1 of 3 up, no quorum, until clu${leader} is back`, faultAt: connectedDownAt, recoverAt: leaderBackAt, refusal: 'http-503', strictFrom: 'first-refusal' },
      { label: `clu${connected} back; 3 of 3 up`, faultAt: connectedBackAt, recoverAt: connectedBackAt, refusal: 'http-503', strictFrom: 'first-refusal' },
    ];
    // The leader-only window ends where the second fault begins: later 503s belong to that one.
    const attemptsIn = (window: FaultWindow): typeof sender.ledger.attempts =>
      window.faultAt === leaderDownAt ? sender.ledger.attempts.filter((a) => a.endedAt < connectedDownAt) : sender.ledger.attempts;
    const timings: OutageTiming[] = windows.map((window) => measureOutage(attemptsIn(window), window));
    const invariants: InvariantRow[] = await checkInvariants({ expected: workload.expected, ledger: sender.ledger, db, broker, stripeApiBase: emulator.url });
    const summary = sender.ledger.summary();
    const statuses = Object.entries(summary.byStatus).map(([status, n]) => `${n}×${status}`).join(', ');

    console.log(`\ncluster failover: seed ${seed}, ${workload.deliveries.length} deliveries at ${rate}/s, attempts ${statuses}`);
    printTable('faults (seconds after the first event)', ['at', 'what'], faults);
    const ms = (value: number | undefined): string => (value === undefined ? '–' : `${value} ms`);
    printTable('503 windows', ['fault', 'first 503 after', '503 window', '503s', 'first 200 after recovery'], timings.map((t) => [t.label, ms(t.firstRefusalMs), ms(t.refusalWindowMs), String(t.refusals), ms(t.firstOkAfterRecoveryMs)]));
    printTable('invariants', ['invariant', 'expected', 'observed', 'ok'], invariants.map((r) => [r.invariant, r.expected, r.observed, r.ok ? 'yes' : 'NO']));

    expect(invariants.filter((r) => !r.ok)).toEqual([]);
  });
});
