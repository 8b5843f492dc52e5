import { describe, expect, inject, it } from 'vitest';
import { sleep } from '@pipeline/testkit';
import { connectionTraffic, ownConnectionPorts, tripMemoryAlarm } from './rabbitmq-admin.ts';
import { runScenario, violations, type ScenarioContext } from './scenario.ts';

const services = inject('services');

/** Stripe's transfers endpoint answers with `fault` for `forMs`, then recovers. */
async function stripeFails(context: ScenarioContext, what: string, fault: Parameters<ScenarioContext['stack']['emulator']['injectFault']>[0], forMs: number): Promise<void> {
  const { emulator } = context.stack;
  await emulator.injectFault({ path: '/v1/transfers', method: 'POST', ...fault });
  context.fault(`Stripe transfers: ${what} for ${forMs} ms`);
  try {
    await sleep(forMs);
  } finally {
    await emulator.clearFaults();
  }
  context.fault('Stripe transfers: healthy');
}

/** Heartbeats alone (8-byte frames every few seconds each way) stay far below this. */
const idleTrafficBytes = 512;

/**
 * RELIABILITY_MEMORY_ALARM: `auto` (default) trips the alarm only when no other client is
 * using the broker (the alarm blocks every publisher broker-wide): every connection is this
 * run's own, or idle since `before` was sampled (a forgotten process, not a test run);
 * `on` trips it regardless; `off` never.
 */
async function brokerMemoryAlarm(context: ScenarioContext, before: ReadonlyMap<number, number>, forMs: number): Promise<void> {
  const policy = process.env.RELIABILITY_MEMORY_ALARM ?? 'auto';
  if (policy === 'off') {
    context.note('memory alarm skipped: RELIABILITY_MEMORY_ALARM=off');
    return;
  }
  const amqpPort = Number(new URL(services.rabbitmqUrl).port || 5672);
  const [mine, now] = await Promise.all([ownConnectionPorts(amqpPort).then((ports) => new Set(ports)), connectionTraffic()]);
  const foreign = [...now].filter(([port]) => !mine.has(port));
  const active = foreign.filter(([port, bytes]) => bytes - (before.get(port) ?? 0) > idleTrafficBytes);
  if (active.length > 0 && policy !== 'on') {
    context.note(`memory alarm skipped: ${active.length} connection(s) of other clients are using the shared broker and would be blocked too (RELIABILITY_MEMORY_ALARM=on forces it)`);
    return;
  }
  if (foreign.length > 0) context.note(`memory alarm tripped with ${foreign.length} idle connection(s) of other clients on the broker (blocked only if they publish meanwhile)`);
  const alarm = await tripMemoryAlarm({ watchdogMs: forMs + 30_000 });
  // rabbitmqctl takes a second or more to run: the alarm is on by the time it returns.
  const faultAt = Date.now();
  context.fault(`broker memory alarm: watermark 0.0001, every publisher blocked, for ${forMs} ms`);
  let recoverAt: number;
  try {
    await sleep(forMs);
  } finally {
    recoverAt = Date.now();
    await alarm.restore();
  }
  const recoveredAt = Date.now();
  context.fault('broker memory alarm lifted (watermark restored)');
  // The alarm may take effect a moment after faultAt, hence `first-refusal`; it ends somewhere
  // between recoverAt (a 200 before it is a broken promise) and recoveredAt (recovery measured from there).
  context.measure({ label: `broker memory alarm ${forMs} ms`, faultAt, recoverAt, recoveredAt, refusal: 'http-503', strictFrom: 'first-refusal' });
}

describe('dependency faults', () => {
  it('applies every effect once through Stripe errors, rate limits and timeouts, and a blocked broker', async () => {
    const report = await runScenario(
      {
        name: 'dependency faults: Stripe 500/429/timeouts, broker memory alarm',
        ratePerSecond: 14,
        workload: { hosts: 8, subscriptions: 45, invoices: 90, paymentFailures: 10, ignored: 30, deadLetters: 1 },
        async faults(context) {
          // Who else uses the broker, sampled well before the alarm (the counters move every
          // few seconds), in the background: rabbitmqctl is slow on a busy machine.
          const trafficBefore = connectionTraffic();
          trafficBefore.catch(() => undefined);
          await context.at(2);
          await stripeFails(context, '500 api_error', { status: 500 }, 3_000);
          await context.at(6);
          await stripeFails(context, '429 rate limited', { status: 429 }, 3_000);
          // Stripe makes the transfer, then the answer takes longer than the worker's 1 s
          // timeout: the retry must get the same transfer back, not a second one.
          await context.at(10);
          await stripeFails(context, 'transfer made, answer hangs 2.5 s (client timeout 1 s)', { status: 500, afterEffect: true, delayMs: 2_500 }, 3_000);
          await context.at(15);
          await brokerMemoryAlarm(context, await trafficBefore, 4_000);
        },
      },
      services,
    );
    expect(violations(report)).toEqual([]);
  });
});
