import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { feedOutcomes, findEvent, listFeedEvents, settledOutcomes, type EventFeedFilter, type FeedEvent, type Outcome, type Pool } from '@pipeline/db';
import { html, type Html } from './html.ts';
import { page, type PageContext } from './layout.ts';
import { accountOf, BadInput, text, typeGlobOf } from './parked-filter.ts';

export interface EventsRoutesOptions {
  readonly pool: Pool;
  readonly context: (request: FastifyRequest, reply: FastifyReply) => PageContext;
}

interface FeedQuery {
  readonly type?: string;
  readonly account?: string;
  readonly outcome?: string;
  readonly since?: string;
  readonly until?: string;
  readonly id?: string;
}

/** Rows the live view shows (the newest). */
const liveLimit = 50;

function time(value: string | undefined, name: string): Date | undefined {
  const given = text(value);
  if (given === undefined) return undefined;
  const date = new Date(given);
  if (Number.isNaN(date.getTime())) throw new BadInput(`${name} must be a date and time, e.g. 2026-12-01T10:00`);
  return date;
}

/** The feed filter of the live view's query string; BadInput (400) names the wrong field. Settled events only. */
export function feedFilterOf(query: FeedQuery): EventFeedFilter {
  const type = typeGlobOf(query.type);
  const account = accountOf(query.account);
  const outcome = text(query.outcome);
  if (outcome !== undefined && !feedOutcomes.includes(outcome as Outcome)) throw new BadInput(`outcome must be one of ${feedOutcomes.join(', ')}`);
  const id = text(query.id);
  if (id !== undefined && !/^evt_[A-Za-z0-9_]+$/.test(id)) throw new BadInput('id must be a Stripe event id, e.g. evt_1A2b3C');
  return {
    type,
    account,
    outcomes: outcome === undefined ? settledOutcomes : [outcome as Outcome],
    since: time(query.since, 'since'),
    until: time(query.until, 'until'),
    id,
  };
}

/** A transfer field as text: strings as they are, anything else as JSON. */
function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function queryString(query: FeedQuery): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (typeof value === 'string' && value.trim() !== '') params.set(name, value.trim());
  const encoded = params.toString();
  return encoded === '' ? '' : `?${encoded}`;
}

function rows(events: readonly FeedEvent[]): Html {
  if (events.length === 0) return html`<tr><td colspan="8">No settled event matches yet; this list updates every second.</td></tr>`;
  return html`${events.map(
    (event) => html`<tr data-event-id="${event.id}"><td>${event.settledAt.toISOString()}</td><td>${event.type}</td><td><a href="/events/${event.id}">${event.id}</a></td>
<td>${event.endpoint}</td><td>${event.account ?? '-'}</td><td class="outcome-${event.outcome}">${event.outcome}</td><td class="num">${event.attempts}</td>
<td class="num">${event.latencyMs === null ? '-' : `${event.latencyMs} ms`}</td></tr>`,
  )}`;
}

/** The live stream (htmx polls its rows every second), and one event's page. */
export function eventsRoutes(app: FastifyInstance, options: EventsRoutesOptions, done: (err?: Error) => void): void {
  const { pool } = options;

  app.get<{ Querystring: FeedQuery }>('/events', async (request, reply) => {
    const filter = feedFilterOf(request.query);
    const { events } = await listFeedEvents(pool, filter, { limit: liveLimit });
    const query = request.query;
    const body = html`<form class="filters" method="get" action="/events">
<label>Type (glob)<input name="type" value="${query.type ?? ''}" placeholder="invoice.*"></label>
<label>Account<input name="account" value="${query.account ?? ''}" placeholder="acct_…"></label>
<label>Outcome<select name="outcome"><option value="">settled (any)</option>${feedOutcomes.map((outcome) => html`<option ${query.outcome === outcome ? 'selected' : ''}>${outcome}</option>`)}</select></label>
<label>Since (UTC)<input name="since" value="${query.since ?? ''}" placeholder="2026-12-01T10:00"></label>
<label>Until (UTC)<input name="until" value="${query.until ?? ''}"></label>
<label>Event id<input name="id" value="${query.id ?? ''}" placeholder="evt_…"></label>
<button type="submit">Filter</button> <a href="/events">clear</a></form>
<table id="events"><thead><tr><th>Settled</th><th>Type</th><th>Event</th><th>Endpoint</th><th>Account</th><th>Outcome</th><th class="num">Attempts</th><th class="num">Latency</th></tr></thead>
<tbody id="event-rows" hx-get="/events/rows${queryString(query)}" hx-trigger="every 1s" hx-swap="innerHTML">${rows(events)}</tbody></table>`;
    return reply.type('text/html').send(page('Events', options.context(request, reply), body));
  });

  app.get<{ Querystring: FeedQuery }>('/events/rows', async (request, reply) => {
    const { events } = await listFeedEvents(pool, feedFilterOf(request.query), { limit: liveLimit });
    return reply.type('text/html').header('cache-control', 'no-store').send(rows(events).text);
  });

  app.get<{ Params: { id: string } }>('/events/:id', async (request, reply) => {
    const id = request.params.id;
    if (!/^evt_[A-Za-z0-9_]+$/.test(id)) throw new BadInput('the event id must look like evt_1A2b3C');
    const event = await findEvent(pool, id);
    if (event === undefined) return reply.code(404).send({ error: 'not_found', reason: `no worker has seen ${id} (not in stripe_events)` });
    const effects = (event.effects ?? {}) as { transfers?: unknown };
    const transfers = Array.isArray(effects.transfers) ? (effects.transfers as Array<Record<string, unknown>>) : [];
    const columns = [...new Set(transfers.flatMap((transfer) => Object.keys(transfer)))];
    const body = html`<table id="ledger">
<tr><th>Type</th><td>${event.type}</td></tr><tr><th>Endpoint</th><td>${event.endpoint}</td></tr><tr><th>Account</th><td>${event.account ?? '-'}</td></tr>
<tr><th>Livemode</th><td>${String(event.livemode)}</td></tr><tr><th>Outcome</th><td class="outcome-${event.outcome}">${event.outcome}</td></tr>
<tr><th>Attempts</th><td>${event.attempts}</td></tr><tr><th>Last error</th><td class="bad">${event.lastError ?? ''}</td></tr>
<tr><th>Created at Stripe</th><td>${event.eventCreated.toISOString()}</td></tr><tr><th>First seen</th><td>${event.firstSeenAt.toISOString()}</td></tr>
<tr><th>Last written</th><td>${event.updatedAt.toISOString()}</td></tr></table>
${event.outcome === 'failed' ? html`<p>Failed events are parked: <a href="/parked">find it among the parked events</a> to see its payload and replay it.</p>` : ''}
<h2>Transfers</h2>
${transfers.length === 0
  ? html`<p>None.</p>`
  : html`<table id="transfers"><thead><tr>${columns.map((column) => html`<th>${column}</th>`)}</tr></thead><tbody>
${transfers.map((transfer) => html`<tr>${columns.map((column) => html`<td>${cell(transfer[column])}</td>`)}</tr>`)}</tbody></table>`}
<h2>Effects</h2><pre>${JSON.stringify(event.effects, null, 2)}</pre>`;
    return reply.type('text/html').send(page(`Event ${id}`, options.context(request, reply), body));
  });
  done();
}
