#!/usr/bin/env node
// The `stripe-pipeline` bin, which npm links into node_modules/.bin on `npm ci`.
// In a checkout (src/ present) it runs the TypeScript source, resolving the workspace
// packages to their source as `npm run cli` does with --conditions=source, so it works
// right after `npm ci` with nothing built. Where only the build is (dist/), it runs that.
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';

const source = new URL('../src/main.ts', import.meta.url);
if (existsSync(source)) {
  registerHooks({
    resolve: (specifier, context, nextResolve) => nextResolve(specifier, { ...context, conditions: [...context.conditions, 'source'] }),
  });
  await import(source.href);
} else {
  await import(new URL('../dist/main.js', import.meta.url).href);
}
