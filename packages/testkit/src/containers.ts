/** A service started in a container (tests, or `npm start` on a machine without local services). */
export interface StartedContainer {
  readonly url: string;
  stop(): Promise<void>;
}

/** True when testcontainers finds a container runtime (Docker, Podman, ...); loaded only when asked. */
export async function containerRuntimeAvailable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

/** Starts RabbitMQ (with its management UI) in a container; the image the tests and the stack use. */
export async function startRabbitMqContainer(): Promise<StartedContainer> {
  const { RabbitMQContainer } = await import('@testcontainers/rabbitmq');
  const container = await new RabbitMQContainer('rabbitmq:4-management').start();
  return {
    url: container.getAmqpUrl(),
    stop: async () => {
      await container.stop();
    },
  };
}

/** Starts PostgreSQL in a container; the image the tests and the stack use. */
export async function startPostgresContainer(): Promise<StartedContainer> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer('postgres:17').start();
  return {
    url: container.getConnectionUri(),
    stop: async () => {
      await container.stop();
    },
  };
}
