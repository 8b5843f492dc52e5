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
  /** The broker's container when the harness started one (for `rabbitmqctl` inside it). */
  rabbitmqContainerId?: string;
  stop(): Promise<void>;
}

type ResolvedServices = Omit<TestServices, 'templateDatabase'>;

async function startContainers(rabbitmqImage: string | undefined): Promise<ResolvedServices> {
  const [rabbit, postgres] = await Promise.all([startRabbitMqContainer(rabbitmqImage), startPostgresContainer()]);
  return {
    rabbitmqUrl: rabbit.url,
    databaseUrl: postgres.url,
    rabbitmqContainerId: rabbit.id,
    async stop() {
      await Promise.all([rabbit.stop(), postgres.stop()]);
    },
  };
}

/**
 * The run's broker in a container of the image TEST_RABBITMQ_IMAGE names, and the database
 * from DATABASE_URL (else a container): how one run targets another RabbitMQ version while
 * keeping the machine's PostgreSQL.
 */
async function startBrokerImage(image: string, databaseUrl: string | undefined): Promise<ResolvedServices> {
  if (!(await containerRuntimeAvailable())) {
    throw new Error(
      `TEST_RABBITMQ_IMAGE=${image} needs a container engine, and testcontainers found none: start Docker, ` +
        'or run scripts/containers/setup.sh (podman), or unset TEST_RABBITMQ_IMAGE to use RABBITMQ_URL',
    );
  }
  if (databaseUrl === undefined) return startContainers(image);
  const rabbit = await startRabbitMqContainer(image);
  return { rabbitmqUrl: rabbit.url, databaseUrl, rabbitmqContainerId: rabbit.id, stop: () => rabbit.stop() };
}

/**
 * Where the tests find their services, first match wins:
 * 1. TEST_RABBITMQ_IMAGE set: a broker container of that image (and DATABASE_URL, else a container);
 * 2. RABBITMQ_URL and DATABASE_URL both set: those;
 * 3. a container engine found by testcontainers: containers of the default images;
 * 4. PRODUCT.md's defaults on localhost, if both answer there;
 * otherwise fails with a message that says what to set.
 */
export async function resolveTestServices(env: Record<string, string | undefined>): Promise<ResolvedServices> {
  const rabbitmqUrl = env.RABBITMQ_URL;
  const databaseUrl = env.DATABASE_URL;
  const rabbitmqImage = env.TEST_RABBITMQ_IMAGE;
  if (rabbitmqImage) return startBrokerImage(rabbitmqImage, databaseUrl || undefined);
  if (rabbitmqUrl && databaseUrl) return { rabbitmqUrl, databaseUrl, stop: () => Promise.resolve() };
  if (await containerRuntimeAvailable()) return startContainers(undefined);
  const unreachable = await Promise.all([probeBroker(localServices.rabbitmqUrl), probeDatabase(localServices.databaseUrl)]);
  if (unreachable.every((reason) => reason === undefined)) return { ...localServices, stop: () => Promise.resolve() };
  throw new Error(
    'tests need RabbitMQ and PostgreSQL: set RABBITMQ_URL (e.g. amqp://guest:guest@127.0.0.1:5672) and ' +
      'DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres), or run a container engine (Docker, or podman via ' +
      'scripts/containers/setup.sh) so testcontainers can start them',
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
