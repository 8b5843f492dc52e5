#!/usr/bin/env node
import { processIo } from './io.ts';
import { buildProgram } from './program.ts';
import { errorLine, exitCodeOf } from './report-error.ts';
import { cliVersion, shortUsage } from './usage.ts';

const io = processIo();
const program = buildProgram(io).version(cliVersion(), '-V, --version', 'print the version');
try {
  // No arguments is a question, not a mistake: the short usage on stdout, exit 0.
  if (process.argv.length <= 2) io.print(shortUsage(program).trimEnd());
  else await program.parseAsync(process.argv);
} catch (err: unknown) {
  io.stderr.write(`${errorLine(err)}\n`);
  process.exitCode = exitCodeOf(err);
}
