import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { serviceEnvironment, serviceNodeFlags } from '@pipeline/core';
import { repoRoot } from '@pipeline/testkit';

// The ingest and the worker run with the same memory settings wherever they are started;
// packages/core/src/service-runtime.ts is the reference, and the bench and the local stack
// use it directly. docker-compose.yml and the Dockerfile are checked in compose.test.ts.
const read = (file: string): string => readFileSync(`${repoRoot}/${file}`, 'utf8');
const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
const environment = Object.entries(serviceEnvironment).map(([name, value]) => `${name}=${value}`);

describe('service runtime settings', () => {
  it.each(['ingest', 'worker'])('npm run start:%s starts the app with them', (app) => {
    expect(scripts[`start:${app}`]).toBe(`${environment.join(' ')} node ${serviceNodeFlags.join(' ')} apps/${app}/dist/main.js`);
  });

  it('this Node accepts every flag', async () => {
    // An unknown or removed V8 flag makes node refuse to start: caught here, on the Node the
    // project runs on (engines: 24), before a release.
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [...serviceNodeFlags, '-e', 'process.stdout.write("started")'], {
      env: { ...process.env, ...serviceEnvironment },
    });
    expect(stderr).toBe('');
    expect(stdout).toBe('started');
  });
});
