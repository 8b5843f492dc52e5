import { objectId } from './object-id.ts';
import { inCreatedRange, type CreatedRange } from './read-params.ts';

/** A Stripe transfer object, with the fields Stripe returns. */
export interface Transfer {
  id: string;
  object: 'transfer';
  amount: number;
  amount_reversed: number;
  balance_transaction: string;
  created: number;
  currency: string;
  description: string | null;
  destination: string;
  destination_payment: string;
  livemode: boolean;
  metadata: Record<string, string>;
  reversals: { object: 'list'; data: TransferReversal[]; has_more: false; total_count: number; url: string };
  /** True once `amount_reversed` reaches `amount`. */
  reversed: boolean;
  source_transaction: string | null;
  source_type: 'card';
  transfer_group: string | null;
}

/** A `transfer_reversal` object. */
export interface TransferReversal {
  id: string;
  object: 'transfer_reversal';
  amount: number;
  created: number;
  currency: string;
  metadata: Record<string, string>;
  transfer: string;
}

/** The parameters of `POST /v1/transfers`, already validated. */
export interface TransferInput {
  amount: number;
  currency: string;
  destination: string;
  description?: string | undefined;
  metadata: Record<string, string>;
  sourceTransaction?: string | undefined;
  transferGroup?: string | undefined;
  livemode: boolean;
}

/** Filters of `GET /v1/transfers`. */
export interface TransferFilter {
  destination?: string | undefined;
  transferGroup?: string | undefined;
  created?: CreatedRange | undefined;
}

/**
 * Transfers, each owned by the account that created it (null: the platform) and seen only
 * in its own mode: Stripe's objects of one mode are not accessible to the other mode's keys.
 */
export interface TransferStore {
  create(input: TransferInput, account: string | null): Transfer;
  get(id: string, account: string | null, livemode: boolean): Transfer | undefined;
  /** Reverses `amount` (default: all that is left) of a transfer; undefined when it does not exist. */
  reverse(id: string, amount: number | undefined, metadata: Record<string, string>, account: string | null, livemode: boolean): TransferReversal | undefined;
  /** Newest first, as Stripe lists them. */
  list(filter: TransferFilter, account: string | null, livemode: boolean): Transfer[];
  clear(): void;
}

/** An empty in-memory transfer store; `now` gives creation times (default Date.now). */
export function createTransferStore(now: () => number = Date.now): TransferStore {
  let transfers: Array<{ transfer: Transfer; account: string | null }> = [];
  return {
    create(input, account) {
      const id = objectId('tr');
      const transfer: Transfer = {
        id,
        object: 'transfer',
        amount: input.amount,
        amount_reversed: 0,
        balance_transaction: objectId('txn'),
        created: Math.floor(now() / 1000),
        currency: input.currency,
        description: input.description ?? null,
        destination: input.destination,
        destination_payment: objectId('py'),
        livemode: input.livemode,
        metadata: input.metadata,
        reversals: { object: 'list', data: [], has_more: false, total_count: 0, url: `/v1/transfers/${id}/reversals` },
        reversed: false,
        source_transaction: input.sourceTransaction ?? null,
        source_type: 'card',
        transfer_group: input.transferGroup ?? null,
      };
      transfers.push({ transfer, account });
      return transfer;
    },
    get(id, account, livemode) {
      return transfers.find((entry) => entry.transfer.id === id && entry.account === account && entry.transfer.livemode === livemode)?.transfer;
    },
    reverse(id, amount, metadata, account, livemode) {
      const transfer = transfers.find((entry) => entry.transfer.id === id && entry.account === account && entry.transfer.livemode === livemode)?.transfer;
      if (transfer === undefined) return undefined;
      const reversal: TransferReversal = {
        id: objectId('trr'),
        object: 'transfer_reversal',
        amount: amount ?? transfer.amount - transfer.amount_reversed,
        created: Math.floor(now() / 1000),
        currency: transfer.currency,
        metadata,
        transfer: id,
      };
      transfer.amount_reversed += reversal.amount;
      transfer.reversed = transfer.amount_reversed >= transfer.amount;
      transfer.reversals.data.unshift(reversal);
      transfer.reversals.total_count += 1;
      return reversal;
    },
    list(filter, account, livemode) {
      // Pushed in creation order, so reversing gives newest first even within one second.
      return transfers
        .filter(
          ({ transfer, account: owner }) =>
            owner === account &&
            transfer.livemode === livemode &&
            (filter.destination === undefined || transfer.destination === filter.destination) &&
            (filter.transferGroup === undefined || transfer.transfer_group === filter.transferGroup) &&
            inCreatedRange(transfer.created, filter.created),
        )
        .map(({ transfer }) => transfer)
        .reverse();
    },
    clear() {
      transfers = [];
    },
  };
}
