import { PipelineError } from '@pipeline/core';

/**
 * A failure the operator can act on (a mistyped option, a missing service, an unknown id):
 * main.ts prints it as one `error: ...` line, never a stack trace, and exits with `exitCode`.
 */
export class CliError extends PipelineError {
  readonly exitCode: number;

  constructor(code: string, message: string, options: { cause?: unknown; exitCode?: number } = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode ?? 1;
  }
}
