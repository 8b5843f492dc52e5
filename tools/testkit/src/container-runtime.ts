import { existsSync } from 'node:fs';

/** Where `scripts/containers/setup.sh` (and rootful podman's own service unit) puts podman's Docker API. */
export const podmanSocket = '/run/podman/podman.sock';

/** Docker's own socket, which testcontainers finds without help. */
const dockerSocket = '/var/run/docker.sock';

/**
 * Points testcontainers at rootful podman when no Docker is configured. testcontainers reads
 * its settings only from the environment (or ~/.testcontainers.properties), so this sets, in
 * `env`, only what is unset:
 * - `DOCKER_HOST`: podman's socket, which testcontainers does not look for when run as root;
 * - `TESTCONTAINERS_RYUK_DISABLED=true`: Ryuk's image comes from a registry that an offline
 *   podman machine cannot reach (the harness stops its containers itself);
 * - `TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1`: ports are published on this host, and a stray
 *   `/.dockerenv` would otherwise make testcontainers look for a gateway address.
 * With Docker present (its socket, or DOCKER_HOST set) nothing changes.
 */
export function preferPodmanWithoutDocker(env: Record<string, string | undefined> = process.env): void {
  if (env.DOCKER_HOST !== undefined || existsSync(dockerSocket) || !existsSync(podmanSocket)) return;
  env.DOCKER_HOST = `unix://${podmanSocket}`;
  env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
}
