import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { migrate } from '@pipeline/db';
import { adminQuery, databaseUrlFor, resolveTestServices } from '@pipeline/testkit';

declare module 'vitest' {
  export interface ProvidedContext {
    services: { rabbitmqUrl: string; databaseUrl: string; templateDatabase: string; rabbitmqContainerId?: string };
  }
}

/**
 * Finds the broker and database once per run (see resolveTestServices), and
 * prepares a migrated template database that each test file copies.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const services = await resolveTestServices(process.env);
  const templateDatabase = `template_${randomBytes(5).toString('hex')}`;
  await adminQuery(services.databaseUrl, `CREATE DATABASE ${templateDatabase}`);
  await migrate(databaseUrlFor(services.databaseUrl, templateDatabase));
  project.provide('services', {
    rabbitmqUrl: services.rabbitmqUrl,
    databaseUrl: services.databaseUrl,
    templateDatabase,
    ...(services.rabbitmqContainerId === undefined ? {} : { rabbitmqContainerId: services.rabbitmqContainerId }),
  });
  return async () => {
    await adminQuery(services.databaseUrl, `DROP DATABASE IF EXISTS ${templateDatabase} WITH (FORCE)`);
    await services.stop();
  };
}
