import type Stripe from 'stripe';
import type { PoolClient } from 'pg';
import type { Endpoint } from '@pipeline/broker';
import type { Logger } from '@pipeline/core';

/** What a command may use. Every database write goes through `db`, inside the event's transaction. */
export interface CommandContext {
  /** The transaction that also records the event in `stripe_events`; it commits only if the command resolves. */
  readonly db: PoolClient;
  /** The official SDK, pointed at STRIPE_API_BASE. */
  readonly stripe: Stripe;
  /** The platform's share of a paid invoice, in percent (PLATFORM_FEE_PERCENT). */
  readonly platformFeePercent: number;
  /** Carries eventId, eventType and account. */
  readonly logger: Logger;
  /** The endpoint the event came through. */
  readonly endpoint: Endpoint;
}

/**
 * `processed`: the command applied the event. `stale`: the object had already been changed
 * by a newer event, so nothing was applied. `effects` is stored in `stripe_events.effects`
 * for operators (`events show`): ids and amounts, never personal data.
 */
export interface CommandResult {
  readonly outcome: 'processed' | 'stale';
  readonly effects?: Record<string, unknown>;
}

/** One platform command, run once per Stripe event id. */
export interface Command {
  /** e.g. `ActivateCustomerSubscription`. */
  readonly name: string;
  /** The endpoint whose events this command handles; the same type on the other endpoint is ignored. */
  readonly endpoint: Endpoint;
  /**
   * Applies the event. Throws a PermanentError when the event can never be applied (its
   * payload lacks what the command reads), a TransientError (or anything else) when a
   * later attempt may succeed.
   */
  run(event: Stripe.Event, context: CommandContext): Promise<CommandResult>;
}
