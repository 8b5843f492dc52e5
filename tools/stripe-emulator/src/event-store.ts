import { inCreatedRange, type CreatedRange } from './read-params.ts';

/** A Stripe event object as seeded; `id`, `type` and `created` are always present. */
export type StripeEventObject = Record<string, unknown> & { id: string; type: string; created: number; account?: string };

/** Filters of `GET /v1/events`. */
export interface EventFilter {
  deliverySuccess?: boolean | undefined;
  /** One type, or a group with `*` as a wildcard (`invoice.*`). */
  type?: string | undefined;
  types?: string[] | undefined;
  created?: CreatedRange | undefined;
}

interface Entry {
  event: StripeEventObject;
  account: string | null;
  deliverySuccess: boolean;
  seq: number;
}

/** Seeded events, each scoped to its `account` (none: the platform's own). */
export interface EventStore {
  /** Adds events, replacing any with the same id. */
  seed(events: readonly StripeEventObject[], deliverySuccess: boolean): void;
  get(id: string, account: string | null): StripeEventObject | undefined;
  /** Newest first by `created`, later-seeded first among equals, as Stripe lists them. */
  list(filter: EventFilter, account: string | null): StripeEventObject[];
  clear(): void;
}

function typeMatcher(pattern: string): (type: string) => boolean {
  if (!pattern.includes('*')) return (type) => type === pattern;
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  const regex = new RegExp(`^${escaped.join('.*')}$`);
  return (type) => regex.test(type);
}

/** An empty in-memory event store. */
export function createEventStore(): EventStore {
  const entries = new Map<string, Entry>();
  let seq = 0;
  return {
    seed(events, deliverySuccess) {
      for (const event of events) {
        entries.delete(event.id);
        entries.set(event.id, { event, account: event.account ?? null, deliverySuccess, seq: seq++ });
      }
    },
    get(id, account) {
      const entry = entries.get(id);
      return entry?.account === account ? entry.event : undefined;
    },
    list(filter, account) {
      const matchesType = filter.type === undefined ? () => true : typeMatcher(filter.type);
      return [...entries.values()]
        .filter(
          (entry) =>
            entry.account === account &&
            (filter.deliverySuccess === undefined || entry.deliverySuccess === filter.deliverySuccess) &&
            matchesType(entry.event.type) &&
            (filter.types === undefined || filter.types.includes(entry.event.type)) &&
            inCreatedRange(entry.event.created, filter.created),
        )
        .sort((a, b) => b.event.created - a.event.created || b.seq - a.seq)
        .map((entry) => entry.event);
    },
    clear() {
      entries.clear();
    },
  };
}
