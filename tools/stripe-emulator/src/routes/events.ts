import type { FastifyInstance } from 'fastify';
import type { EventStore } from '../event-store.ts';
import { paginate, pageParams, readPageRequest } from '../paginate.ts';
import { optionalBoolean, optionalString, optionalStringList, readCreatedRange, rejectUnknownParams } from '../read-params.ts';
import { invalidParam, resourceMissing } from '../stripe-error.ts';
import type { StripeRoute } from '../stripe-api.ts';

const listParams = ['created', 'delivery_success', 'type', 'types', ...pageParams];

/**
 * `GET /v1/events` and `GET /v1/events/:id`. The `Stripe-Account` header scopes both to
 * that connected account's events; without it, only the platform's own.
 */
export function registerEventRoutes(scope: FastifyInstance, route: StripeRoute, events: EventStore): void {
  scope.get(
    '/events',
    route(({ params, account }) => {
      rejectUnknownParams(params, listParams);
      const page = readPageRequest(params);
      const type = optionalString(params, 'type');
      const types = optionalStringList(params, 'types');
      if (type !== undefined && types !== undefined) throw invalidParam('types', 'You may pass either type or types, but not both.');
      if (types !== undefined && types.some((item) => item.includes('*'))) throw invalidParam('types', 'types does not take wildcards; use type for that.');
      const items = events.list({ deliverySuccess: optionalBoolean(params, 'delivery_success'), type, types, created: readCreatedRange(params) }, account);
      return paginate(items, page, (event) => event.id, { url: '/v1/events', kind: 'event' });
    }),
  );

  scope.get(
    '/events/:id',
    route(({ params, account, pathParams }) => {
      rejectUnknownParams(params, []);
      const id = pathParams.id ?? '';
      const event = events.get(id, account);
      if (event === undefined) throw resourceMissing('event', id);
      return event;
    }),
  );
}
