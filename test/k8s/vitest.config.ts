import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { workspaceAliases } from '../workspace-aliases.ts';

/** `npm run k8s:validate`: renders deploy/k8s with kustomize and validates it; needs no broker or database. */
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  resolve: {
    alias: workspaceAliases,
  },
  test: {
    include: ['test/k8s/**/*.spec.ts'],
    testTimeout: 60_000,
  },
});
