/**
 * The baseline for ingest load tests: a bare Fastify server whose webhook route answers
 * 200 at once (Fastify's default JSON parsing included), no logging, no signature, no broker.
 *
 * PORT=3999 node apps/ingest/scripts/baseline-server.ts
 */
import Fastify from 'fastify';

const app = Fastify();
app.post('/webhooks/platform', () => ({ received: true }));
const url = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3999) });
process.stdout.write(`baseline listening on ${url}\n`);
