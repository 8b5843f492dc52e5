import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

/** One rendered Kubernetes object, as kustomize printed it. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/**
 * Renders a kustomization with `kubectl kustomize` (kustomize built into kubectl, offline) and
 * parses every document. Throws with kustomize's own message when the kustomization is broken.
 */
export async function renderKustomization(dir: string): Promise<Manifest[]> {
  let stdout: string;
  try {
    ({ stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 16 * 1024 * 1024 }));
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('kubectl is not installed: its built-in kustomize renders the manifests', { cause: err });
    throw new Error(`kustomize could not render ${dir}`, { cause: err });
  }
  return parseManifests(stdout);
}

/** Every document of a multi-document YAML stream; a YAML syntax error throws. */
export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`not valid YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
    // An empty document (a stray `---`) is nothing to validate.
    const manifest = doc.toJS() as Manifest | null;
    return manifest === null ? [] : [manifest];
  });
}
