import { describe, expect, inject, it } from 'vitest';
import { startApp } from '@pipeline/testkit';

/**
 * The two crashes the network scenario found, each reduced to a script that runs in its own
 * process (an uncaught 'error' event ends the process, so it cannot run inside the test's).
 * Each script prints "DEFECT REPRODUCED" and exits 1 while the defect is there.
 */
async function runReproduction(script: string): Promise<{ exit: number | string; output: string }> {
  const services = inject('services');
  const child = startApp(`test/reliability/repro/${script}`, { RABBITMQ_URL: services.rabbitmqUrl, DATABASE_URL: services.databaseUrl });
  const exit = await child.exited;
  return { exit, output: child.output() };
}

describe('connection loss at the worst moment', () => {
  it('survives a broker connection reset while the connection is being set up again', async () => {
    const { exit, output } = await runReproduction('broker-error-during-setup.ts');
    expect(output).not.toContain('DEFECT REPRODUCED');
    expect(output).toContain('the connection recovered: true');
    expect(exit).toBe(0);
  });

  it('survives a database connection lost while a transaction holds its client', async () => {
    const { exit, output } = await runReproduction('database-error-during-transaction.ts');
    expect(output).not.toContain('DEFECT REPRODUCED');
    expect(output).toContain('the pool still works: 1');
    expect(exit).toBe(0);
  });
});
