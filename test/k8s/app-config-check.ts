import { loadConfig as loadIngestConfig } from '../../apps/ingest/src/config.ts';
import { loadConfig as loadWorkerConfig } from '../../apps/worker/src/config.ts';
import type { Manifest } from './render.ts';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } };
}
interface Container {
  name: string;
  env?: EnvVar[];
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
}

/** Stand-ins for secrets an overlay does not create (prod brings its own), shaped as the apps require. */
const placeholderSecrets: Record<string, string> = {
  RABBITMQ_URL: 'amqp://u:p@rmq-0:5672,amqp://u:p@rmq-1:5672',
  DATABASE_URL: 'postgres://u:p@pgbouncer:6432/pipeline',
  MIGRATION_DATABASE_URL: 'postgres://u:p@postgres:5432/pipeline',
  STRIPE_SECRET_KEY: 'sk_live_placeholder_example',
  STRIPE_WEBHOOK_SECRET_PLATFORM: 'whsec_placeholder_example',
  STRIPE_WEBHOOK_SECRET_CONNECT: 'whsec_placeholder_example',
};

const loaders: Record<string, (env: Record<string, string>) => unknown> = {
  'stripe-pipeline-ingest': loadIngestConfig,
  'stripe-pipeline-worker': loadWorkerConfig,
};

/** A ConfigMap's data, or a Secret's decoded. */
function dataOf(manifests: readonly Manifest[], kind: 'ConfigMap' | 'Secret', name: string): Record<string, string> | undefined {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name) as (Manifest & { data?: Record<string, string> }) | undefined;
  if (found?.data === undefined) return undefined;
  if (kind === 'ConfigMap') return found.data;
  return Object.fromEntries(Object.entries(found.data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
}

/**
 * The environment each app's container would get (ConfigMap, literal values, secret
 * references), run through that app's own loadConfig: a setting the app refuses fails here,
 * before a pod crash-loops on it.
 */
export function checkAppConfigs(manifests: readonly Manifest[]): string[] {
  const problems: string[] = [];
  for (const manifest of manifests) {
    const load = loaders[manifest.metadata.name];
    if (manifest.kind !== 'Deployment' || load === undefined) continue;
    const containers = (manifest.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers;
    for (const container of containers) {
      const env: Record<string, string> = {};
      for (const source of container.envFrom ?? []) {
        if (source.configMapRef) Object.assign(env, dataOf(manifests, 'ConfigMap', source.configMapRef.name));
        if (source.secretRef) Object.assign(env, dataOf(manifests, 'Secret', source.secretRef.name));
      }
      for (const variable of container.env ?? []) {
        const secret = variable.valueFrom?.secretKeyRef;
        const configMap = variable.valueFrom?.configMapKeyRef;
        const value = variable.value
          ?? (secret && (dataOf(manifests, 'Secret', secret.name)?.[secret.key] ?? placeholderSecrets[secret.key]))
          ?? (configMap && dataOf(manifests, 'ConfigMap', configMap.name)?.[configMap.key]);
        if (value === undefined) problems.push(`${manifest.metadata.name}: ${variable.name} has no value`);
        else env[variable.name] = value;
      }
      try {
        load(env);
      } catch (err: unknown) {
        problems.push(`${manifest.metadata.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  return problems;
}
