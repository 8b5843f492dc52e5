import { topologyNames } from '@pipeline/broker';
import type { Manifest } from './render.ts';

interface Container {
  name: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[] } };
  readinessProbe?: unknown;
  livenessProbe?: unknown;
}

interface PodSpec {
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean };
  containers: Container[];
}

function podSpecOf(manifest: Manifest): PodSpec | undefined {
  const spec = manifest.spec as { template?: { spec?: PodSpec } } | undefined;
  return spec?.template?.spec;
}

function find(manifests: readonly Manifest[], kind: string, name: string): Manifest | undefined {
  return manifests.find((m) => m.kind === kind && m.metadata.name === name);
}

/**
 * The project's own rules, which no schema knows: hardening on every pod, resources on every
 * container, probes on the long-running ones, a grace period above the worker's shutdown
 * timeout, and KEDA watching the queue the workers actually consume.
 */
export function checkPolicies(manifests: readonly Manifest[]): string[] {
  const problems: string[] = [];
  for (const manifest of manifests) {
    const pod = podSpecOf(manifest);
    if (pod === undefined) continue;
    const where = `${manifest.kind}/${manifest.metadata.name}`;
    if (pod.securityContext?.runAsNonRoot !== true) problems.push(`${where}: pod must set runAsNonRoot: true`);
    for (const container of pod.containers) {
      const at = `${where} container ${container.name}`;
      if (container.securityContext?.readOnlyRootFilesystem !== true) problems.push(`${at}: readOnlyRootFilesystem must be true`);
      if (container.securityContext?.allowPrivilegeEscalation !== false) problems.push(`${at}: allowPrivilegeEscalation must be false`);
      if (!(container.securityContext?.capabilities?.drop ?? []).includes('ALL')) problems.push(`${at}: must drop ALL capabilities`);
      for (const kind of ['requests', 'limits'] as const) {
        for (const resource of ['cpu', 'memory']) {
          if (container.resources?.[kind]?.[resource] === undefined) problems.push(`${at}: resources.${kind}.${resource} is missing`);
        }
      }
      if (manifest.kind === 'Deployment' && (container.readinessProbe === undefined || container.livenessProbe === undefined)) {
        problems.push(`${at}: needs a readiness and a liveness probe`);
      }
    }
  }

  const config = find(manifests, 'ConfigMap', 'stripe-pipeline-config') as (Manifest & { data?: Record<string, string> }) | undefined;
  const worker = find(manifests, 'Deployment', 'stripe-pipeline-worker');
  const shutdownMs = Number(config?.data?.SHUTDOWN_TIMEOUT_MS ?? 30_000);
  const graceS = worker === undefined ? undefined : podSpecOf(worker)?.terminationGracePeriodSeconds;
  if (graceS === undefined || graceS * 1000 <= shutdownMs) {
    problems.push(`Deployment/stripe-pipeline-worker: terminationGracePeriodSeconds (${String(graceS)}) must exceed SHUTDOWN_TIMEOUT_MS (${shutdownMs} ms)`);
  }

  const scaled = find(manifests, 'ScaledObject', 'stripe-pipeline-worker') as (Manifest & { spec?: { triggers?: Array<{ type: string; metadata?: Record<string, string> }> } }) | undefined;
  const workQueue = topologyNames(config?.data?.TOPOLOGY_PREFIX ?? '').workQueue;
  const queues = (scaled?.spec?.triggers ?? []).filter((t) => t.type === 'rabbitmq').map((t) => t.metadata?.queueName);
  if (!queues.includes(workQueue)) problems.push(`ScaledObject/stripe-pipeline-worker: needs a rabbitmq trigger on ${workQueue} (found ${queues.join(', ') || 'none'})`);
  return problems;
}
