import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { declareTopology, eventMessageProperties } from '@pipeline/broker';
import { buildEvent, serializeEvent } from '@pipeline/stripe-events';
import { createTestBroker, createTestDatabase, repoRoot, type TestBroker, type TestDatabase } from '@pipeline/testkit';
import { cliEntry } from './cli.ts';

const services = inject('services');
const backlog = 10_000;
/** Generous: the CLI's whole process, Node and TypeScript-from-source included. */
const rssBoundMb = 200;
let broker: TestBroker;
let db: TestDatabase;
let env: Record<string, string>;

beforeAll(async () => {
  [broker, db] = await Promise.all([createTestBroker(services.rabbitmqUrl), createTestDatabase(services.databaseUrl, services.templateDatabase)]);
  await declareTopology(broker.channel, broker.names);
  env = { RABBITMQ_URL: services.rabbitmqUrl, DATABASE_URL: db.url, TOPOLOGY_PREFIX: broker.prefix };
  // One real event's body and properties, copied 10,000 times in one statement (the worker
  // would take minutes to park as many); each copy gets its own event id.
  const event = buildEvent({ type: 'invoice.paid' });
  const properties = eventMessageProperties({ id: event.id, type: event.type, endpoint: 'platform', account: undefined, livemode: false });
  await db.pool.query(
    `INSERT INTO parked_events (dedup_key, event_id, type, endpoint, livemode, body, properties, last_error, error_code, attempts, reason, parked_at)
     SELECT sha256(convert_to($1 || n, 'UTF8')), $1 || n, 'invoice.paid', 'platform', false,
            convert_to(replace($2, $1, $1 || n), 'UTF8'), jsonb_set($3::jsonb, '{messageId}', to_jsonb($1 || n)),
            'Stripe answered 500', 'TRANSIENT', 7, 'exhausted', now() - interval '1 hour'
     FROM generate_series(1, $4::int) AS n`,
    [event.id, serializeEvent(event), JSON.stringify({ ...properties, headers: { ...properties.headers, 'x-attempts': 7 } }), backlog],
  );
});

afterAll(async () => {
  await Promise.all([broker.cleanup(), db.drop()]);
});

interface Measured {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
  /** The CLI process's peak resident set, in MB. */
  readonly peakRssMb: number;
}

/** The CLI's old-generation heap limit in these runs. */
const heapLimitMb = 48;

/** Runs the CLI as a real process and reads its peak RSS (getrusage's maxRSS) as it exits. */
function runCliMeasured(args: readonly string[]): Promise<Measured> {
  const reportPeak = `process.on('exit', () => process.stderr.write('peak-rss-kb=' + process.resourceUsage().maxRSS + '\\n'))`;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      // A small V8 heap: a CLI that held the backlog would run out of it, one that holds a
      // page only collects its garbage sooner. A small young generation too, as the services
      // run with: V8's default lets it grow by up to 48 MB under allocation pressure alone,
      // which is garbage not yet collected, not memory held, and would swamp the comparison.
      ['--conditions=source', `--max-old-space-size=${heapLimitMb}`, '--max-semi-space-size=4', `--import=data:text/javascript,${encodeURIComponent(reportPeak)}`, cliEntry, ...args],
      { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : (err.signal ?? String(err.code));
        const peakKb = Number(/peak-rss-kb=(\d+)/.exec(stderr)?.[1] ?? Number.NaN);
        resolve({ code, stdout, stderr: stderr.replace(/peak-rss-kb=\d+\n/, ''), peakRssMb: peakKb / 1024 });
      },
    );
    child.stdin?.end();
  });
}

/** How far above one page's listing a whole backlog may go: one page at a time, not the backlog. */
const growthBoundMb = 40;

describe(`a backlog of ${backlog} parked events`, () => {
  it('is listed in bounded memory', async () => {
    const baseline = await runCliMeasured(['dead-letters', 'list', '--json', '--limit', '1']);
    const started = Date.now();
    const result = await runCliMeasured(['dead-letters', 'list', '--json']);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toHaveLength(backlog);
    console.info(`dead-letters list --json of ${backlog}: peak RSS ${result.peakRssMb.toFixed(0)} MB in ${Date.now() - started} ms (one event: ${baseline.peakRssMb.toFixed(0)} MB)`);
    expect(result.peakRssMb).toBeLessThan(rssBoundMb);
    expect(result.peakRssMb - baseline.peakRssMb).toBeLessThan(growthBoundMb);
  });

  it('is replayed to the work queue in bounded memory, and the table is empty afterwards', async () => {
    const started = Date.now();
    const result = await runCliMeasured(['dead-letters', 'replay', '--yes']);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`replayed ${backlog} messages from parked_events`));
    console.info(`dead-letters replay of ${backlog}: peak RSS ${result.peakRssMb.toFixed(0)} MB in ${Date.now() - started} ms`);
    expect(result.peakRssMb).toBeLessThan(rssBoundMb);
    expect(await broker.depth(broker.names.workQueue)).toBe(backlog);
    const { rows } = await db.pool.query<{ count: string }>('SELECT count(*) FROM parked_events');
    expect(Number(rows[0]?.count)).toBe(0);
  }, 120_000);
});
