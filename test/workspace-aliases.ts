import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
/** The tooling wing's workspaces (test kit, emulator, stack, bench), by folder name. */
const tooling = readdirSync(`${repoRoot}tools`).join('|');

/**
 * `@pipeline/<name>` and `@pipeline/<name>/<module>` resolved to the workspace's TypeScript
 * source, as `node --conditions=source` does. Shipping packages live in `packages/`, the
 * tooling wing in `tools/`; every vitest config of the repository uses this one list.
 */
export const workspaceAliases = [
  { find: new RegExp(`^@pipeline/(${tooling})$`), replacement: `${repoRoot}tools/$1/src/index.ts` },
  { find: new RegExp(`^@pipeline/(${tooling})/([a-z-]+)$`), replacement: `${repoRoot}tools/$1/src/$2.ts` },
  { find: /^@pipeline\/([a-z-]+)$/, replacement: `${repoRoot}packages/$1/src/index.ts` },
  { find: /^@pipeline\/([a-z-]+)\/([a-z-]+)$/, replacement: `${repoRoot}packages/$1/src/$2.ts` },
];
