import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packagesDir = fileURLToPath(new URL('../../packages', import.meta.url));

/** `npm run k8s:validate`: renders deploy/k8s with kustomize and validates it; needs no broker or database. */
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  resolve: {
    alias: [
      { find: /^@pipeline\/([a-z-]+)$/, replacement: `${packagesDir}/$1/src/index.ts` },
      { find: /^@pipeline\/([a-z-]+)\/([a-z-]+)$/, replacement: `${packagesDir}/$1/src/$2.ts` },
    ],
  },
  test: {
    include: ['test/k8s/**/*.spec.ts'],
    testTimeout: 60_000,
  },
});
