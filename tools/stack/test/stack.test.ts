import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildEvent, serializeEvent, signPayload } from '@pipeline/stripe-events';
import {
  containerRuntimeAvailable,
  createTestBroker,
  createTestDatabase,
  startApp,
  waitFor,
  type RunningProcess,
  type TestBroker,
  type TestDatabase,
} from '@pipeline/testkit';
import { bannerTitle } from '../src/banner.ts';

const entry = 'tools/stack/src/main.ts';
const platformSecret = 'whsec_test_platform_stack';
/** One short retry delay, so the test knows which retry queue the workers declare and can delete it. */
const retryDelayMs = 1_000;
/** With a container runtime the stack would start RabbitMQ instead of failing. */
const runtimeAvailable = await containerRuntimeAvailable();

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start (the whole stack in one process)', () => {
  const services = inject('services');
  let broker: TestBroker;
  let database: TestDatabase;
  let stack: RunningProcess | undefined;
  /** Every child the stack reported, killed after each test should the stack have left one behind. */
  let childPids: number[] = [];

  /** The stack on free ports, with this file's topology and database. */
  function startStack(workers: number): RunningProcess {
    stack = startApp(entry, {
      RABBITMQ_URL: services.rabbitmqUrl,
      DATABASE_URL: database.url,
      TOPOLOGY_PREFIX: broker.prefix,
      STRIPE_WEBHOOK_SECRET_PLATFORM: platformSecret,
      STRIPE_WEBHOOK_SECRET_CONNECT: 'whsec_test_connect_stack',
      INGEST_PORT: '0',
      INGEST_METRICS_PORT: '0',
      EMULATOR_PORT: '0',
      WORKER_METRICS_PORT: '0',
      CONSOLE_PORT: '0',
      WORKERS: String(workers),
      STACK_CONTAINERS: 'never',
      // Not a stack variable: passed through to the workers.
      WORKER_RETRY_DELAYS: `${retryDelayMs}ms`,
    });
    return stack;
  }

  /** Waits for the stack's `stack ready` line and returns the children it lists. */
  async function readyChildren(running: RunningProcess): Promise<Array<{ name: string; pid: number; url: string; metricsUrl?: string }>> {
    const ready = await running.waitForLog((line) => line.msg === 'stack ready', 60_000);
    const children = ready.children as Array<{ name: string; pid: number; url: string; metricsUrl?: string }>;
    childPids = children.map((child) => child.pid);
    return children;
  }

  beforeAll(async () => {
    broker = await createTestBroker(services.rabbitmqUrl);
    database = await createTestDatabase(services.databaseUrl, services.templateDatabase);
  });

  afterEach(async () => {
    await stack?.stop('SIGTERM', 30_000);
    for (const pid of childPids.filter(isAlive)) process.kill(pid, 'SIGKILL');
    childPids = [];
  });

  afterAll(async () => {
    await broker.cleanup([retryDelayMs]);
    await database.drop();
  });

  it('runs ingest, workers and emulator until an event sent to the ingest is applied, then stops them all on SIGINT', async () => {
    const running = startStack(2);
    const children = await readyChildren(running);
    expect(children.map((child) => child.name).sort()).toEqual(['ingest', 'stripe-emulator', 'worker-1', 'worker-2']);
    const ingest = children.find((child) => child.name === 'ingest');
    await waitFor(() => running.output().includes(bannerTitle), { what: 'the banner' });
    expect(running.output()).toMatch(/^ingest +\| \{/m);
    // The console runs too, its URL and login token in the banner, and the token lets one in.
    const consoleLine = /console +(http:\/\/127\.0\.0\.1:\d+) +log in with CONSOLE_TOKEN=(\S+)/.exec(running.output());
    expect(consoleLine).not.toBeNull();
    const [, consoleUrl, consoleToken] = consoleLine!;
    expect((await fetch(`${consoleUrl}/system`, { headers: { authorization: `Bearer ${consoleToken}` } })).status).toBe(200);
    expect((await fetch(`${consoleUrl}/system`)).status).toBe(401);

    const event = buildEvent({ type: 'customer.subscription.created' });
    const payload = serializeEvent(event);
    const response = await fetch(`${ingest!.url}/webhooks/platform`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signPayload(payload, platformSecret) },
      body: payload,
    });
    expect(response.status).toBe(200);
    // The ingest's metrics are on their own listener, not on the webhook port.
    expect((await fetch(`${ingest!.metricsUrl}/metrics`)).status).toBe(200);
    expect((await fetch(`${ingest!.url}/metrics`)).status).toBe(404);

    const subscriptionId = (event.data.object as { id: string }).id;
    const row = await waitFor(
      async () => (await database.pool.query<{ status: string }>('SELECT status FROM subscriptions WHERE id = $1', [subscriptionId])).rows[0],
      { timeoutMs: 15_000, what: `subscription ${subscriptionId} in the database` },
    );
    expect(row.status).toBe('active');

    expect(await running.stop('SIGINT', 60_000)).toBe(0);
    expect(children.filter((child) => isAlive(child.pid))).toEqual([]);
  });

  it('says which process died, stops the others and exits 1 when a child dies', async () => {
    const running = startStack(1);
    const children = await readyChildren(running);
    const worker = children.find((child) => child.name === 'worker-1');
    process.kill(worker!.pid, 'SIGKILL');

    expect(await running.exited).toBe(1);
    expect(running.output()).toMatch(/^worker-1 exited unexpectedly \(SIGKILL\); stopping the stack$/m);
    expect(children.filter((child) => isAlive(child.pid))).toEqual([]);
  });
});

describe('npm start without a broker', () => {
  async function expectBrokerReported(stackContainers: 'auto' | 'never', why: RegExp): Promise<void> {
    const stack = startApp(entry, {
      RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:1',
      DATABASE_URL: inject('services').databaseUrl,
      STACK_CONTAINERS: stackContainers,
    });
    expect(await stack.exited).toBe(1);
    const lines = stack.output().trim().split('\n').filter((line) => !line.startsWith('{'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^RabbitMQ is unreachable at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1 /);
    expect(lines[0]).toMatch(why);
    expect(lines[0]).toMatch(/`rabbitmq-server -detached`.*or set RABBITMQ_URL$/);
  }

  it.skipIf(runtimeAvailable)('exits 1 with one line naming RabbitMQ and its address when no container runtime can start it', async () => {
    await expectBrokerReported('auto', /no container runtime was found/);
  });

  it('exits 1 with the same line when starting containers is turned off', async () => {
    await expectBrokerReported('never', /STACK_CONTAINERS=never/);
  });
});
