/** A connected account object; seeded fields override the defaults. */
export type StripeAccountObject = Record<string, unknown> & { id: string; created: number };

/** Connected accounts known to the emulator. */
export interface AccountStore {
  /** Adds or replaces accounts; missing fields get defaults of an onboarded Express account. */
  seed(accounts: ReadonlyArray<Record<string, unknown> & { id: string }>): void;
  /** Adds `account` (with defaults) only when it is not known yet. */
  ensure(account: Record<string, unknown> & { id: string }): void;
  get(id: string): StripeAccountObject | undefined;
  /** Newest first by `created`, later-added first among equals. */
  list(): StripeAccountObject[];
  clear(): void;
}

function withDefaults(fields: Record<string, unknown> & { id: string }, created: number): StripeAccountObject {
  return {
    object: 'account',
    type: 'express',
    business_type: null,
    capabilities: { transfers: 'active' },
    charges_enabled: true,
    country: 'US',
    created,
    default_currency: 'usd',
    details_submitted: true,
    email: null,
    livemode: false,
    metadata: {},
    payouts_enabled: true,
    requirements: { current_deadline: null, currently_due: [], disabled_reason: null, errors: [], eventually_due: [], past_due: [], pending_verification: [] },
    ...fields,
  };
}

/** An empty in-memory account store; `now` gives default creation times (default Date.now). */
export function createAccountStore(now: () => number = Date.now): AccountStore {
  const accounts = new Map<string, StripeAccountObject>();
  function put(fields: Record<string, unknown> & { id: string }): void {
    accounts.delete(fields.id);
    accounts.set(fields.id, withDefaults(fields, Math.floor(now() / 1000)));
  }
  return {
    seed(list) {
      for (const fields of list) put(fields);
    },
    ensure(fields) {
      if (!accounts.has(fields.id)) put(fields);
    },
    get(id) {
      return accounts.get(id);
    },
    list() {
      return [...accounts.values()].reverse().sort((a, b) => b.created - a.created);
    },
    clear() {
      accounts.clear();
    },
  };
}
