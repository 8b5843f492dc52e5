import type { InvoiceSeed } from '@pipeline/emulator-protocol';
import { objectId } from './object-id.ts';
import { balanceInsufficient, invalidParam, resourceMissing } from './stripe-error.ts';

/** An `invoice_payment` object (API 2025-03-31.basil and later). */
export interface InvoicePaymentObject {
  id: string;
  object: 'invoice_payment';
  amount_paid: number;
  amount_requested: number;
  created: number;
  currency: string;
  invoice: string;
  is_default: boolean;
  livemode: boolean;
  payment: { type: 'payment_intent'; payment_intent: string } | { type: 'charge'; charge: string };
  status: 'paid';
  status_transitions: { canceled_at: null; paid_at: number };
}

/** A `payment_intent` object with the fields the emulator knows. */
export interface PaymentIntentObject {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  created: number;
  currency: string;
  latest_charge: string;
  livemode: boolean;
  status: 'succeeded';
}

interface Charge {
  amount: number;
  currency: string;
  created: number;
  transferred: number;
  refunded: number;
}

/** A `charge` object with the fields the emulator knows. */
export interface ChargeObject {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  captured: true;
  created: number;
  currency: string;
  livemode: boolean;
  paid: true;
  refunded: boolean;
  status: 'succeeded';
}

/** A `refund` object with the fields the emulator knows. */
export interface RefundObject {
  id: string;
  object: 'refund';
  amount: number;
  charge: string;
  created: number;
  currency: string;
  metadata: Record<string, string>;
  status: 'succeeded';
}

/**
 * Where transfers get their money, and the invoices' payments: the platform's available
 * balance (unlimited until set) and the charges of the invoices the emulator knows. An
 * invoice asked about without being declared is taken as paid by card through a
 * PaymentIntent, for the amount of the transfers made from it.
 */
export interface FundsStore {
  /** Declares invoices, replacing any with the same id. */
  seedInvoices(seeds: readonly InvoiceSeed[]): void;
  /** The invoice's payments, newest first; an undeclared invoice is declared paid through a PaymentIntent first. */
  invoicePayments(invoiceId: string): InvoicePaymentObject[];
  invoicePayment(id: string): InvoicePaymentObject | undefined;
  paymentIntent(id: string): PaymentIntentObject | undefined;
  /** A charge of a declared invoice. */
  charge(id: string): ChargeObject | undefined;
  /**
   * Refunds `amount` (default: all that is not refunded yet) of a known charge; throws 400
   * `charge_already_refunded` when nothing is left, `amount_too_large` when asked for more
   * than is left, and `resource_missing` for a charge it does not know.
   */
  refund(chargeId: string, amount: number | undefined, metadata: Record<string, string>): RefundObject;
  /**
   * Takes a transfer's `amount` from its `source_transaction` charge (a charge the emulator
   * does not know is taken on trust) or, without one, from the available balance; throws
   * 400 `balance_insufficient` when the balance is short.
   */
  draw(amount: number, sourceTransaction: string | undefined): void;
  /** Sets the available balance (smallest currency unit; null: unlimited). */
  setAvailable(amount: number | null): void;
  available(): number | null;
  clear(): void;
}

function chargeObject(id: string, charge: Charge): ChargeObject {
  return {
    id,
    object: 'charge',
    amount: charge.amount,
    amount_captured: charge.amount,
    amount_refunded: charge.refunded,
    captured: true,
    created: charge.created,
    currency: charge.currency,
    livemode: false,
    paid: true,
    refunded: charge.refunded >= charge.amount,
    status: 'succeeded',
  };
}

/** An empty funds store with an unlimited balance; `now` gives creation times (default Date.now). */
export function createFundsStore(now: () => number = Date.now): FundsStore {
  const payments = new Map<string, InvoicePaymentObject[]>();
  const intents = new Map<string, PaymentIntentObject>();
  const charges = new Map<string, Charge>();
  let available: number | null = null;

  function declare(seed: InvoiceSeed): InvoicePaymentObject[] {
    const created = Math.floor(now() / 1000);
    const amount = seed.amountPaid ?? 10_000;
    const currency = seed.currency ?? 'usd';
    const paidBy = seed.paidBy ?? 'payment_intent';
    const list: InvoicePaymentObject[] = [];
    if (paidBy !== 'none') {
      const charge = objectId('ch');
      charges.set(charge, { amount, currency, created, transferred: 0, refunded: 0 });
      let payment: InvoicePaymentObject['payment'] = { type: 'charge', charge };
      if (paidBy === 'payment_intent') {
        const intent: PaymentIntentObject = { id: objectId('pi'), object: 'payment_intent', amount, amount_received: amount, created, currency, latest_charge: charge, livemode: false, status: 'succeeded' };
        intents.set(intent.id, intent);
        payment = { type: 'payment_intent', payment_intent: intent.id };
      }
      list.push({
        id: objectId('inpay'),
        object: 'invoice_payment',
        amount_paid: amount,
        amount_requested: amount,
        created,
        currency,
        invoice: seed.id,
        is_default: true,
        livemode: false,
        payment,
        status: 'paid',
        status_transitions: { canceled_at: null, paid_at: created },
      });
    }
    payments.set(seed.id, list);
    return list;
  }

  return {
    seedInvoices(seeds) {
      for (const seed of seeds) declare(seed);
    },
    invoicePayments(invoiceId) {
      // An undeclared invoice's charge has no known amount: transfers from it are not limited.
      return payments.get(invoiceId) ?? declare({ id: invoiceId, amountPaid: Number.MAX_SAFE_INTEGER });
    },
    invoicePayment(id) {
      for (const list of payments.values()) {
        const found = list.find((payment) => payment.id === id);
        if (found !== undefined) return found;
      }
      return undefined;
    },
    paymentIntent(id) {
      return intents.get(id);
    },
    charge(id) {
      const charge = charges.get(id);
      return charge === undefined ? undefined : chargeObject(id, charge);
    },
    refund(chargeId, amount, metadata) {
      const charge = charges.get(chargeId);
      if (charge === undefined) throw resourceMissing('charge', chargeId, 'charge');
      const left = charge.amount - charge.refunded;
      if (left === 0) throw invalidParam('charge', `Charge ${chargeId} has already been refunded.`, 'charge_already_refunded');
      const refunding = amount ?? left;
      if (refunding > left) throw invalidParam('amount', `Refund amount (${refunding}) is greater than unrefunded amount on charge (${left})`, 'amount_too_large');
      charge.refunded += refunding;
      return { id: objectId('re'), object: 'refund', amount: refunding, charge: chargeId, created: Math.floor(now() / 1000), currency: charge.currency, metadata, status: 'succeeded' };
    },
    draw(amount, sourceTransaction) {
      if (sourceTransaction !== undefined) {
        const charge = charges.get(sourceTransaction);
        if (charge === undefined) return;
        if (charge.transferred + amount > charge.amount) {
          throw invalidParam('amount', `The amount exceeds what is left to transfer from the source transaction ${sourceTransaction}.`, 'amount_too_large');
        }
        charge.transferred += amount;
        return;
      }
      if (available === null) return;
      if (amount > available) throw balanceInsufficient();
      available -= amount;
    },
    setAvailable(amount) {
      available = amount;
    },
    available() {
      return available;
    },
    clear() {
      payments.clear();
      intents.clear();
      charges.clear();
      available = null;
    },
  };
}
