import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { migrate } from '@pipeline/db';
import { adminQuery, databaseUrlFor, resolveTestServices } from '@pipeline/testkit';

/**
 * Like test/global-setup.ts, but the tests get PGBOUNCER_URL as their database server: every
 * test database is created, used by the worker and the ledger, and dropped through PgBouncer.
 * Only the template is created and migrated directly on PostgreSQL, as a migration Job does in
 * production (migrations take a session advisory lock, which transaction pooling cannot hold),
 * and so that PgBouncer never holds a connection to the template, which CREATE DATABASE ...
 * TEMPLATE refuses to copy while anyone is connected to it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const pgbouncerUrl = process.env.PGBOUNCER_URL;
  if (!pgbouncerUrl) throw new Error('set PGBOUNCER_URL (e.g. postgres://postgres@127.0.0.1:6432/postgres); npm run test:pgbouncer starts one');
  const services = await resolveTestServices(process.env);
  const templateDatabase = `template_${randomBytes(5).toString('hex')}`;
  await adminQuery(services.databaseUrl, `CREATE DATABASE ${templateDatabase}`);
  await migrate(databaseUrlFor(services.databaseUrl, templateDatabase));
  project.provide('services', { rabbitmqUrl: services.rabbitmqUrl, databaseUrl: pgbouncerUrl, templateDatabase });
  return async () => {
    await adminQuery(services.databaseUrl, `DROP DATABASE IF EXISTS ${templateDatabase} WITH (FORCE)`);
    await services.stop();
  };
}
