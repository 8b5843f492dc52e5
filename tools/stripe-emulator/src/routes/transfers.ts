import type { FastifyInstance } from 'fastify';
import { paginate, pageParams, readPageRequest } from '../paginate.ts';
import { optionalString, readCreatedRange, readMetadata, rejectUnknownParams, requiredInteger, requiredString } from '../read-params.ts';
import { invalidParam, resourceMissing } from '../stripe-error.ts';
import type { StripeRoute } from '../stripe-api.ts';
import type { FundsStore } from '../funds-store.ts';
import type { TransferStore } from '../transfer-store.ts';

const createParams = ['amount', 'currency', 'destination', 'description', 'metadata', 'source_transaction', 'source_type', 'transfer_group'];
const listParams = ['created', 'destination', 'transfer_group', ...pageParams];

/**
 * `POST /v1/transfers`, `GET /v1/transfers`, `GET /v1/transfers/:id`, and
 * `POST /v1/transfers/:id/reversals` (at most what is not reversed yet, else 400
 * `amount_too_large`), `GET /v1/transfers/:id/reversals` (newest first). A transfer draws on its `source_transaction` or,
 * without one, on the available balance (`funds`).
 */
export function registerTransferRoutes(scope: FastifyInstance, route: StripeRoute, transfers: TransferStore, funds: FundsStore): void {
  scope.post(
    '/transfers',
    route(({ params, account, livemode }) => {
      rejectUnknownParams(params, createParams);
      const amount = requiredInteger(params, 'amount', 1);
      const currency = requiredString(params, 'currency').toLowerCase();
      if (!/^[a-z]{3}$/.test(currency)) throw invalidParam('currency', `Invalid currency: ${currency}. Stripe currently supports these currencies: usd, eur, gbp, ...`);
      const destination = requiredString(params, 'destination');
      if (!destination.startsWith('acct_')) throw invalidParam('destination', `No such destination: '${destination}'`, 'resource_missing');
      const sourceType = optionalString(params, 'source_type');
      if (sourceType !== undefined && !['bank_account', 'card', 'fpx'].includes(sourceType)) throw invalidParam('source_type', `Invalid source_type: ${sourceType}`);
      funds.draw(amount, optionalString(params, 'source_transaction'));
      return transfers.create(
        {
          amount,
          currency,
          destination,
          description: optionalString(params, 'description'),
          metadata: readMetadata(params),
          sourceTransaction: optionalString(params, 'source_transaction'),
          transferGroup: optionalString(params, 'transfer_group'),
          livemode,
        },
        account,
      );
    }),
  );

  scope.get(
    '/transfers',
    route(({ params, account, livemode }) => {
      rejectUnknownParams(params, listParams);
      const page = readPageRequest(params);
      const items = transfers.list(
        { destination: optionalString(params, 'destination'), transferGroup: optionalString(params, 'transfer_group'), created: readCreatedRange(params) },
        account,
        livemode,
      );
      return paginate(items, page, (transfer) => transfer.id, { url: '/v1/transfers', kind: 'transfer' });
    }),
  );

  scope.get(
    '/transfers/:id',
    route(({ params, account, livemode, pathParams }) => {
      rejectUnknownParams(params, []);
      const id = pathParams.id ?? '';
      const transfer = transfers.get(id, account, livemode);
      if (transfer === undefined) throw resourceMissing('transfer', id);
      return transfer;
    }),
  );

  scope.post(
    '/transfers/:id/reversals',
    route(({ params, account, livemode, pathParams }) => {
      rejectUnknownParams(params, ['amount', 'description', 'metadata', 'refund_application_fee']);
      const id = pathParams.id ?? '';
      const transfer = transfers.get(id, account, livemode);
      if (transfer === undefined) throw resourceMissing('transfer', id);
      const left = transfer.amount - transfer.amount_reversed;
      const amount = optionalString(params, 'amount') === undefined ? left : requiredInteger(params, 'amount', 1);
      if (amount > left) throw invalidParam('amount', `Amount (${amount}) is greater than the amount left to reverse (${left}).`, 'amount_too_large');
      return transfers.reverse(id, amount, readMetadata(params), account, livemode);
    }),
  );

  scope.get(
    '/transfers/:id/reversals',
    route(({ params, account, livemode, pathParams }) => {
      rejectUnknownParams(params, pageParams);
      const page = readPageRequest(params);
      const id = pathParams.id ?? '';
      const transfer = transfers.get(id, account, livemode);
      if (transfer === undefined) throw resourceMissing('transfer', id);
      return paginate(transfer.reversals.data, page, (reversal) => reversal.id, { url: `/v1/transfers/${id}/reversals`, kind: 'transfer_reversal' });
    }),
  );
}
