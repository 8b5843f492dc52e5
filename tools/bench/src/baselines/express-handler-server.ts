// Baseline (d): the handler users write from Stripe's docs, made durable the obvious way.
// Express with `express.raw({ type: 'application/json' })`, `stripe.webhooks.constructEvent`,
// then one confirm channel shared by the process: `publish` + `waitForConfirms` per request,
// and 200 only after the confirm. (A channel per request would be slower still; the shared
// one is the fair and common version.) Run as a child of the bench.
import amqp from 'amqplib';
import express from 'express';
import Stripe from 'stripe';
import { exitOnSignal, requiredEnv } from './server-env.ts';

const secret = requiredEnv('STRIPE_WEBHOOK_SECRET');
const exchange = requiredEnv('EXCHANGE');
const stripe = new Stripe('sk_test_fake_bench_express');
// noDelay as the ingest has it, so the comparison is between handlers, not TCP settings
// (amqplib's default, Nagle on, would add up to ~40 ms per confirm at low rates).
const connection = await amqp.connect(requiredEnv('RABBITMQ_URL'), { noDelay: true });
const channel = await connection.createConfirmChannel();

const app = express();
app.get('/readyz', (_request, response) => {
  response.sendStatus(200);
});
app.post('/webhooks/platform', express.raw({ type: 'application/json' }), async (request, response) => {
  let event: Stripe.Event;
  try {
    event = stripe.webhooks.constructEvent(request.body as Buffer, request.headers['stripe-signature'] ?? '', secret);
  } catch (err: unknown) {
    response.status(400).send(`Webhook Error: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  try {
    channel.publish(exchange, `platform.${event.type}`, request.body as Buffer, { persistent: true, messageId: event.id, contentType: 'application/json' });
    await channel.waitForConfirms();
  } catch {
    response.sendStatus(503);
    return;
  }
  response.json({ received: true });
});

const server = app.listen(Number(requiredEnv('PORT')), '127.0.0.1');
exitOnSignal(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  await connection.close();
});
