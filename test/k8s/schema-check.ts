import type { Manifest } from './render.ts';

/** A model class of kubernetes-models or @kubernetes-models/keda: validate() checks the object against the API's JSON schema. */
type ModelClass = new (data: unknown) => { validate(): void };

/**
 * Where the model class of an apiVersion lives: Kubernetes' own groups in `kubernetes-models`
 * (generated from the Kubernetes OpenAPI schemas), KEDA's in `@kubernetes-models/keda`
 * (generated from KEDA's CRDs).
 */
function moduleOf(apiVersion: string): string {
  if (apiVersion.startsWith('keda.sh/')) return `@kubernetes-models/keda/${apiVersion}`;
  return `kubernetes-models/${apiVersion}`;
}

/**
 * kustomize wraps long base64 values of a Secret's `data` over several lines; the API server's
 * decoder (Go's base64) skips line breaks, while the schema's "byte" format does not.
 */
function withUnwrappedSecretData(manifest: Manifest): Manifest {
  const data = manifest.data as Record<string, unknown> | undefined;
  if (manifest.kind !== 'Secret' || data === undefined) return manifest;
  const unwrapped = Object.fromEntries(Object.entries(data).map(([key, value]) => [key, typeof value === 'string' ? value.replace(/[\r\n]/g, '') : value]));
  return { ...manifest, data: unwrapped };
}

/** A problem found in one object; empty when it conforms to its schema. */
export interface SchemaProblem {
  readonly object: string;
  readonly message: string;
}

/**
 * Validates each object against the JSON schema of its apiVersion and kind. An apiVersion or
 * kind with no schema is a problem too: a typo there must not pass unchecked.
 */
export async function checkSchemas(manifests: readonly Manifest[]): Promise<SchemaProblem[]> {
  const problems: SchemaProblem[] = [];
  for (const manifest of manifests) {
    const object = `${manifest.kind}/${manifest.metadata.name}`;
    let models: Record<string, ModelClass | undefined>;
    try {
      models = (await import(moduleOf(manifest.apiVersion))) as Record<string, ModelClass | undefined>;
    } catch {
      problems.push({ object, message: `no schema for apiVersion ${manifest.apiVersion}` });
      continue;
    }
    const Model = models[manifest.kind];
    if (Model === undefined) {
      problems.push({ object, message: `no schema for kind ${manifest.kind} in ${manifest.apiVersion}` });
      continue;
    }
    try {
      new Model(withUnwrappedSecretData(manifest)).validate();
    } catch (err: unknown) {
      problems.push({ object, message: err instanceof Error ? err.message : String(err) });
    }
  }
  return problems;
}
