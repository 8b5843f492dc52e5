import type { Endpoint } from '@pipeline/broker';
import { isLoopbackUrl, localExampleSecrets, type Env } from '@pipeline/core';
import { buildEvent, isConnectEventType, knownEventTypes, serializeEvent, signPayload, stripeId } from '@pipeline/stripe-events';
import { CliError } from '../../cli-error.ts';
import { forEachConcurrently } from '../../concurrently.ts';
import { connectSecretSettings, ingestSettings, loadConfig, platformSecretSettings, stripeApiBaseSettings } from '../../config.ts';
import { recordUndelivered } from '../../emulator-events.ts';
import { countInto, formatCounts, plural } from '../../format.ts';
import { interruptedExitCode, watchInterruption } from '../../interruption.ts';
import type { CliIo } from '../../io.ts';
import { createPacer } from '../../pacer.ts';
import { postEvent, type IngestAnswer } from '../../post-event.ts';
import { startProgress } from '../../progress.ts';

export interface TriggerOptions {
  readonly endpoint?: Endpoint;
  readonly account?: string;
  readonly livemode?: boolean;
  readonly count: number;
  readonly rate?: number;
  /** Record the events in the local emulator as undelivered instead of posting them. */
  readonly undelivered?: boolean;
  /** An `account.updated` whose object is another account than the event's: the worker parks it. */
  readonly poison?: boolean;
}

/** The one type `--poison` builds. */
const poisonType = 'account.updated';

/** Requests in flight at once during a burst without `--rate`. */
const burstConcurrency = 8;

function checkEventType(value: string): void {
  if ((knownEventTypes as readonly string[]).includes(value)) return;
  throw new CliError('UNKNOWN_EVENT_TYPE', `unknown event type ${JSON.stringify(value)}; known types: ${knownEventTypes.join(', ')}`);
}

/**
 * The environment with the local stack's example secret for the endpoint filled in when
 * its variable is unset and INGEST_URL is a loopback address (the default is). A remote
 * ingest never gets a default secret: its variable stays required.
 */
function withLocalSecret(endpoint: Endpoint, io: CliIo): Env {
  const name = endpoint === 'platform' ? 'STRIPE_WEBHOOK_SECRET_PLATFORM' : 'STRIPE_WEBHOOK_SECRET_CONNECT';
  const ingestUrl = loadConfig(ingestSettings, io.env).INGEST_URL;
  if (io.env[name] !== undefined || !isLoopbackUrl(ingestUrl)) return io.env;
  io.stderr.write(`${name} is unset and INGEST_URL is local: signing with the local stack's example secret\n`);
  return { ...io.env, [name]: localExampleSecrets[name] };
}

/** The signing secret Stripe would use for the endpoint: the first of the configured list. */
export function secretFor(endpoint: Endpoint, io: CliIo): { ingestUrl: string; secret: string } {
  const env = withLocalSecret(endpoint, io);
  if (endpoint === 'platform') {
    const config = loadConfig({ ...ingestSettings, ...platformSecretSettings }, env);
    return { ingestUrl: config.INGEST_URL, secret: config.STRIPE_WEBHOOK_SECRET_PLATFORM[0] ?? '' };
  }
  const config = loadConfig({ ...ingestSettings, ...connectSecretSettings }, env);
  return { ingestUrl: config.INGEST_URL, secret: config.STRIPE_WEBHOOK_SECRET_CONNECT[0] ?? '' };
}

function answerLine(answer: IngestAnswer): string {
  return `${answer.status} ${answer.statusText}`.trim();
}

type Send = () => Promise<{ id: string; answer: IngestAnswer }>;

/** One event: its id, then the ingest's status line and answer. */
async function sendOnce(io: CliIo, send: Send, description: string): Promise<void> {
  const { id, answer } = await send();
  io.print(`sent ${id} ${description}`);
  io.print(answerLine(answer));
  if (answer.body !== '') io.print(answer.body);
  if (answer.status >= 300) throw new CliError('INGEST_REJECTED', `the ingest answered ${answerLine(answer)}`);
}

/** A burst of `count` events, paced to `rate`, with a progress bar and a summary by status. */
async function sendBurst(io: CliIo, send: Send, description: string, count: number, rate: number | undefined): Promise<void> {
  const statuses = new Map<string, number>();
  const firstRejections = new Map<number, string>();
  let sent = 0;
  let reached = false;
  const pacer = createPacer(rate);
  const interruption = watchInterruption();
  const progress = startProgress(io.stderr, 'sending', count);
  try {
    await forEachConcurrently(
      Array.from({ length: count }, (_, index) => index),
      rate === undefined ? burstConcurrency : Math.max(1, Math.ceil(rate)),
      async () => {
        await pacer.next(interruption.signal).catch(() => undefined);
        if (interruption.requested) return;
        try {
          const { answer } = await send();
          reached = true;
          countInto(statuses, answerLine(answer));
          if (answer.status >= 300 && !firstRejections.has(answer.status)) firstRejections.set(answer.status, answer.body);
        } catch (err: unknown) {
          // Nothing has answered yet: the ingest is not there, and every other request would fail alike.
          if (!reached) throw err;
          countInto(statuses, 'no answer');
        }
        sent += 1;
        progress.tick();
      },
      () => interruption.requested,
    );
  } finally {
    progress.stop();
    interruption.dispose();
  }
  io.print(`sent ${plural(sent, 'event')} ${description}`);
  for (const line of formatCounts(statuses)) io.print(line);
  for (const [status, body] of firstRejections) io.print(`first ${status} answer: ${body}`);
  if (interruption.requested) throw new CliError('INTERRUPTED', `interrupted after ${sent} of ${count}`, { exitCode: interruptedExitCode });
  const rejected = [...statuses].filter(([status]) => !status.startsWith('2')).reduce((sum, [, times]) => sum + times, 0);
  if (rejected > 0) throw new CliError('INGEST_REJECTED', `${rejected} of ${sent} events were not accepted`);
}

/**
 * An offline `stripe trigger`: builds a realistic event of `type`, signs it with the
 * endpoint's secret and posts it to the ingest, once or in a paced burst.
 */
export async function runTrigger(io: CliIo, type: string, options: TriggerOptions): Promise<void> {
  checkEventType(type);
  if (options.poison === true && type !== poisonType) {
    throw new CliError('POISON_TYPE', `--poison builds a ${poisonType} event whose object is another account than the event's, which the worker parks: run trigger ${poisonType} --poison`);
  }
  const endpoint: Endpoint = options.endpoint ?? (isConnectEventType(type) ? 'connect' : 'platform');
  if (endpoint === 'platform' && options.account !== undefined) {
    throw new CliError('ACCOUNT_ON_PLATFORM', '--account is for --endpoint connect: platform events carry no account');
  }
  const account = endpoint === 'connect' ? (options.account ?? stripeId('acct', 16)) : undefined;
  const build = () =>
    buildEvent({
      type,
      account,
      livemode: options.livemode === true,
      // Well signed and well formed, but about another account: a permanent failure, parked at once.
      ...(options.poison === true ? { object: { id: stripeId('acct', 16) } } : {}),
    });
  if (options.undelivered === true) {
    if (options.rate !== undefined) throw new CliError('UNDELIVERED_RATE', '--rate paces posts to the ingest; --undelivered posts nothing');
    const events = Array.from({ length: options.count }, build);
    await recordUndelivered(loadConfig(stripeApiBaseSettings, io.env).STRIPE_API_BASE, events);
    for (const event of events) io.print(`recorded ${event.id} (${type}${account === undefined ? '' : `, account ${account}`}) as undelivered in the Stripe emulator`);
    io.print('not posted to the ingest: `reconcile --since 1h` finds and publishes it');
    return;
  }
  const { ingestUrl, secret } = secretFor(endpoint, io);
  const url = new URL(`/webhooks/${endpoint}`, ingestUrl).toString();
  const send: Send = async () => {
    const event = build();
    const payload = serializeEvent(event);
    return { id: event.id, answer: await postEvent(url, payload, signPayload(payload, secret)) };
  };
  const description = `(${type}${account === undefined ? '' : `, account ${account}`}) to ${url}`;
  if (options.count === 1 && options.rate === undefined) await sendOnce(io, send, description);
  else await sendBurst(io, send, description, options.count, options.rate);
}
