import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '@pipeline/testkit';

/**
 * The lint rule of eslint.config.js that keeps the tooling wing (tools/) out of shipping code,
 * run through ESLint's Node API on snippets placed where real files are.
 */
const eslint = new ESLint({ cwd: repoRoot });

async function restrictedImports(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
}

const boundary = /must not import the tooling wing/;

// The first lint builds the type-aware program of the whole repository: slow on a loaded machine.
describe('the boundary between shipping code and the tooling wing', { timeout: 120_000 }, () => {
  it.each([
    ['apps/ingest/src/main.ts', "import { repoRoot } from '@pipeline/testkit';\nexport const root = repoRoot;\n"],
    ['apps/worker/src/main.ts', "import type { FaultSpec } from '@pipeline/stripe-emulator/protocol';\nexport type Spec = FaultSpec;\n"],
    ['apps/cli/src/main.ts', "import { repoRoot } from '../../../tools/testkit/src/process.ts';\nexport const root = repoRoot;\n"],
    ['packages/broker/src/index.ts', "export { startApp } from '@pipeline/testkit';\n"],
  ])('reports an import of the tooling wing in %s', async (filePath, code) => {
    const messages = await restrictedImports(filePath, code);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(boundary);
  });

  it.each([
    ['apps/ingest/test/webhooks.test.ts', "import { repoRoot } from '@pipeline/testkit';\nexport const root = repoRoot;\n"],
    ['tools/stack/src/main.ts', "import { repoRoot } from '@pipeline/testkit';\nexport const root = repoRoot;\n"],
    ['apps/ingest/src/main.ts', "import { loadConfig } from './config.ts';\nexport const load = loadConfig;\n"],
  ])('allows %s its imports', async (filePath, code) => {
    expect(await restrictedImports(filePath, code)).toEqual([]);
  });
});
