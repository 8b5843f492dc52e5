import pg from 'pg';
import { containerRuntimeAvailable, startPostgresContainer, startRabbitMqContainer } from './containers.ts';
import { probeBroker, probeDatabase } from './probe-services.ts';

/** PRODUCT.md's defaults: a broker and a database on this machine. */
export const localServices = {
  rabbitmqUrl: 'amqp://guest:guest@127.0.0.1:5672',
  databaseUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
} as const;

/** Where the tests find RabbitMQ and PostgreSQL (URLs with admin rights on both). */
export interface TestServices {
  rabbitmqUrl: string;
  databaseUrl: string;
  /** A database with every migration applied, copied for each test file. */
  templateDatabase: string;
  stop(): Promise<void>;
}

async function startContainers(): Promise<{ rabbitmqUrl: string; databaseUrl: string; stop(): Promise<void> }> {
  const [rabbit, postgres] = await Promise.all([startRabbitMqContainer(), startPostgresContainer()]);
  return {
    rabbitmqUrl: rabbit.url,
    databaseUrl: postgres.url,
    async stop() {
      await Promise.all([rabbit.stop(), postgres.stop()]);
    },
  };
}

/**
 * Uses RABBITMQ_URL and DATABASE_URL when both are set; otherwise starts containers with
 * testcontainers; otherwise uses PRODUCT.md's defaults on localhost if both answer there;
 * otherwise fails with a message that says what to set.
 */
export async function resolveTestServices(env: Record<string, string | undefined>): Promise<Omit<TestServices, 'templateDatabase'>> {
  const rabbitmqUrl = env.RABBITMQ_URL;
  const databaseUrl = env.DATABASE_URL;
  if (rabbitmqUrl && databaseUrl) return { rabbitmqUrl, databaseUrl, stop: () => Promise.resolve() };
  if (await containerRuntimeAvailable()) return startContainers();
  const unreachable = await Promise.all([probeBroker(localServices.rabbitmqUrl), probeDatabase(localServices.databaseUrl)]);
  if (unreachable.every((reason) => reason === undefined)) return { ...localServices, stop: () => Promise.resolve() };
  throw new Error(
    'tests need RabbitMQ and PostgreSQL: set RABBITMQ_URL (e.g. amqp://guest:guest@127.0.0.1:5672) and ' +
      'DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres), or run a container engine (Docker) ' +
      'so testcontainers can start them',
  );
}

/** The URL of another database on the same server. */
export function databaseUrlFor(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs one statement on the server's maintenance database (CREATE/DROP DATABASE). */
export async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
