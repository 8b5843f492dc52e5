import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '@pipeline/testkit';
import { checkAppConfigs } from './app-config-check.ts';
import { checkPolicies } from './policy-check.ts';
import { renderKustomization, type Manifest } from './render.ts';
import { checkSchemas } from './schema-check.ts';

// `npm run k8s:validate`: each overlay rendered by kustomize, then every object checked against
// the Kubernetes JSON schemas (kubernetes-models) and KEDA's CRD schema (@kubernetes-models/keda).
const overlays = ['dev', 'prod'];
const overlayDir = (name: string): string => join(repoRoot, 'deploy/k8s/overlays', name);

describe.each(overlays)('the %s overlay', (overlay) => {
  it('renders, and every object conforms to its Kubernetes or KEDA schema', async () => {
    const manifests = await renderKustomization(overlayDir(overlay));

    expect(manifests.map((m) => m.kind).sort()).toEqual(
      expect.arrayContaining(['ConfigMap', 'Deployment', 'Deployment', 'HorizontalPodAutoscaler', 'Job', 'NetworkPolicy', 'PodDisruptionBudget', 'PodDisruptionBudget', 'ScaledObject', 'Service', 'TriggerAuthentication']),
    );
    expect(await checkSchemas(manifests)).toEqual([]);
  });

  it('follows the project rules: hardened pods, resources, probes, grace period, KEDA on the work queue', async () => {
    expect(checkPolicies(await renderKustomization(overlayDir(overlay)))).toEqual([]);
  });

  it('gives the ingest and the workers an environment their own configuration accepts', async () => {
    expect(checkAppConfigs(await renderKustomization(overlayDir(overlay)))).toEqual([]);
  });
});

describe('the validation itself', () => {
  async function withOverlay(patch: string, check: (manifests: Manifest[]) => Promise<void> | void): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'k8s-broken-'));
    try {
      await writeFile(
        join(dir, 'kustomization.yaml'),
        // kustomize takes only a relative path to another kustomization.
        `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ${relative(dir, overlayDir('dev'))}\npatches:\n${patch}`,
      );
      await check(await renderKustomization(dir));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('rejects a Deployment whose replica count is not a number', async () => {
    const patch = `  - target: { kind: Deployment, name: stripe-pipeline-ingest }\n    patch: |-\n      - op: replace\n        path: /spec/replicas\n        value: two\n`;
    await withOverlay(patch, async (manifests) => {
      const problems = await checkSchemas(manifests);
      expect(problems.map((p) => p.object)).toEqual(['Deployment/stripe-pipeline-ingest']);
      expect(problems[0]?.message).toMatch(/replicas/);
    });
  });

  it('rejects a ScaledObject that breaks KEDA\'s schema', async () => {
    const patch = `  - target: { kind: ScaledObject, name: stripe-pipeline-worker }\n    patch: |-\n      - op: replace\n        path: /spec/triggers\n        value: not-a-list\n`;
    await withOverlay(patch, async (manifests) => {
      expect((await checkSchemas(manifests)).map((p) => p.object)).toEqual(['ScaledObject/stripe-pipeline-worker']);
    });
  });

  it('rejects a kind no schema knows, and a worker grace period under its shutdown timeout', async () => {
    const patch = `  - target: { kind: Deployment, name: stripe-pipeline-worker }\n    patch: |-\n      - op: replace\n        path: /spec/template/spec/terminationGracePeriodSeconds\n        value: 20\n`;
    await withOverlay(patch, async (manifests) => {
      expect(checkPolicies(manifests)).toEqual([
        'Deployment/stripe-pipeline-worker: terminationGracePeriodSeconds (20) must exceed SHUTDOWN_TIMEOUT_MS (30000 ms)',
      ]);
      const typo = { apiVersion: 'apps/v1', kind: 'Deploymnet', metadata: { name: 'x' } };
      expect(await checkSchemas([typo])).toEqual([{ object: 'Deploymnet/x', message: 'no schema for kind Deploymnet in apps/v1' }]);
    });
  });

  it('rejects a setting an app refuses: STRIPE_LIVEMODE=both for a worker', async () => {
    const patch = `  - target: { kind: ConfigMap, name: stripe-pipeline-config }\n    patch: |-\n      - op: replace\n        path: /data/STRIPE_LIVEMODE\n        value: both\n`;
    await withOverlay(patch, (manifests) => {
      expect(checkAppConfigs(manifests)).toEqual([expect.stringMatching(/^stripe-pipeline-worker: invalid configuration: STRIPE_LIVEMODE must be live or test/)]);
    });
  });

  it('fails when kustomize cannot render the kustomization', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'k8s-broken-'));
    try {
      await writeFile(join(dir, 'kustomization.yaml'), 'resources:\n  - does-not-exist.yaml\n');
      await expect(renderKustomization(dir)).rejects.toThrow(/kustomize could not render/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
