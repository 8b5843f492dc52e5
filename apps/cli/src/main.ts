#!/usr/bin/env node
import { processIo } from './io.ts';
import { buildProgram } from './program.ts';
import { errorLine, exitCodeOf } from './report-error.ts';

const io = processIo();
try {
  await buildProgram(io).parseAsync(process.argv);
} catch (err: unknown) {
  io.stderr.write(`${errorLine(err)}\n`);
  process.exitCode = exitCodeOf(err);
}
