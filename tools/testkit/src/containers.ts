import { preferPodmanWithoutDocker } from './container-runtime.ts';

/** A service started in a container (tests, or `npm start` on a machine without local services). */
export interface StartedContainer {
  readonly url: string;
  /** The container's id, for commands run inside it (`rabbitmqctl`). */
  readonly id: string;
  stop(): Promise<void>;
}

/**
 * The RabbitMQ image tests and the stack start by default: the tag docker-compose.yml pins,
 * so the 4.x semantics the tests cover are the ones compose runs.
 */
export const defaultRabbitMqImage = 'rabbitmq:4.0.5-management';

/** The PostgreSQL image tests and the stack start by default (docker-compose.yml's). */
export const defaultPostgresImage = 'postgres:17';

async function loadTestcontainers(): Promise<typeof import('testcontainers')> {
  preferPodmanWithoutDocker();
  return import('testcontainers');
}

/** True when testcontainers finds a container runtime (Docker, Podman, ...); loaded only when asked. */
export async function containerRuntimeAvailable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await loadTestcontainers();
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a container, trying again twice: podman's API sometimes answers a start with a bare
 * 500 "exit status 1" (seen here once in several dozen starts, right after other containers
 * came and went), and a second start of a fresh container then succeeds.
 */
async function startRetrying<T>(what: string, start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await start();
    } catch (err: unknown) {
      if (attempt >= attempts) throw err;
      process.stderr.write(`starting ${what} failed (${err instanceof Error ? err.message : String(err)}); trying again\n`);
      await new Promise((resolve) => setTimeout(resolve, 2_000 * attempt));
    }
  }
}

/** Starts RabbitMQ (with its management UI) in a container; `image` defaults to {@link defaultRabbitMqImage}. */
export async function startRabbitMqContainer(image: string = defaultRabbitMqImage): Promise<StartedContainer> {
  await loadTestcontainers();
  const { RabbitMQContainer } = await import('@testcontainers/rabbitmq');
  const container = await startRetrying(`a ${image} container`, () => new RabbitMQContainer(image).start());
  return {
    // The image's guest user (RabbitMQContainer sets it), so tests connect as they do locally.
    url: `amqp://guest:guest@${container.getHost()}:${container.getMappedPort(5672)}`,
    id: container.getId(),
    stop: async () => {
      await container.stop();
    },
  };
}

/** Starts PostgreSQL in a container; `image` defaults to {@link defaultPostgresImage}. */
export async function startPostgresContainer(image: string = defaultPostgresImage): Promise<StartedContainer> {
  await loadTestcontainers();
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await startRetrying(`a ${image} container`, () => new PostgreSqlContainer(image).start());
  return {
    url: container.getConnectionUri(),
    id: container.getId(),
    stop: async () => {
      await container.stop();
    },
  };
}

/**
 * Runs a command inside a container this harness started (by id), through the engine's API,
 * so it works the same on Docker and podman; resolves with its stdout, rejects when it exits
 * non-zero or outlasts `timeoutMs` (default 20 s).
 */
export async function runInContainer(id: string, command: string[], options: { timeoutMs?: number } = {}): Promise<string> {
  const { getContainerRuntimeClient } = await loadTestcontainers();
  const client = await getContainerRuntimeClient();
  const timeoutMs = options.timeoutMs ?? 20_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${command.join(' ')} in container ${id} took longer than ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    const result = await Promise.race([client.container.exec(client.container.getById(id), command), timeout]);
    if (result.exitCode !== 0) throw new Error(`${command.join(' ')} in container ${id} exited ${result.exitCode}: ${result.stderr || result.output}`);
    return result.stdout;
  } finally {
    clearTimeout(timer);
  }
}
