import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appEntries, repoRoot, type AppName } from '@pipeline/testkit';

/** How an app is started: its compiled JavaScript (as `npm run start:<app>` does) or its TypeScript source. */
export interface AppEntry {
  readonly app: string;
  readonly script: string;
  readonly nodeArgs: readonly string[];
  readonly kind: 'dist' | 'source';
  /** Why this kind was chosen, for the report. */
  readonly reason: string;
}

/** `dist` only when compiled, `source` always from TypeScript, `auto` the compiled one when it is up to date. */
export type EntryPreference = 'auto' | 'dist' | 'source';

function newestMtimeMs(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
    newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** The newest source file an app's build depends on: its own and every workspace package's. */
function newestSourceMs(app: string): number {
  const packages = readdirSync(path.join(repoRoot, 'packages')).map((name) => path.join(repoRoot, 'packages', name, 'src'));
  return Math.max(newestMtimeMs(path.join(repoRoot, 'apps', app, 'src')), ...packages.map(newestMtimeMs));
}

/** Where `apps/<app>/src/main.ts` (or its build) is, or undefined while the app has no main yet. */
export function resolveAppEntry(app: Extract<AppName, 'ingest' | 'worker'>, preference: EntryPreference): AppEntry | undefined {
  const source = path.join(repoRoot, appEntries[app].source);
  const dist = path.join(repoRoot, appEntries[app].dist);
  const fromSource = (reason: string): AppEntry | undefined =>
    existsSync(source) ? { app, script: source, nodeArgs: ['--conditions=source'], kind: 'source', reason } : undefined;
  const fromDist = (reason: string): AppEntry => ({ app, script: dist, nodeArgs: [], kind: 'dist', reason });
  if (preference === 'source') return fromSource('--entry source');
  if (!existsSync(dist)) return preference === 'dist' ? undefined : fromSource(`apps/${app}/dist/main.js does not exist (run npm run build)`);
  if (preference === 'dist') return fromDist('--entry dist');
  if (statSync(dist).mtimeMs >= newestSourceMs(app)) return fromDist('compiled build, newer than every source file it depends on');
  return fromSource(`apps/${app}/dist is older than its sources (run npm run build)`);
}

/** Runs `work` without Node's one-time ExperimentalWarning for stripTypeScriptTypes on stderr. */
function quietly<T>(work: () => T): T {
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = () => undefined;
  try {
    return work();
  } finally {
    process.emitWarning = emitWarning;
  }
}

/**
 * A server script of the bench itself (a baseline), started the same way as the ingest it is
 * compared with: from TypeScript with type stripping (`source`), or as plain JavaScript
 * (`dist`). Type stripping costs a process RSS (docs/benchmarks.md#figures-behind-code-choices), so a baseline run from source
 * beside an ingest run from its build would flatter the baseline. The JavaScript is the
 * source with its types stripped, written under node_modules/.cache so that it resolves the
 * same packages.
 */
export function benchScript(relative: string, kind: AppEntry['kind']): { script: string; nodeArgs: readonly string[] } {
  // The bench itself compiled (tools/bench/dist): its scripts are JavaScript already.
  if (import.meta.url.endsWith('.js')) return { script: fileURLToPath(new URL(`../${relative}.js`, import.meta.url)), nodeArgs: [] };
  const source = fileURLToPath(new URL(`../${relative}.ts`, import.meta.url));
  if (kind === 'source') return { script: source, nodeArgs: ['--conditions=source'] };
  const cacheDir = path.join(repoRoot, 'node_modules', '.cache', 'pipeline-bench', path.dirname(relative));
  mkdirSync(cacheDir, { recursive: true });
  const sourceDir = path.dirname(source);
  let script = '';
  // The script and the modules next to it it imports (relative imports only).
  const pending = [path.basename(source)];
  const done = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop() ?? '';
    if (done.has(file)) continue;
    done.add(file);
    const code = quietly(() => stripTypeScriptTypes(readFileSync(path.join(sourceDir, file), 'utf8'))).replace(/(from\s+'\.\/)([\w-]+)\.ts'/g, (_match, prefix: string, name: string) => {
      pending.push(`${name}.ts`);
      return `${prefix}${name}.mjs'`;
    });
    const target = path.join(cacheDir, file.replace(/\.ts$/, '.mjs'));
    writeFileSync(target, code);
    if (script === '') script = target;
  }
  return { script, nodeArgs: [] };
}
