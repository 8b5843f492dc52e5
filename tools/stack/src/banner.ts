import { topologyNames } from '@pipeline/broker';
import { databaseConfig, localExampleStripeKey, sharedConfig } from '@pipeline/core';
import { exampleSecrets, type StackConfig } from './config.ts';
import type { Services } from './ensure-services.ts';
import { redactUrl } from './redact-url.ts';
import type { RunningStack } from './stack.ts';

/** Where the CLI posts events when INGEST_URL is unset. */
const defaultIngestUrl = 'http://127.0.0.1:3000';

/** The first line of the banner; tests and scripts wait for it. */
export const bannerTitle = 'Stripe webhook pipeline: the local stack is running';

/** The human summary printed once everything is ready: addresses, secrets in use, how to send an event. */
export function formatBanner(config: StackConfig, services: Services, stack: RunningStack): string {
  const names = topologyNames(config.TOPOLOGY_PREFIX);
  const ingest = stack.ingest.url;
  const ingestAddress = new URL(ingest);
  // What Stripe's CLI is told to forward to; localhost works whichever loopback address the ingest bound.
  const forwardBase = `localhost:${ingestAddress.port || '80'}`;
  const containers = (service: 'RabbitMQ' | 'PostgreSQL'): string =>
    services.containers.includes(service) ? ' (in a container the stack started; stopped on exit)' : '';

  const lines = [
    '',
    bannerTitle,
    '',
    `  ingest            ${ingest}`,
    `    POST ${ingest}/webhooks/platform   events of the platform's own account`,
    `    POST ${ingest}/webhooks/connect    events of connected accounts`,
    `    GET  ${ingest}/healthz  /readyz`,
    // Off the webhook port: the ingest serves its metrics on a listener of their own.
    ...(stack.ingest.metricsUrl === undefined ? [] : [`    GET  ${stack.ingest.metricsUrl}/metrics`]),
    ...stack.workers.map((worker) => `  ${worker.name.padEnd(18)}${worker.url}/readyz  /metrics`),
    `  Stripe emulator   ${stack.emulator.url}   (the workers' STRIPE_API_BASE)`,
    ...(stack.console === undefined ? [] : [`  console           ${stack.console.url}   log in with CONSOLE_TOKEN=${stack.console.token}`]),
    `  RabbitMQ          ${redactUrl(services.rabbitmqUrl)}${containers('RabbitMQ')}`,
    `    queues ${names.workQueue} (work), ${names.deadQueue} (dead letters)`,
    `  PostgreSQL        ${redactUrl(services.databaseUrl)}${containers('PostgreSQL')}`,
    '',
  ];

  if (config.exampleSecretsInUse.length > 0) {
    lines.push(
      `  ${config.exampleSecretsInUse.join(' and ')} ${config.exampleSecretsInUse.length === 1 ? 'is' : 'are'} unset: using the fake example secret${config.exampleSecretsInUse.length === 1 ? '' : 's'} (local use only)`,
      ...config.exampleSecretsInUse.map((name) => `    ${name}=${exampleSecrets[name]}`),
      '',
    );
  }

  const serviceUrls = (
    [
      ['RABBITMQ_URL', services.rabbitmqUrl, sharedConfig.RABBITMQ_URL.parse(undefined)],
      ['DATABASE_URL', services.databaseUrl, databaseConfig.DATABASE_URL.parse(undefined)],
    ] as const
  ).flatMap(([name, url, cliDefault]) => (url === cliDefault ? [] : [[name, url] as const]));
  // One line that points the CLI at this stack; a secret the user set is never printed, only the fake examples.
  const cliExports = [
    ...config.exampleSecretsInUse.map((name) => `${name}=${exampleSecrets[name]}`),
    ...(config.STRIPE_SECRET_KEY === localExampleStripeKey ? [`STRIPE_SECRET_KEY=${localExampleStripeKey}`] : []),
    `STRIPE_API_BASE=${stack.emulator.url}`,
    ...(ingest === defaultIngestUrl ? [] : [`INGEST_URL=${ingest}`]),
    ...(config.TOPOLOGY_PREFIX === '' ? [] : [`TOPOLOGY_PREFIX=${config.TOPOLOGY_PREFIX}`]),
    ...serviceUrls.filter(([, url]) => redactUrl(url) === url).map(([name, url]) => `${name}=${url}`),
  ];
  // A URL with a password the CLI's default does not have is named, never printed.
  const withPassword = serviceUrls.filter(([, url]) => redactUrl(url) !== url).map(([name]) => name);
  lines.push(
    'Point the CLI at this stack (trigger, reconcile, demo, events, dead-letters), in any shell:',
    `  export ${cliExports.join(' ')}`,
    ...(withPassword.length === 0 ? [] : [`  and your own ${withPassword.join(' and ')} (not shown: it holds a password)`]),
    'Send an event, or watch the whole money story:',
    '  npm run cli -- trigger customer.subscription.created',
    '  npm run cli -- trigger account.updated',
    '  npm run cli -- demo',
    '  or, with the real Stripe CLI (then restart with both STRIPE_WEBHOOK_SECRET_* set to the whsec_ secret it prints):',
    `  stripe listen --forward-to ${forwardBase}/webhooks/platform --forward-connect-to ${forwardBase}/webhooks/connect`,
    '',
    'Ctrl-C stops everything. If any process dies, the stack stops the others and exits 1.',
    '',
  );
  return lines.join('\n');
}
