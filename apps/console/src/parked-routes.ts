import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  countParkedEvents,
  deleteParkedEvents,
  listConsoleActions,
  listParkedEvents,
  parkedPages,
  recordConsoleAction,
  replayParkedBatch,
  type ParkedEventFilter,
  type ParkedEventRecord,
  type Pool,
} from '@pipeline/db';
import type { BrokerAccess } from './broker-access.ts';
import { html, type Html } from './html.ts';
import { page, type PageContext } from './layout.ts';
import { BadInput, filterFields, idsOf, parkedFilterOf, type ParkedFilterFields } from './parked-filter.ts';

export interface ParkedRoutesOptions {
  readonly pool: Pool;
  readonly broker: BrokerAccess;
  readonly readOnly: boolean;
  readonly context: (request: FastifyRequest, reply: FastifyReply) => PageContext;
}

/** Rows one list page shows. */
const listLimit = 100;

type Action = 'replay' | 'purge';

interface ActionBody extends ParkedFilterFields {
  readonly action?: unknown;
  /** `selected` (the `ids`) or `matching` (everything the filter matches). */
  readonly scope?: unknown;
  readonly ids?: unknown;
  /** The count the operator confirmed: the action does no more than that. */
  readonly confirmed?: unknown;
}

interface Target {
  readonly action: Action;
  readonly filter: ParkedEventFilter;
  /** What the audit records: the ids, or the filter. */
  readonly described: Record<string, unknown>;
}

function targetOf(body: ActionBody | undefined): Target {
  const action = body?.action;
  if (action !== 'replay' && action !== 'purge') throw new BadInput('action must be replay or purge');
  if (body?.scope === 'selected') {
    const ids = idsOf(body.ids);
    if (ids.length === 0) throw new BadInput('select at least one parked event');
    return { action, filter: { ids }, described: { ids } };
  }
  if (body?.scope !== 'matching') throw new BadInput('scope must be selected or matching');
  const filter = parkedFilterOf(body);
  // "Everything matching" means what was parked when the operator looked, not what arrives afterwards.
  const pinned = { ...filter, parkedBefore: filter.parkedBefore ?? new Date() };
  return { action, filter: pinned, described: { filter: filterFields(pinned) } };
}

const verb = (action: Action): string => (action === 'replay' ? 'Replay' : 'Purge');
const plural = (count: number): string => `${count} parked event${count === 1 ? '' : 's'}`;

function hiddenFields(fields: Record<string, string | readonly string[]>): Html[] {
  return Object.entries(fields).flatMap(([name, value]) =>
    (typeof value === 'string' ? [value] : value).map((one) => html`<input type="hidden" name="${name}" value="${one}">`),
  );
}

function targetFields(target: Target): Record<string, string | readonly string[]> {
  if (target.filter.ids !== undefined) return { action: target.action, scope: 'selected', ids: target.filter.ids };
  return { action: target.action, scope: 'matching', ...filterFields(target.filter) };
}

function errorText(row: ParkedEventRecord): string {
  if (row.lastError === null) return '-';
  return row.errorCode === null ? row.lastError : `${row.errorCode}: ${row.lastError}`;
}

function filterForm(filter: ParkedEventFilter): Html {
  const fields = filterFields(filter);
  return html`<form class="filters" method="get" action="/parked">
<label>Type (glob)<input name="type" value="${fields.type ?? ''}" placeholder="invoice.*"></label>
<label>Account<input name="account" value="${fields.account ?? ''}" placeholder="acct_…"></label>
<label>Error contains<input name="error" value="${fields.error ?? ''}"></label>
<label>Parked before (UTC)<input name="before" value="${fields.before ?? ''}" placeholder="2026-12-01T10:00"></label>
<button type="submit">Filter</button> <a href="/parked">clear</a>
</form>`;
}

/** Parked events: the list (reading changes nothing), and replay or purge with a confirmation and an audit record. */
export function parkedRoutes(app: FastifyInstance, options: ParkedRoutesOptions, done: (err?: Error) => void): void {
  const { pool } = options;
  app.get<{ Querystring: ParkedFilterFields }>('/parked', async (request, reply) => {
    const filter = parkedFilterOf(request.query);
    const [total, rows] = await Promise.all([countParkedEvents(pool, filter), listParkedEvents(pool, filter, { limit: listLimit })]);
    const context = options.context(request, reply);
    const canAct = !options.readOnly && context.csrfToken !== undefined;
    const table = html`<table id="parked">
<thead><tr>${canAct ? html`<th></th>` : ''}<th>Row</th><th>Event</th><th>Type</th><th>Account</th><th class="num">Attempts</th><th>Reason</th><th>Parked at</th><th>Error</th></tr></thead>
<tbody>${rows.map(
      (row) => html`<tr data-event-id="${row.eventId ?? ''}">
${canAct ? html`<td><input type="checkbox" name="ids" value="${row.id}" form="act" aria-label="select ${row.eventId ?? row.id}"></td>` : ''}
<td><a href="/parked/${row.id}">${row.id}</a></td><td>${row.eventId ?? '(no id)'}</td><td>${row.type ?? '?'}</td><td>${row.account ?? '-'}</td>
<td class="num">${row.attempts ?? '-'}</td><td>${row.reason}</td><td>${row.parkedAt.toISOString()}</td><td class="bad">${errorText(row)}</td></tr>`,
    )}</tbody></table>`;
    const actions = canAct
      ? html`<form id="act" method="post" action="/parked/confirm">
<input type="hidden" name="_csrf" value="${context.csrfToken}">
${hiddenFields(filterFields(filter))}
<button formaction="/parked/confirm?action=replay&scope=selected">Replay selected</button>
<button formaction="/parked/confirm?action=purge&scope=selected">Purge selected</button>
<button formaction="/parked/confirm?action=replay&scope=matching">Replay all ${total} matching</button>
<button class="danger" formaction="/parked/confirm?action=purge&scope=matching">Purge all ${total} matching</button>
</form>`
      : '';
    const body = html`${filterForm(filter)}
<p id="parked-count">${plural(total)} match${total === 1 ? 'es' : ''}${total > rows.length ? html`; the oldest ${rows.length} are shown` : ''}. Reading this list changes nothing.</p>
${actions}${table}`;
    return reply.type('text/html').send(page('Parked events', context, body));
  });

  app.get<{ Params: { id: string } }>('/parked/:id', async (request, reply) => {
    const ids = idsOf(request.params.id);
    const [row] = await listParkedEvents(pool, { ids }, { limit: 1 });
    if (row === undefined) return reply.code(404).send({ error: 'not_found', reason: `no parked event with row id ${request.params.id} (replayed or purged?)` });
    let body: string;
    try {
      body = JSON.stringify(JSON.parse(row.body.toString('utf8')), null, 2);
    } catch {
      body = row.body.toString('utf8');
    }
    const context = options.context(request, reply);
    const content = html`<table>
<tr><th>Event</th><td>${row.eventId ?? '(no id)'}</td></tr><tr><th>Type</th><td>${row.type ?? '?'}</td></tr>
<tr><th>Endpoint</th><td>${row.endpoint ?? '-'}</td></tr><tr><th>Account</th><td>${row.account ?? '-'}</td></tr>
<tr><th>Attempts</th><td>${row.attempts ?? '-'}</td></tr><tr><th>Reason</th><td>${row.reason}</td></tr>
<tr><th>Parked at</th><td>${row.parkedAt.toISOString()}</td></tr><tr><th>Error</th><td class="bad">${errorText(row)}</td></tr></table>
${!options.readOnly && context.csrfToken !== undefined
  ? html`<form method="post" action="/parked/confirm"><input type="hidden" name="_csrf" value="${context.csrfToken}">
${hiddenFields({ scope: 'selected', ids: row.id })}
<button name="action" value="replay">Replay this event</button> <button class="danger" name="action" value="purge">Purge this event</button></form>`
  : ''}
<h2>Payload</h2><pre>${body}</pre><h2>Message properties</h2><pre>${JSON.stringify(row.properties, null, 2)}</pre>`;
    return reply.type('text/html').send(page(`Parked event ${row.eventId ?? row.id}`, context, content));
  });

  /** Step one of an action: count what it would touch, and ask. */
  app.post<{ Body: ActionBody | undefined; Querystring: ActionBody }>('/parked/confirm', async (request, reply) => {
    const target = targetOf({ ...request.query, ...request.body });
    const count = await countParkedEvents(pool, target.filter);
    const context = options.context(request, reply);
    const body =
      count === 0
        ? html`<p id="confirm-count">No parked event matches: nothing to ${target.action}. <a href="/parked">Back</a></p>`
        : html`<p id="confirm-count">${verb(target.action)} ${plural(count)}${target.action === 'replay' ? ' back to the work queue' : ' for good'}?</p>
<form method="post" action="/parked/run"><input type="hidden" name="_csrf" value="${context.csrfToken}">
${hiddenFields({ ...targetFields(target), confirmed: String(count) })}
<button type="submit" ${target.action === 'purge' ? html`class="danger"` : ''}>Yes, ${target.action} ${plural(count)}</button> <a href="/parked">Cancel</a></form>`;
    return reply.type('text/html').send(page(`${verb(target.action)} parked events`, context, body));
  });

  /** Step two: do it, no more than the confirmed count, and record it. */
  app.post<{ Body: ActionBody | undefined }>('/parked/run', async (request, reply) => {
    const target = targetOf(request.body);
    const confirmed = Number(request.body?.confirmed);
    if (!Number.isInteger(confirmed) || confirmed < 1) throw new BadInput('confirmed must be the count shown in the confirmation, a positive whole number');
    let doneCount = 0;
    let failure: string | undefined;
    try {
      if (target.action === 'purge') {
        for await (const batch of parkedPages(pool, target.filter, confirmed)) {
          doneCount += (await deleteParkedEvents(pool, batch.map((row) => row.id))).length;
        }
      } else {
        await options.broker.withSender(async (sender) => {
          for await (const batch of parkedPages(pool, target.filter, confirmed)) {
            const result = await replayParkedBatch(pool, sender, batch);
            doneCount += result.replayed.length;
            if (result.failure !== undefined) throw result.failure;
          }
        });
      }
    } catch (err: unknown) {
      failure = err instanceof Error ? err.message : String(err);
      request.log.error({ err }, `console ${target.action} stopped`);
    }
    const record = await recordConsoleAction(pool, {
      actor: `${request.operator?.name ?? '?'} (${request.operator?.via ?? '?'})`,
      action: target.action,
      target: target.described,
      confirmed,
      done: doneCount,
      error: failure,
    });
    const context = options.context(request, reply);
    const past = target.action === 'replay' ? 'replayed' : 'purged';
    const body = html`<p id="action-result" class="${failure === undefined ? 'ok' : 'bad'}">${past} ${doneCount} of ${plural(confirmed)}${failure === undefined ? '' : html`; stopped: ${failure}. The rest are still parked.`}</p>
<p>Recorded as action ${record.id}. <a href="/parked">Back to parked events</a> · <a href="/actions">All actions</a></p>`;
    return reply.code(failure === undefined ? 200 : 502).type('text/html').send(page(`${verb(target.action)} parked events`, context, body));
  });

  app.get('/actions', async (request, reply) => {
    const actions = await listConsoleActions(pool, 200);
    const body = html`<table id="actions"><thead><tr><th>#</th><th>When</th><th>Who</th><th>What</th><th>Target</th><th class="num">Confirmed</th><th class="num">Done</th><th>Error</th></tr></thead>
<tbody>${actions.map(
      (action) => html`<tr><td>${action.id}</td><td>${action.at.toISOString()}</td><td>${action.actor}</td><td>${action.action}</td>
<td><code>${JSON.stringify(action.target)}</code></td><td class="num">${action.confirmed}</td><td class="num">${action.done}</td><td class="bad">${action.error ?? ''}</td></tr>`,
    )}</tbody></table>`;
    return reply.type('text/html').send(page('Console actions', options.context(request, reply), body));
  });
  done();
}
