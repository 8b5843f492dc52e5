import { connectFirstReachable } from '@pipeline/broker';
import { createPool } from '@pipeline/db';

/** Why a service did not answer, or undefined when it did. Used by `npm start` and the test harness. */
export type ProbeResult = string | undefined;

/** Longest a probe waits before it calls the service unreachable. */
const probeTimeoutMs = 3_000;

/** A short reason: connection errors to `localhost` are AggregateErrors with an empty message. */
function reasonOf(err: unknown): string {
  if (err instanceof AggregateError && err.message === '') return reasonOf(err.errors[0]);
  if (err instanceof Error) return err.message || ((err as NodeJS.ErrnoException).code ?? err.name);
  return String(err);
}

function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what} did not answer within ${probeTimeoutMs} ms`));
    }, probeTimeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

/** Opens and closes one AMQP connection (to the first address of a list that answers), so bad credentials count as unreachable too. */
export async function probeBroker(url: string): Promise<ProbeResult> {
  try {
    const connection = await withTimeout(connectFirstReachable(url, { timeout: probeTimeoutMs }), 'the broker');
    await connection.close();
    return undefined;
  } catch (err: unknown) {
    return reasonOf(err);
  }
}

/** Runs `SELECT 1` on one connection. */
export async function probeDatabase(url: string): Promise<ProbeResult> {
  const pool = createPool({ url, max: 1, applicationName: 'stack-probe' });
  try {
    await withTimeout(pool.query('SELECT 1'), 'the database');
    return undefined;
  } catch (err: unknown) {
    return reasonOf(err);
  } finally {
    await pool.end().catch(() => undefined);
  }
}
