/**
 * How the ingest and the worker are started in production: the Node flags and environment
 * that `npm run start:ingest` / `start:worker`, the Dockerfile and docker-compose.yml all
 * use (a test keeps them in step with this file), and that the bench starts every server
 * with, baselines included.
 *
 * They bound resident memory under load at the same CPU per request; each of the three
 * matters, and the figures are in docs/benchmarks.md#figures-behind-code-choices:
 *
 * - `--max-semi-space-size=4`: V8 lets the young generation grow large under a high
 *   allocation rate; 2 × 4 MiB is plenty for requests that live a few milliseconds.
 * - `--heap-growing-percent=25`: after each full collection the old generation may grow
 *   25% before the next one, instead of V8's default of up to 2×; the ingest's live heap
 *   is small and steady, so the larger headroom is only unreclaimed garbage.
 * - `MALLOC_ARENA_MAX=2`: glibc gives every thread that allocates (V8's GC helpers,
 *   libuv's pool) an arena of its own, and each keeps its freed pages; two arenas hold the
 *   Buffers and native memory of a mostly single-threaded process without that waste.
 */
export const serviceNodeFlags: readonly string[] = ['--max-semi-space-size=4', '--heap-growing-percent=25'];

/** Environment variables read by the C library at process start; see {@link serviceNodeFlags}. */
export const serviceEnvironment: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };
