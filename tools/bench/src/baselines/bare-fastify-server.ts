// Baseline (a): a bare Fastify route that answers 200 to the same POST the ingest gets, with
// Fastify's defaults (its JSON body parser reads and parses the event). Nothing an ingest does
// can be faster on this machine: the ceiling for any Node ingest. Run as a child of the bench.
import Fastify from 'fastify';
import { exitOnSignal, requiredEnv } from './server-env.ts';

const app = Fastify({ logger: false });
app.get('/readyz', () => ({ ready: true }));
app.post('/webhooks/platform', () => ({ received: true }));
await app.listen({ host: '127.0.0.1', port: Number(requiredEnv('PORT')) });
exitOnSignal(() => app.close());
