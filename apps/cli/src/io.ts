import type { Env } from '@pipeline/core';

/**
 * What a command may touch of its process: the environment, stdout for humans, and the
 * terminal streams for prompts and progress bars. Built once in main.ts.
 */
export interface CliIo {
  /** The environment the configuration is read from. */
  readonly env: Env;
  /** Writes one line for humans (or for `--json`) on stdout. */
  print(line?: string): void;
  /** Where prompts are read from. */
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  /** Where prompts, progress bars and errors go. */
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean };
}

/** The real process's streams and environment. */
export function processIo(): CliIo {
  // A reader that went away (`... | head`) ends the command quietly, as SIGPIPE would; the
  // broker takes back whatever was not settled.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  return {
    env: process.env,
    print: (line = '') => {
      process.stdout.write(`${line}\n`);
    },
    stdin: process.stdin,
    stderr: process.stderr,
  };
}
