import { Command, Option } from 'commander';
import type { TriggerOptions } from './run.ts';
import type { CliIo } from '../../io.ts';
import { accountId, positiveInteger, rate } from '../../options.ts';

/** `trigger <event-type>`: an offline `stripe trigger`, signed and posted to a running ingest. */
export function triggerCommand(io: CliIo): Command {
  return new Command('trigger')
    .description('send a realistic signed Stripe event (built from Stripe sample objects) to a running ingest (INGEST_URL); a local INGEST_URL without STRIPE_WEBHOOK_SECRET_* uses the local stack\'s example secrets')
    .argument('<event-type>', 'e.g. invoice.paid, customer.subscription.updated, account.updated (an unknown type lists the known ones)')
    .addOption(new Option('--endpoint <endpoint>', 'webhook endpoint to post to (default: connect for account.* and payout.* events, platform otherwise)').choices(['platform', 'connect']))
    .option('--account <acct>', 'connected account of a connect event (default: a random acct_ id)', accountId)
    .option('--livemode', 'mark the event as a live-mode event (default: test mode)')
    .option('--count <n>', 'send this many events, each with its own id', positiveInteger, 1)
    .option('--rate <per-second>', 'send at most this many events per second (default: as fast as the ingest answers)', rate)
    .option('--undelivered', 'record the event in the local Stripe emulator (STRIPE_API_BASE, never Stripe\'s API) as not delivered instead of posting it, for `reconcile` to find')
    .option('--poison', 'with account.updated: an event whose object is another account than the event\'s, which the worker parks (to try the dead-letter commands)')
    .action(async (type: string, options: TriggerOptions) => {
      const { runTrigger } = await import('./run.ts');
      await runTrigger(io, type, options);
    });
}
