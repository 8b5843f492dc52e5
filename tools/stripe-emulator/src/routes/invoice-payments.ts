import type { FastifyInstance } from 'fastify';
import type { FundsStore } from '../funds-store.ts';
import { paginate, pageParams, readPageRequest } from '../paginate.ts';
import { optionalString, readMetadata, rejectUnknownParams, requiredInteger, requiredString } from '../read-params.ts';
import { resourceMissing } from '../stripe-error.ts';
import type { StripeRoute } from '../stripe-api.ts';

/**
 * `GET /v1/invoice_payments` (filtered by `invoice` and `status`), `GET /v1/invoice_payments/:id`
 * and `GET /v1/payment_intents/:id`: how a basil invoice names its charge (the payment's
 * PaymentIntent, whose `latest_charge` it is). `GET /v1/charges/:id` and `POST /v1/refunds`
 * (by `charge`; at most what is not refunded yet) on the charges of declared invoices.
 */
export function registerInvoicePaymentRoutes(scope: FastifyInstance, route: StripeRoute, funds: FundsStore): void {
  scope.get(
    '/invoice_payments',
    route(({ params }) => {
      rejectUnknownParams(params, ['invoice', 'status', 'payment', ...pageParams]);
      const page = readPageRequest(params);
      const invoice = optionalString(params, 'invoice');
      const status = optionalString(params, 'status');
      const items = (invoice === undefined ? [] : funds.invoicePayments(invoice)).filter((payment) => status === undefined || payment.status === status);
      return paginate(items, page, (payment) => payment.id, { url: '/v1/invoice_payments', kind: 'invoice_payment' });
    }),
  );

  scope.get(
    '/invoice_payments/:id',
    route(({ params, pathParams }) => {
      rejectUnknownParams(params, []);
      const id = pathParams.id ?? '';
      const payment = funds.invoicePayment(id);
      if (payment === undefined) throw resourceMissing('invoice_payment', id);
      return payment;
    }),
  );

  scope.get(
    '/payment_intents/:id',
    route(({ params, pathParams }) => {
      rejectUnknownParams(params, []);
      const id = pathParams.id ?? '';
      const intent = funds.paymentIntent(id);
      if (intent === undefined) throw resourceMissing('payment_intent', id, 'intent');
      return intent;
    }),
  );

  scope.get(
    '/charges/:id',
    route(({ params, pathParams }) => {
      rejectUnknownParams(params, []);
      const id = pathParams.id ?? '';
      const charge = funds.charge(id);
      if (charge === undefined) throw resourceMissing('charge', id);
      return charge;
    }),
  );

  scope.post(
    '/refunds',
    route(({ params }) => {
      rejectUnknownParams(params, ['charge', 'amount', 'metadata', 'reason']);
      const charge = requiredString(params, 'charge');
      const amount = optionalString(params, 'amount') === undefined ? undefined : requiredInteger(params, 'amount', 1);
      return funds.refund(charge, amount, readMetadata(params));
    }),
  );
}
