import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { listHostOverview, type Pool } from '@pipeline/db';
import type { BrokerAccess, QueueState } from './broker-access.ts';
import { html } from './html.ts';
import { page, type PageContext } from './layout.ts';

/** Where the ingest and the workers answer `/readyz` (CONSOLE_INGEST_URL, CONSOLE_WORKER_URLS), and which retry queues exist. */
export interface ReadinessTargets {
  readonly ingestUrl: string | undefined;
  readonly workerUrls: readonly string[];
  /** WORKER_RETRY_DELAYS, in ms: one retry queue per delay. */
  readonly retryDelaysMs: readonly number[];
}

export interface SystemRoutesOptions {
  readonly pool: Pool;
  readonly broker: BrokerAccess;
  readonly readiness: ReadinessTargets;
  readonly context: (request: FastifyRequest, reply: FastifyReply) => PageContext;
}

interface Readiness {
  readonly name: string;
  readonly url: string;
  readonly status: string;
  readonly ready: boolean;
}

/** `GET <base>/readyz`, 2 s at most: ready on a 200, otherwise what it said (or why it did not answer). */
async function readinessOf(name: string, base: string): Promise<Readiness> {
  const url = new URL('/readyz', base).toString();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    const text = (await response.text()).slice(0, 300);
    return { name, url, status: `${response.status} ${text}`, ready: response.status === 200 };
  } catch (err: unknown) {
    return { name, url, status: `no answer: ${err instanceof Error ? err.message : String(err)}`, ready: false };
  }
}

/** System (queues, consumers, readiness) and Hosts (onboarding, held transfers, payout failures). */
export function systemRoutes(app: FastifyInstance, options: SystemRoutesOptions, done: (err?: Error) => void): void {
  const { names } = options.broker;
  const queues = [
    { name: names.workQueue, role: 'work' },
    ...options.readiness.retryDelaysMs.map((delay) => ({ name: names.retryQueue(delay), role: `retry (${delay} ms)` })),
    { name: names.deadQueue, role: 'dead' },
  ];

  app.get('/system', async (request, reply) => {
    const targets = [
      ...(options.readiness.ingestUrl === undefined ? [] : [{ name: 'ingest', url: options.readiness.ingestUrl }]),
      ...options.readiness.workerUrls.map((url, index) => ({ name: `worker ${index + 1}`, url })),
    ];
    const [states, readiness] = await Promise.all([
      options.broker.queueStates(queues).then(
        (value): QueueState[] | string => value,
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      ),
      Promise.all(targets.map((target) => readinessOf(target.name, target.url))),
    ]);
    const body = html`<h2>Queues</h2>
${typeof states === 'string'
  ? html`<p class="bad">${states}</p>`
  : html`<table id="queues"><thead><tr><th>Queue</th><th>Role</th><th class="num">Messages</th><th class="num">Consumers</th></tr></thead><tbody>
${states.map((state) => html`<tr><td>${state.name}</td><td>${state.role}</td>${state.missing ? html`<td colspan="2">not declared</td>` : html`<td class="num">${state.messages}</td><td class="num">${state.consumers}</td>`}</tr>`)}
</tbody></table><p>Consumers on the work queue are the connected worker replicas.</p>`}
<h2>Readiness</h2>
${readiness.length === 0
  ? html`<p>Set CONSOLE_INGEST_URL and CONSOLE_WORKER_URLS to see the ingest's and the workers' readiness here.</p>`
  : html`<table id="readiness"><thead><tr><th>Process</th><th>URL</th><th>Ready</th><th>Answer</th></tr></thead><tbody>
${readiness.map((item) => html`<tr><td>${item.name}</td><td>${item.url}</td><td class="${item.ready ? 'ok' : 'bad'}">${item.ready ? 'ready' : 'not ready'}</td><td><code>${item.status}</code></td></tr>`)}
</tbody></table>`}`;
    return reply.type('text/html').send(page('System', options.context(request, reply), body));
  });

  app.get('/hosts', async (request, reply) => {
    const hosts = await listHostOverview(options.pool, 500);
    const money = (amounts: Record<string, number>): string =>
      Object.entries(amounts)
        .map(([currency, amount]) => `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`)
        .join(', ');
    const body = html`<table id="hosts"><thead><tr><th>Account</th><th>Charges</th><th>Payouts</th><th>Details</th><th>Requirements due</th><th>Payout failure</th><th class="num">Held transfers</th><th>Held amount</th></tr></thead><tbody>
${hosts.map(
  (host) => html`<tr><td>${host.accountId}${host.deauthorizedAt === null ? '' : html` <span class="bad">(disconnected ${host.deauthorizedAt.toISOString()})</span>`}</td>
<td>${host.chargesEnabled ? 'enabled' : 'no'}</td><td>${host.payoutsEnabled ? 'enabled' : 'no'}</td><td>${host.detailsSubmitted ? 'submitted' : 'no'}</td>
<td>${host.requirementsDue.join(', ')}</td><td class="bad">${host.payoutFailureCode === null ? '' : `${host.payoutFailureCode} at ${host.payoutFailedAt?.toISOString() ?? '?'}`}</td>
<td class="num">${host.heldTransfers}</td><td>${money(host.heldAmounts)}</td></tr>`,
)}</tbody></table>`;
    return reply.type('text/html').send(page('Hosts', options.context(request, reply), body));
  });
  done();
}
