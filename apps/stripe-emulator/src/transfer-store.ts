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
  reversals: { object: 'list'; data: never[]; has_more: false; total_count: 0; url: string };
  reversed: false;
  source_transaction: string | null;
  source_type: 'card';
  transfer_group: string | null;
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
