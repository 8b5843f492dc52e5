import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { podmanSocket, preferPodmanWithoutDocker, repoRoot } from '@pipeline/testkit';

const run = promisify(execFile);

/** A compose project of docker-compose.yml on this machine's engine, under its own name and ports. */
export interface ComposeProject {
  readonly name: string;
  /** Host ports the stack publishes, chosen free so it never meets the machine's services. */
  readonly ports: { ingest: number; rabbitmq: number; rabbitmqManagement: number; postgres: number; emulator: number };
  /** Runs `compose -p <name> <args>` in the repository, resolving with stdout. */
  compose(args: string[], options?: { timeoutMs?: number }): Promise<string>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/**
 * The compose command: COMPOSE (e.g. `docker compose`), else `docker-compose` (Compose v2,
 * which scripts/containers/setup.sh installs). On podman, builds use the classic builder:
 * BuildKit's image would come from a registry.
 */
export async function composeProject(name: string): Promise<ComposeProject> {
  preferPodmanWithoutDocker();
  const [command = 'docker-compose', ...prefix] = (process.env.COMPOSE ?? 'docker-compose').split(' ').filter(Boolean);
  const ports = { ingest: await freePort(), rabbitmq: await freePort(), rabbitmqManagement: await freePort(), postgres: await freePort(), emulator: await freePort() };
  const env = {
    ...process.env,
    ...(process.env.DOCKER_HOST === `unix://${podmanSocket}` ? { DOCKER_BUILDKIT: '0' } : {}),
    INGEST_HOST_PORT: String(ports.ingest),
    RABBITMQ_HOST_PORT: String(ports.rabbitmq),
    RABBITMQ_MANAGEMENT_HOST_PORT: String(ports.rabbitmqManagement),
    POSTGRES_HOST_PORT: String(ports.postgres),
    EMULATOR_HOST_PORT: String(ports.emulator),
  };
  return {
    name,
    ports,
    async compose(args, options = {}) {
      const { stdout } = await run(command, [...prefix, '-p', name, ...args], {
        cwd: repoRoot,
        env,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      return stdout;
    },
  };
}

/** Stops one container by name through the engine's API (SIGTERM, then SIGKILL after `timeoutS`). */
export async function stopContainer(name: string, timeoutS = 40): Promise<void> {
  preferPodmanWithoutDocker();
  const { getContainerRuntimeClient } = await import('testcontainers');
  const client = await getContainerRuntimeClient();
  await client.container.stop(client.container.getById(name), { timeout: timeoutS });
}
