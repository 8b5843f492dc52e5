import { once } from 'node:events';
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
  /**
   * Resolves once stdout has taken what was printed so far (a pipe's reader may be slower
   * than the database): long listings wait on it between pages, so their memory is a page,
   * not the listing. Absent: nothing to wait for.
   */
  drained?(): Promise<void>;
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
    drained: async () => {
      if (process.stdout.writableNeedDrain) await once(process.stdout, 'drain');
    },
    stdin: process.stdin,
    stderr: process.stderr,
  };
}

/** `pages`, each fetched only once stdout took the previous ones (see CliIo.drained). */
export async function* pacedByOutput<T>(io: CliIo, pages: AsyncIterable<T>): AsyncGenerator<T> {
  const iterator = pages[Symbol.asyncIterator]();
  for (;;) {
    await io.drained?.();
    const next = await iterator.next();
    if (next.done === true) return;
    yield next.value;
  }
}
