import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep, waitFor } from '@pipeline/testkit';
import { checkInvariants, pipelineSettled, type InvariantRow } from './invariants.ts';
import { measureOutage, type FaultWindow } from './outage-timing.ts';
import { startPipelineStack, webhookSecrets, type PipelineStack, type ServiceUrls, type WorkerProcess } from './pipeline-stack.ts';
import { createRandom } from './random.ts';
import { publishReport, type FaultRecord, type ScenarioReport } from './report.ts';
import { createStripeSender, type SendingRun } from './stripe-sender.ts';
import { buildWorkload, type Workload, type WorkloadOptions } from './workload.ts';

/** What a scenario's fault script can do while the events flow. */
export interface ScenarioContext {
  readonly stack: PipelineStack;
  /** What is being sent, for faults aimed at some of it (e.g. the invoices). */
  readonly workload: Workload;
  /** Seconds since the first event was sent. */
  elapsed(): number;
  /** Waits until `seconds` after the first event was sent. */
  at(seconds: number): Promise<void>;
  /** Writes a line in the fault table. */
  fault(what: string): void;
  /** Registers a fault window whose effect on the ingest's answers is measured. */
  measure(window: FaultWindow): void;
  note(text: string): void;
  /**
   * SIGKILLs a worker once it is handling messages (waiting up to 2 s for that) and starts
   * its replacement in the background (a slow start must not push the next fault back).
   */
  killWorker(worker?: WorkerProcess, options?: { replace?: boolean }): Promise<void>;
  /** Starts a worker in the background; the scenario waits for it before checking. */
  addWorker(): void;
}

export interface ScenarioDefinition {
  readonly name: string;
  readonly workload: Omit<WorkloadOptions, 'random'>;
  /** New deliveries per second. */
  readonly ratePerSecond: number;
  readonly workers?: number;
  readonly workerEnv?: Readonly<Record<string, string>>;
  readonly ingestEnv?: Readonly<Record<string, string>>;
  /** Breaks things while the events flow; must undo every fault before it resolves (use finally). */
  readonly faults: (context: ScenarioContext) => Promise<void>;
  /** How long the sender keeps resending once every delivery started; default 40 s. */
  readonly resendForMs?: number;
  /** How long the pipeline may take to finish after the sender; default 60 s. */
  readonly settleTimeoutMs?: number;
}

/** A seed from RELIABILITY_SEED (to replay a run), else a fresh one that the report prints. */
function scenarioSeed(): number {
  const fromEnv = Number(process.env.RELIABILITY_SEED);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : Math.floor(Math.random() * 2 ** 31);
}

/**
 * Runs one scenario end to end: the stack as real processes, the workload's bookings in the
 * database, the Stripe-like sender at a steady rate, the fault script beside it; then waits
 * for the pipeline to finish, checks every invariant, prints and records the tables. The
 * stack is stopped whatever happens.
 */
export async function runScenario(definition: ScenarioDefinition, services: ServiceUrls): Promise<ScenarioReport> {
  const seed = scenarioSeed();
  const workload = buildWorkload({ ...definition.workload, random: createRandom(seed) });
  const crashes: string[] = [];
  const faults: FaultRecord[] = [];
  let clock = Date.now();
  const stack = await startPipelineStack({
    services,
    onCrash: (name, exit) => {
      const at = (Date.now() - clock) / 1_000;
      crashes.push(`${name} (${exit}) at ${at.toFixed(1)} s`);
      faults.push({ at, what: `${name} CRASHED (exit ${exit}); restarted` });
    },
    ...(definition.workerEnv === undefined ? {} : { workerEnv: definition.workerEnv }),
    ...(definition.ingestEnv === undefined ? {} : { ingestEnv: definition.ingestEnv }),
  });
  let sending: SendingRun | undefined;
  try {
    for (const booking of workload.bookings) {
      await stack.db.pool.query('INSERT INTO bookings (id, customer_id, host_account_id, hours, starts_at) VALUES ($1, $2, $3, $4, $5)', [
        booking.id,
        booking.customerId,
        booking.hostAccountId,
        booking.hours,
        booking.startsAt,
      ]);
    }
    await Promise.all([stack.startIngest(), ...Array.from({ length: definition.workers ?? 2 }, () => stack.startWorker())]);

    const sender = createStripeSender({ baseUrl: () => stack.ingestUrl, secrets: webhookSecrets, ratePerSecond: definition.ratePerSecond });
    const windows: FaultWindow[] = [];
    const notes: string[] = [];
    const extraRows: InvariantRow[] = [];
    const background: Array<Promise<void>> = [];
    const startedAt = Date.now();
    clock = startedAt;
    const run = sender.send(workload.deliveries);
    sending = run;
    const elapsed = (): number => (Date.now() - startedAt) / 1_000;

    const context: ScenarioContext = {
      stack,
      workload,
      elapsed,
      at: async (seconds) => {
        const wait = startedAt + seconds * 1_000 - Date.now();
        if (wait > 0) await sleep(wait);
      },
      fault: (what) => faults.push({ at: elapsed(), what }),
      measure: (window) => windows.push(window),
      note: (text) => notes.push(text),
      async killWorker(worker, options = {}) {
        const victim = worker ?? stack.workers[0];
        if (victim === undefined) throw new Error('no worker to kill');
        // "While it is processing": wait (briefly) until it holds messages.
        await waitFor(async () => (await stack.inFlight(victim).catch(() => 0)) > 0, { timeoutMs: 2_000, intervalMs: 20 }).catch(() => undefined);
        const holding = await stack.killWorker(victim);
        context.fault(`SIGKILL ${victim.name} while it handled ${holding < 0 ? 'an unknown number of' : holding} message(s)`);
        if (options.replace !== false) context.addWorker();
      },
      addWorker() {
        const starting = stack.startWorker().then((worker) => {
          context.fault(`${worker.name} consuming`);
        });
        // Awaited after the fault script; until then a failure must not go unhandled.
        starting.catch(() => undefined);
        background.push(starting);
      },
    };

    await definition.faults(context);
    await Promise.all(background);
    const sendingSeconds = await run.started.then(elapsed);
    if (!(await resendUntilAcknowledged(run, definition.resendForMs ?? 40_000))) {
      notes.push(`the sender gave up with ${run.pending} deliveries still without a 2xx`);
    }
    const settled = await waitForPipeline(() => pipelineSettled({ expected: workload.expected, ledger: sender.ledger, db: stack.db, broker: stack.broker }), definition.settleTimeoutMs ?? 60_000);
    if (!settled) notes.push('the pipeline had not finished when the wait gave up; the invariants below show what was left');
    const settledSeconds = elapsed();
    notes.push(...(await describeTraffic(stack)));
    const timings = windows.map((window) => measureOutage(sender.ledger.attempts, window));
    extraRows.push({
      invariant: 'no process exited unless the test killed it (a crash is restarted, as a supervisor would)',
      expected: '0',
      observed: crashes.length === 0 ? '0' : crashes.join('; '),
      ok: crashes.length === 0,
    });
    for (const [index, timing] of timings.entries()) {
      // A dead ingest cannot answer 200; only a live one refusing with 503 can break its word.
      if (windows[index]?.refusal !== 'http-503') continue;
      extraRows.push({ invariant: `no 200 while refused: ${timing.label}`, expected: '0', observed: String(timing.okDuringOutage), ok: timing.okDuringOutage === 0 });
    }
    const invariants = [...(await checkInvariants({ expected: workload.expected, ledger: sender.ledger, db: stack.db, broker: stack.broker, stripeApiBase: stack.emulator.url })), ...extraRows];
    const report: ScenarioReport = { scenario: definition.name, seed, sendingSeconds, settledSeconds, ledger: sender.ledger.summary(), faults, timings, invariants, notes, loadAverage: loadavg()[0] ?? 0 };
    const logFile = join(tmpdir(), `reliability-${definition.name.replaceAll(/[^a-z0-9]+/gi, '-').toLowerCase()}.log`);
    stack.saveOutput(logFile);
    notes.push(`every process's output: ${logFile}`);
    publishReport(report);
    return report;
  } finally {
    sending?.giveUp();
    await stack.stop();
  }
}

/** Lets the sender resend until every delivery got a 2xx; false if it had to give up after `forMs`. */
async function resendUntilAcknowledged(run: SendingRun, forMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'gave up'>((resolve) => {
    timer = setTimeout(() => {
      resolve('gave up');
    }, forMs);
  });
  const ended = await Promise.race([run.settled.then(() => 'settled' as const), deadline]);
  clearTimeout(timer);
  if (ended === 'settled') return true;
  run.giveUp();
  return false;
}

/**
 * Waits until `settledNow` holds twice in a row, a second apart (a redelivered duplicate or
 * a retry coming back from its delay queue must not be mistaken for the end); false if it
 * did not within `timeoutMs`.
 */
async function waitForPipeline(settledNow: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  let before = false;
  return waitFor(
    async () => {
      const now = await settledNow();
      const twice = now && before;
      before = now;
      return twice;
    },
    { timeoutMs, intervalMs: 1_000 },
  ).then(
    () => true,
    () => false,
  );
}

/** What the run did, for the notes: outcomes in stripe_events, and what Stripe saw. */
async function describeTraffic(stack: PipelineStack): Promise<string[]> {
  const outcomes = await stack.db.pool.query<{ outcome: string; n: number }>('SELECT outcome, count(*)::int AS n FROM stripe_events GROUP BY outcome ORDER BY outcome');
  const transfers = (await stack.emulator.calls({ path: '/v1/transfers' })).filter((call) => call.method === 'POST');
  return [
    `stripe_events outcomes: ${outcomes.rows.map((r) => `${r.n} ${r.outcome}`).join(', ')} (stale: out-of-order events that lost to a newer one)`,
    `Stripe saw ${transfers.length} transfer requests: ${transfers.filter((call) => call.faulted).length} shaped by an injected fault, ` +
      `${transfers.filter((call) => call.replayed).length} answered as idempotent replays (same key, the transfer made before)`,
  ];
}

/** The invariants that do not hold, for the test's assertion. */
export function violations(report: ScenarioReport): string[] {
  return report.invariants.filter((r) => !r.ok).map((r) => `${r.invariant}: expected ${r.expected}, observed ${r.observed}`);
}
