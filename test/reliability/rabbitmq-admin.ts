import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { runInContainer } from '@pipeline/testkit';

const run = promisify(execFile);

/** Set when the run's broker is a container the harness started (TEST_RABBITMQ_IMAGE). */
const { rabbitmqContainerId } = inject('services');

/**
 * `rabbitmqctl`, with a timeout so a wedged broker fails the test instead of hanging it; the
 * broker container's own when the run has one, else the machine's.
 */
async function rabbitmqctl(...args: string[]): Promise<string> {
  if (rabbitmqContainerId !== undefined) return runInContainer(rabbitmqContainerId, ['rabbitmqctl', ...args], { timeoutMs: 20_000 });
  const { stdout } = await run('rabbitmqctl', args, { timeout: 20_000 });
  return stdout;
}

export interface QueueState {
  readonly name: string;
  /** Ready plus unacknowledged. */
  readonly messages: number;
  readonly ready: number;
  readonly unacked: number;
  readonly consumers: number;
}

/**
 * Every queue whose name starts with `prefix`, as the broker counts it. `checkQueue` only
 * sees ready messages; this also sees the ones a consumer holds unacknowledged.
 */
export async function queueStates(prefix: string): Promise<QueueState[]> {
  const out = await rabbitmqctl('list_queues', '-q', '--no-table-headers', 'name', 'messages', 'messages_ready', 'messages_unacknowledged', 'consumers');
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([name]) => name?.startsWith(prefix) === true)
    .map(([name = '', messages, ready, unacked, consumers]) => ({ name, messages: Number(messages), ready: Number(ready), unacked: Number(unacked), consumers: Number(consumers) }));
}

/**
 * Bytes each open connection has moved so far (received plus sent), by client port. The
 * broker refreshes these counters every few seconds (collect_statistics_interval).
 */
export async function connectionTraffic(): Promise<Map<number, number>> {
  const out = await rabbitmqctl('list_connections', '-q', '--no-table-headers', 'peer_port', 'recv_oct', 'send_oct');
  const traffic = new Map<number, number>();
  for (const line of out.split('\n')) {
    const [port, received, sent] = line.trim().split(/\s+/).map(Number);
    if (port !== undefined && Number.isInteger(port) && port > 0) traffic.set(port, (received ?? 0) + (sent ?? 0));
  }
  return traffic;
}

/** The local ports of this process's own TCP connections to `port` (its proxies and clients). */
export async function ownConnectionPorts(port: number): Promise<number[]> {
  const { stdout } = await run('ss', ['-tnpH', 'state', 'established', `dport = :${port}`], { timeout: 5_000 });
  return stdout
    .split('\n')
    .filter((line) => line.includes(`pid=${process.pid},`))
    // Columns: [state] recv-q send-q local-address:port peer-address:port process; the first address is ours.
    .map((line) => line.trim().split(/\s+/).find((column) => /:\d+$/.test(column)))
    .filter((local): local is string => local !== undefined)
    .map((local) => Number(local.slice(local.lastIndexOf(':') + 1)));
}

export interface MemoryAlarm {
  /** Lifts the alarm (the watermark back to what it was) and ends the watchdog. */
  restore(): Promise<void>;
}

/**
 * Trips the broker's memory alarm (a watermark far below what it uses), which blocks every
 * publishing connection broker-wide. A detached watchdog restores the watermark after
 * `watchdogMs` whatever happens to this process, so a crash or a kill of the test run can
 * never leave the shared broker blocked; `restore()` does it at once and ends the watchdog.
 */
export async function tripMemoryAlarm(options: { watchdogMs: number }): Promise<MemoryAlarm> {
  const current = (await rabbitmqctl('eval', 'vm_memory_monitor:get_vm_memory_high_watermark().')).trim();
  // A plain fraction is restored as it was; anything else (absolute, or a tiny value a
  // crashed run left behind) gets RabbitMQ's default.
  const fraction = Number(current);
  const restoreTo = Number.isFinite(fraction) && fraction >= 0.1 && fraction <= 0.9 ? String(fraction) : '0.4';
  // A broker container is the run's own and goes with it: no watchdog needed there.
  const watchdog =
    rabbitmqContainerId === undefined
      ? spawn('sh', ['-c', `sleep ${Math.ceil(options.watchdogMs / 1_000)}; exec rabbitmqctl set_vm_memory_high_watermark ${restoreTo}`], {
          detached: true,
          stdio: 'ignore',
        })
      : undefined;
  watchdog?.unref();
  try {
    await rabbitmqctl('set_vm_memory_high_watermark', '0.0001');
  } catch (err: unknown) {
    await rabbitmqctl('set_vm_memory_high_watermark', restoreTo);
    throw err;
  }
  return {
    async restore() {
      await rabbitmqctl('set_vm_memory_high_watermark', restoreTo);
      // The watchdog's whole process group (sh and its sleep), by the id we started it with.
      if (watchdog?.pid !== undefined && watchdog.exitCode === null) {
        try {
          process.kill(-watchdog.pid, 'SIGTERM');
        } catch {
          // Already gone.
        }
      }
    },
  };
}
