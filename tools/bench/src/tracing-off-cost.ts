/**
 * What tracing costs the ingest when it is off (issue 14): the CPU of the spans one webhook
 * makes (request, signature check, publish, the traceparent injection and the attribute
 * objects) with no SDK registered, beside two bare awaits. Run:
 *   node --conditions=source tools/bench/src/tracing-off-cost.ts
 * Compare with the ingest's CPU per request in the bench report (`npm run bench`).
 */
import { eventAttributes, inSpan, inSpanSync, injectTraceContext } from '@pipeline/core';

const event = { id: 'evt_1NfT7c2eZvKYlo2C0rK4Wq9x', type: 'invoice.paid', account: 'acct_1Nf8Zq2eZvKYlo2C', endpoint: 'connect' };

async function webhookSpans(): Promise<void> {
  await inSpan('POST /webhooks/connect', { attributes: { 'http.route': '/webhooks/connect' } }, async (span) => {
    inSpanSync('signature check', () => undefined);
    span.setAttributes(eventAttributes(event));
    await inSpan('publish connect.invoice.paid', { attributes: eventAttributes(event) }, async () => {
      injectTraceContext({});
      await Promise.resolve();
    });
  });
}

async function bareAwaits(): Promise<void> {
  await (async () => {
    await Promise.resolve();
  })();
}

async function cpuNsPerCall(work: () => Promise<void>, calls: number): Promise<number> {
  for (let i = 0; i < calls / 20; i++) await work();
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) await work();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / calls;
}

const calls = 500_000;
for (let round = 1; round <= 3; round++) {
  const bare = await cpuNsPerCall(bareAwaits, calls);
  const spans = await cpuNsPerCall(webhookSpans, calls);
  process.stdout.write(`round ${round}: two bare awaits ${bare.toFixed(0)} ns, one webhook's spans with tracing off ${spans.toFixed(0)} ns of CPU\n`);
}
