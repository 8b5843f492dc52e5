import type { FastifyInstance } from 'fastify';
import type { AccountStore } from '../account-store.ts';
import { paginate, pageParams, readPageRequest } from '../paginate.ts';
import { inCreatedRange, readCreatedRange, rejectUnknownParams } from '../read-params.ts';
import { resourceMissing } from '../stripe-error.ts';
import type { StripeRoute } from '../stripe-api.ts';

/** `GET /v1/accounts` (the platform's connected accounts) and `GET /v1/accounts/:id`. */
export function registerAccountRoutes(scope: FastifyInstance, route: StripeRoute, accounts: AccountStore): void {
  scope.get(
    '/accounts',
    route(({ params }) => {
      rejectUnknownParams(params, ['created', ...pageParams]);
      const page = readPageRequest(params);
      const created = readCreatedRange(params);
      const items = accounts.list().filter((account) => inCreatedRange(account.created, created));
      return paginate(items, page, (account) => account.id, { url: '/v1/accounts', kind: 'account' });
    }),
  );

  scope.get(
    '/accounts/:id',
    route(({ params, pathParams }) => {
      rejectUnknownParams(params, []);
      const id = pathParams.id ?? '';
      const account = accounts.get(id);
      if (account === undefined) throw resourceMissing('account', id, 'account');
      return account;
    }),
  );
}
