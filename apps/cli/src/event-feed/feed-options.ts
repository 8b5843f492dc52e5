import { InvalidArgumentError, type Command } from 'commander';
import type { Endpoint } from '@pipeline/broker';
import { feedOutcomes, type EventFeedFilter, type Outcome } from '@pipeline/db';
import { accountId } from '../options.ts';
import { parseSince } from '../since.ts';

/** The filter options `events list` and `events tail` share, as commander hands them over. */
export interface FeedFilterOptions {
  readonly type?: string;
  readonly account?: string;
  readonly endpoint?: Endpoint;
  readonly outcome?: readonly Outcome[];
  readonly since?: Date;
  readonly until?: Date;
  readonly id?: string;
}

/** Commander parser for `--outcome`: one outcome or several, comma-separated. */
export function outcomeList(value: string): Outcome[] {
  const outcomes = value.split(',').map((part) => part.trim());
  for (const outcome of outcomes) {
    if (!(feedOutcomes as readonly string[]).includes(outcome)) throw new InvalidArgumentError(`must be one or more of ${feedOutcomes.join(', ')}, comma-separated`);
  }
  return outcomes as Outcome[];
}

/** Commander parser for `--since` and `--until`: a duration back from now (`30m`, `2d`) or an ISO 8601 date or time. */
export function momentOption(value: string): Date {
  const moment = parseSince(value, new Date());
  if (moment === undefined) throw new InvalidArgumentError('must be a duration back from now such as 30m or 2d, or an ISO 8601 date or time');
  return moment;
}

function endpoint(value: string): Endpoint {
  if (value !== 'platform' && value !== 'connect') throw new InvalidArgumentError('must be platform or connect');
  return value;
}

function eventId(value: string): string {
  if (!/^evt_\w+$/.test(value)) throw new InvalidArgumentError('must be a Stripe event id such as evt_1A2b3C');
  return value;
}

/** Adds the feed's filter options to an `events` command; `--until` only where the feed has an end. */
export function addFeedFilterOptions(command: Command, { until }: { until: boolean }): Command {
  command
    .option('--type <event-type>', 'only events of this type; a glob such as "invoice.*" works')
    .option('--account <acct>', 'only events of this connected account', accountId)
    .option('--endpoint <endpoint>', 'only events of this endpoint: platform or connect', endpoint)
    .option('--outcome <outcomes>', `only events with one of these outcomes, comma-separated: ${feedOutcomes.join(', ')}`, outcomeList)
    .option('--since <when>', 'only events settled at or after this: a duration back from now (30m, 2d) or an ISO 8601 date or time', momentOption)
    .option('--id <evt>', 'only this event id', eventId);
  if (until) command.option('--until <when>', 'only events settled before this: a duration back from now or an ISO 8601 date or time', momentOption);
  return command;
}

/** The filter the options describe. */
export function feedFilterOf(options: FeedFilterOptions): EventFeedFilter {
  return { type: options.type, account: options.account, endpoint: options.endpoint, outcomes: options.outcome, since: options.since, until: options.until, id: options.id };
}
