import { InvalidArgumentError } from 'commander';
import { parseDuration } from '@pipeline/core';

/** Commander parser for counts and limits: a positive whole number. */
export function positiveInteger(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number <= 0) {
    throw new InvalidArgumentError('must be a positive whole number');
  }
  return number;
}

/** Commander parser for `--rate`: a positive number of messages per second (0.5 is one every 2 s). */
export function rate(value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0) {
    throw new InvalidArgumentError('must be a positive number of messages per second');
  }
  return number;
}

/** Commander parser for durations such as `90m`, `6h` or `30d`, in milliseconds. */
export function duration(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError('must be a duration such as 30m, 6h or 3d');
  return ms;
}

/** Commander parser for a connected account id. */
export function accountId(value: string): string {
  if (!/^acct_\w+$/.test(value)) throw new InvalidArgumentError('must be a connected account id such as acct_1A2b3C');
  return value;
}
