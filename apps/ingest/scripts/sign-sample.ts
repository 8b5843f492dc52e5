/**
 * Writes one realistic Stripe event (the bytes Stripe would post) to a file and prints the
 * `Stripe-Signature` header for it, signed now, for load tests with `autocannon -i`. The
 * ingest does not deduplicate, so one payload can be posted many times within the
 * signature tolerance (300 s by default).
 *
 * node --conditions=source apps/ingest/scripts/sign-sample.ts <secret> <body file> [event type]
 */
import { writeFileSync } from 'node:fs';
import { buildEvent, serializeEvent, signPayload } from '@pipeline/stripe-events';

const [secret, bodyFile, type = 'invoice.paid'] = process.argv.slice(2);
if (secret === undefined || bodyFile === undefined) {
  process.stderr.write('usage: sign-sample.ts <whsec_ secret> <body file> [event type]\n');
  process.exit(2);
}
const payload = serializeEvent(buildEvent({ type }));
writeFileSync(bodyFile, payload);
process.stdout.write(`${signPayload(payload, secret)}\n`);
