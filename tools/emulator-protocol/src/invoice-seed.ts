/** How an invoice was paid, as `POST /_emulator/invoices` declares it. */
export type InvoicePaidBy = 'payment_intent' | 'charge' | 'none';

/** An invoice the emulator knows, as the control API declares it. */
export interface InvoiceSeed {
  id: string;
  /** Default 10000. */
  amountPaid?: number | undefined;
  /** Default `usd`. */
  currency?: string | undefined;
  /** Default `payment_intent`, as Stripe pays a subscription's invoices; `none`: paid out of band, no payment. */
  paidBy?: InvoicePaidBy | undefined;
}
