import { connectFirstReachable } from '@pipeline/broker';
import { createPool } from '@pipeline/db';

/**
 * Why a service did not answer, or undefined when it did. Used by `npm start` and the test
 * harness. `refusedCredentials` is true when the service answered but refused the user or
 * password (RabbitMQ's ACCESS_REFUSED, PostgreSQL's SQLSTATE class 28): starting it would
 * not help, fixing the URL would.
 */
export type ProbeResult = { readonly reason: string; readonly refusedCredentials: boolean } | undefined;

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

/** RabbitMQ refuses a login with connection.close 403 ACCESS_REFUSED, which amqplib puts in the message. */
function brokerRefusedCredentials(err: unknown): boolean {
  return err instanceof Error && /ACCESS.REFUSED/.test(err.message);
}

/** PostgreSQL's class 28, invalid authorization: 28P01 a wrong password, 28000 e.g. no such role. */
function databaseRefusedCredentials(err: unknown): boolean {
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('28');
}

/** Opens and closes one AMQP connection (to the first address of a list that answers), so bad credentials count as unreachable too. */
export async function probeBroker(url: string): Promise<ProbeResult> {
  try {
    const connection = await withTimeout(connectFirstReachable(url, { timeout: probeTimeoutMs }), 'the broker');
    await connection.close();
    return undefined;
  } catch (err: unknown) {
    return { reason: reasonOf(err), refusedCredentials: brokerRefusedCredentials(err) };
  }
}

/** Runs `SELECT 1` on one connection. */
export async function probeDatabase(url: string): Promise<ProbeResult> {
  const pool = createPool({ url, max: 1, applicationName: 'stack-probe' });
  try {
    await withTimeout(pool.query('SELECT 1'), 'the database');
    return undefined;
  } catch (err: unknown) {
    return { reason: reasonOf(err), refusedCredentials: databaseRefusedCredentials(err) };
  } finally {
    await pool.end().catch(() => undefined);
  }
}
