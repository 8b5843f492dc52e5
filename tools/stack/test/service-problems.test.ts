import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { repoRoot, startApp } from '@pipeline/testkit';

const entry = 'tools/stack/src/main.ts';

/** The URL with another user name and password, on the same server. */
function withCredentials(serviceUrl: string, user: string, password: string): string {
  const url = new URL(serviceUrl);
  url.username = user;
  url.password = password;
  return url.toString();
}

/** Runs `npm start`'s entry and returns the lines it wrote that are not JSON log lines. */
async function failedStart(env: Record<string, string>): Promise<string[]> {
  // STACK_CONTAINERS=auto: a refused login must not be "fixed" by starting a container.
  const stack = startApp(entry, { STACK_CONTAINERS: 'auto', ...env });
  expect(await stack.exited).toBe(1);
  return stack.output().trim().split('\n').filter((line) => !line.startsWith('{'));
}

describe('npm start when a service refuses the credentials (issue 15)', () => {
  const services = inject('services');

  it('says RabbitMQ refused the password (ACCESS_REFUSED), not that it should be started', async () => {
    const lines = await failedStart({
      RABBITMQ_URL: withCredentials(services.rabbitmqUrl, 'guest', 'not-the-password'),
      DATABASE_URL: services.databaseUrl,
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^RabbitMQ at amqp:\/\/guest:\*\*\*@\S+ refused the user name or password \(authentication failed: .*ACCESS.REFUSED/);
    expect(lines[0]).toMatch(/correct them in RABBITMQ_URL$/);
    expect(lines[0]).not.toMatch(/start it|unreachable/);
    expect(lines[0]).not.toContain('not-the-password');
  });

  it('says PostgreSQL refused the login (SQLSTATE class 28), not that it should be started', async () => {
    const lines = await failedStart({
      RABBITMQ_URL: services.rabbitmqUrl,
      DATABASE_URL: withCredentials(services.databaseUrl, 'no_such_role_issue15', 'not-the-password'),
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^PostgreSQL at postgres:\/\/no_such_role_issue15:\*\*\*@\S+ refused the user name or password \(authentication failed: /);
    expect(lines[0]).toMatch(/correct them in DATABASE_URL$/);
    expect(lines[0]).not.toMatch(/start it|unreachable/);
  });

  it('gives, for a PostgreSQL that does not answer, the start command the README gives', async () => {
    const lines = await failedStart({ RABBITMQ_URL: services.rabbitmqUrl, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/postgres', STACK_CONTAINERS: 'never' });
    expect(lines).toHaveLength(1);
    const command = /start it with `([^`]+)`/.exec(lines[0] ?? '')?.[1];
    expect(command).toBeDefined();
    expect(readFileSync(`${repoRoot}/README.md`, 'utf8')).toContain(`PostgreSQL (Debian): \`${command ?? ''}\``);
  });
});
