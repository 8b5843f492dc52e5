import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface WorkerMetrics {
  readonly registry: Registry;
  /** Events handled, by type and outcome (processed, ignored, stale, duplicate, retrying, parked). */
  readonly events: Counter<'type' | 'outcome'>;
  /** Time a command took, committed or not. */
  readonly commandDuration: Histogram<'command'>;
  /** Retries scheduled. */
  readonly retries: Counter<'type'>;
  /** Messages parked by this worker, by reason (permanent, exhausted, malformed). */
  readonly deadLetters: Counter<'reason'>;
  /** Deliveries of an event id already processed: acked, no command run. */
  readonly duplicates: Counter;
  /** Events older than the state they would change: recorded, not applied. */
  readonly staleEvents: Counter<'type'>;
}

/** The worker's metrics on a registry of its own; `probe` feeds the gauges at scrape time. */
export function createWorkerMetrics(probe: { ready: () => boolean; inFlight: () => number; databaseUp: () => boolean }): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  new Gauge({
    name: 'worker_broker_ready',
    help: '1 while the worker is connected and consuming',
    registers,
    collect() {
      this.set(probe.ready() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'worker_database_up',
    help: '1 while the last database ping answered',
    registers,
    collect() {
      this.set(probe.databaseUp() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'worker_messages_in_flight',
    help: 'Messages being handled now',
    registers,
    collect() {
      this.set(probe.inFlight());
    },
  });
  return {
    registry,
    events: new Counter({ name: 'worker_events_total', help: 'Events handled, by type and outcome', labelNames: ['type', 'outcome'] as const, registers }),
    commandDuration: new Histogram({
      name: 'worker_command_duration_seconds',
      help: 'Time a command took, by command',
      labelNames: ['command'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    retries: new Counter({ name: 'worker_retries_total', help: 'Retries scheduled, by event type', labelNames: ['type'] as const, registers }),
    deadLetters: new Counter({ name: 'worker_dead_letters_total', help: 'Messages parked by the worker, by reason', labelNames: ['reason'] as const, registers }),
    duplicates: new Counter({ name: 'worker_duplicates_total', help: 'Deliveries of already processed events, skipped', registers }),
    staleEvents: new Counter({ name: 'worker_stale_events_total', help: 'Events older than the state they would change', labelNames: ['type'] as const, registers }),
  };
}
