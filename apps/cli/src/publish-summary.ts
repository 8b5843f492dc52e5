import { describeError } from '@pipeline/core';
import { CliError } from './cli-error.ts';
import { countInto, formatCounts, plural } from './format.ts';
import type { CliIo } from './io.ts';
import { interruptedExitCode } from './interruption.ts';
import type { PublishReport } from './publish-events.ts';

/**
 * Prints what a publishing run did (sent by type, skipped, failed), then throws when it
 * did not finish: interrupted (exit 130) or some events not confirmed (exit 1).
 */
export function reportPublishing(
  io: CliIo,
  report: PublishReport & {
    readonly skipped: number;
    /** Why events were skipped, e.g. `2 already finished`. */
    readonly skippedDetail?: string;
    readonly planned: number;
    readonly interrupted: boolean;
    readonly exchange: string;
  },
): void {
  const byType = new Map<string, number>();
  for (const event of report.sent) countInto(byType, event.envelope.type);
  io.print(`sent ${plural(report.sent.length, 'event')} to ${report.exchange}, skipped ${report.skipped}, failed ${report.failed.length}`);
  for (const line of formatCounts(byType)) io.print(line);
  if (report.skippedDetail !== undefined && report.skippedDetail !== '') io.print(`skipped ${report.skippedDetail}`);
  for (const { event, error } of report.failed.slice(0, 10)) io.print(`failed ${event.envelope.id}: ${describeError(error)}`);
  if (report.failed.length > 10) io.print(`... and ${report.failed.length - 10} more failed`);
  if (report.interrupted) {
    const done = report.sent.length + report.failed.length;
    throw new CliError('INTERRUPTED', `interrupted after ${done} of ${report.planned}; run the same command again to send the rest`, { exitCode: interruptedExitCode });
  }
  if (report.failed.length > 0) {
    throw new CliError('NOT_PUBLISHED', `${plural(report.failed.length, 'event')} could not be published; run the same command again to retry them`);
  }
}
