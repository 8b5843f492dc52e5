import type { createLogger } from '@pipeline/core';
import PinoPretty from 'pino-pretty';

/** How `npm start` shows a log line: as it came (JSON), or prettified for a person. */
export type LineFormat = (line: string) => string;

const prettyOptions = { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } as const;

/**
 * pino-pretty for a terminal, JSON as is otherwise (a pipe, a file, a log collector). Only
 * the stack's own output changes: the services still write JSON, which the stack reads to
 * learn their URLs before it formats the line.
 */
export function lineFormatFor(stream: { readonly isTTY?: boolean }, colorize = PinoPretty.isColorSupported): LineFormat {
  if (stream.isTTY !== true) return (line) => line;
  const pretty = PinoPretty.prettyFactory({ ...prettyOptions, colorize });
  // A line that is not JSON (a banner, a Node warning) passes as it is.
  return (line) => (line.startsWith('{') ? pretty(line).trimEnd() : line);
}

/** The stack's own logger destination: pretty on a terminal, else undefined (pino's JSON on stdout). */
export function stackLogDestination(stream: { readonly isTTY?: boolean }): Parameters<typeof createLogger>[0]['destination'] {
  return stream.isTTY === true ? PinoPretty.build({ ...prettyOptions, colorize: PinoPretty.isColorSupported, destination: 1, sync: true }) : undefined;
}
