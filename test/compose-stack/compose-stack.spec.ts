import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEvent, serializeEvent, signPayload } from '@pipeline/stripe-events';
import { sleep, waitFor } from '@pipeline/testkit';
import { composeProject, stopContainer, type ComposeProject } from './compose.ts';

/*
 * docker-compose.yml on a real engine: the product image built from the Dockerfile, the stack
 * up with three workers, signed events posted to the ingest, one worker stopped mid-stream,
 * and every event applied exactly once. On a machine without a registry the base images are
 * the stand-ins scripts/containers/setup.sh builds.
 */

// docker-compose.yml's defaults (fake example values).
const platformSecret = 'whsec_local_platform_example';
const databaseUser = 'pipeline';
const databasePassword = 'pipeline_local_example';

let project: ComposeProject | undefined;
let database: pg.Client | undefined;

function connected(): pg.Client {
  if (database === undefined) throw new Error('no database connection');
  return database;
}

function stack(): ComposeProject {
  if (project === undefined) throw new Error('the compose stack did not start');
  return project;
}

/** Containers of a service as compose reports them (`ps --format json`: one JSON object a line). */
async function containers(service: string): Promise<{ Name: string; State: string; Health: string }[]> {
  const out = await stack().compose(['ps', '--all', '--format', 'json', service]);
  return out
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as { Name: string; State: string; Health: string });
}

async function healthy(service: string, count: number): Promise<boolean> {
  const found = await containers(service);
  return found.filter((container) => container.State === 'running' && container.Health === 'healthy').length === count;
}

/** Posts one signed event as Stripe would, again after a non-2xx (Stripe resends). */
async function deliver(id: string): Promise<void> {
  const body = serializeEvent(buildEvent({ id, type: 'customer.created' }));
  await waitFor(
    async () => {
      const response = await fetch(`http://127.0.0.1:${stack().ports.ingest}/webhooks/platform`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': signPayload(body, platformSecret) },
        body,
        signal: AbortSignal.timeout(10_000),
      }).catch(() => undefined);
      return response?.ok === true;
    },
    { timeoutMs: 60_000, intervalMs: 500, what: `a 2xx for ${id}` },
  );
}

beforeAll(async () => {
  const started = await composeProject(`pipeline-compose-${randomBytes(3).toString('hex')}`);
  project = started;
  await started.compose(['build'], { timeoutMs: 1_100_000 });
  await started.compose(['up', '--detach', '--no-build', '--scale', 'worker=3'], { timeoutMs: 300_000 });
  await waitFor(async () => (await healthy('ingest', 1)) && (await healthy('worker', 3)), {
    timeoutMs: 180_000,
    intervalMs: 2_000,
    what: 'the ingest and three workers healthy',
  });
  database = new pg.Client({ connectionString: `postgres://${databaseUser}:${databasePassword}@127.0.0.1:${started.ports.postgres}/pipeline` });
  await database.connect();
});

afterAll(async () => {
  await database?.end().catch(() => undefined);
  if (project !== undefined) {
    // Every container's output, kept for a failed run to be read after the stack is gone.
    const logs = await project.compose(['logs', '--no-color']).catch((err: unknown) => String(err));
    const logFile = join(tmpdir(), `${project.name}.log`);
    await writeFile(logFile, logs);
    console.log(`compose logs: ${logFile}`);
    await project.compose(['down', '--volumes', '--remove-orphans', '--timeout', '10'], { timeoutMs: 180_000 });
  }
});

describe('the compose stack with three workers', () => {
  it('applies every signed event exactly once, shared by the workers, while one worker is stopped mid-stream', async () => {
    const ids = Array.from({ length: 120 }, (_, i) => `evt_compose${String(i).padStart(4, '0')}${randomBytes(4).toString('hex')}`);
    const first = ids.slice(0, 60);
    const rest = ids.slice(60);

    // A steady stream, and a worker stopped (SIGTERM, as an orchestrator would) while it runs.
    const stream = (async () => {
      for (const id of first) {
        await deliver(id);
        await sleep(20);
      }
    })();
    await sleep(500);
    const [stopped] = await containers('worker');
    if (stopped === undefined) throw new Error('no worker container');
    await stopContainer(stopped.Name);
    await stream;
    for (const id of rest) await deliver(id);

    const rows = await waitFor(
      async () => {
        const { rows } = await connected().query<{ id: string; outcome: string; attempts: number }>(
          'SELECT id, outcome, attempts FROM stripe_events WHERE id = ANY($1)',
          [ids],
        );
        return rows.length === ids.length && rows.every((row) => row.outcome !== 'retrying') ? rows : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1_000, what: 'every event recorded with a final outcome' },
    );
    expect(new Set(rows.map((row) => row.id))).toEqual(new Set(ids));
    expect(rows.every((row) => row.outcome === 'ignored' || row.outcome === 'processed')).toBe(true);
    expect((await containers('worker')).find((container) => container.Name === stopped.Name)?.State).toBe('exited');

    // Each worker's log names the events it handled: the three shared the stream.
    const logs = await stack().compose(['logs', '--no-color', 'worker']);
    const handledBy = new Map<string, number>();
    for (const line of logs.split('\n')) {
      if (!line.includes('event handled')) continue;
      const container = line.slice(0, line.indexOf('|')).trim();
      handledBy.set(container, (handledBy.get(container) ?? 0) + 1);
    }
    expect(handledBy.size).toBe(3);
    expect([...handledBy.values()].reduce((sum, n) => sum + n, 0)).toBeGreaterThanOrEqual(ids.length);
  });
});
