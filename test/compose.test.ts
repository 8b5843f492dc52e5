import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { serviceEnvironment, serviceNodeFlags, tracingEnabled } from '@pipeline/core';
import { repoRoot } from '@pipeline/testkit';
import { databaseSettings, loadConfig as loadCliConfig } from '../apps/cli/src/config.ts';
import { loadConfig as loadIngestConfig } from '../apps/ingest/src/config.ts';
import { loadConfig as loadWorkerConfig } from '../apps/worker/src/config.ts';

/** The parts of a compose service this file checks. */
interface Service {
  image?: string;
  profiles?: string[];
  build?: unknown;
  command?: string[];
  container_name?: string;
  environment?: Record<string, string | number | boolean | null>;
  ports?: string[];
  expose?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
}

const composeText = readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8');
// `merge` resolves the `<<: *app` keys the file uses, as docker compose does.
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const observabilityDir = join(repoRoot, 'deploy/compose/observability');

/** Compose's interpolation with nothing set: `${VAR:-default}` and `${VAR-default}` give the default, `$$` a dollar. */
function interpolate(value: string): string {
  return value.replace(/\$\$|\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g, (match, _name, fallback: string | undefined) =>
    match === '$$' ? '$' : (fallback ?? ''),
  );
}

/** A service's container environment as compose would pass it with no variable set. */
function environmentOf(name: string): Record<string, string> {
  const environment = compose.services[name]?.environment ?? {};
  return Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, interpolate(String(value ?? ''))]));
}

function service(name: string): Service {
  const found = compose.services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

/** Container ports a service publishes (the part after the last colon). */
const containerPorts = (name: string): string[] => (service(name).ports ?? []).map((mapping) => interpolate(mapping).split(':').at(-1) ?? '');

/** Dockerfile stages by name, each with its instruction lines. */
function dockerStages(): Map<string, string[]> {
  const stages = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of dockerfile.split('\n').map((l) => l.trim())) {
    const from = /^FROM\s+\S+\s+AS\s+(\S+)$/i.exec(line);
    if (from) {
      current = [];
      stages.set(from[1] ?? '', current);
    } else if (line !== '' && !line.startsWith('#')) {
      current?.push(line);
    }
  }
  return stages;
}

/** The services that run shipping apps from the production image. */
const appServices = ['migrate', 'ingest', 'worker'];
/** The workspaces that ship (in the production image) and the tooling wing's (never in it). */
const workspacesUnder = (dir: string): string[] =>
  readdirSync(join(repoRoot, dir)).filter((name) => existsSync(join(repoRoot, dir, name, 'package.json'))).map((name) => `${dir}/${name}`);

describe('docker-compose.yml', () => {
  it('has the broker, database, migration, ingest, worker, console and emulator services', () => {
    const byDefault = Object.keys(compose.services).filter((name) => service(name).profiles === undefined);
    expect(byDefault.sort()).toEqual(['console', 'ingest', 'migrate', 'postgres', 'rabbitmq', 'stripe-emulator', 'worker']);
    expect(service('cli').profiles).toEqual(['cli']);
    expect(service('rabbitmq').image).toMatch(/^rabbitmq:4\.\d+\.\d+-management$/);
    expect(service('postgres').image).toMatch(/^postgres:17/);
  });

  it("publishes the console on the host's loopback only", () => {
    expect(service('console').ports).toEqual(['127.0.0.1:${CONSOLE_HOST_PORT:-3100}:3100']);
  });

  it('publishes the ingest, the emulator and the management UI on their ports', () => {
    expect(containerPorts('ingest')).toEqual(['3000']);
    expect(containerPorts('stripe-emulator')).toEqual(['12111']);
    expect(containerPorts('rabbitmq')).toContain('15672');
  });

  it('publishes AMQP and PostgreSQL on a host port the engine picks, never on a local broker\'s or database\'s 5672/5432 (issue 15)', () => {
    for (const [name, port] of [['rabbitmq', '5672'], ['postgres', '5432']] as const) {
      const mapping = (service(name).ports ?? []).find((entry) => entry.endsWith(`:${port}`));
      expect(mapping, name).toBeDefined();
      // `127.0.0.1::5672`: loopback only, host port left to the engine unless the variable sets one.
      expect(interpolate(mapping ?? ''), name).toBe(`127.0.0.1::${port}`);
      expect(mapping, name).toMatch(/\$\{(RABBITMQ|POSTGRES)_HOST_PORT:-\}/);
    }
  });

  it('runs the CLI inside the stack with `run`, never with `up`, against the stack\'s own services (issue 15)', () => {
    const cli = service('cli') as Service & { profiles?: string[]; entrypoint?: string[] };
    expect(cli.profiles).toEqual(['cli']);
    expect(cli.image).toBe('stripe-webhook-pipeline:local');
    expect(cli.entrypoint).toEqual(['node', 'apps/cli/dist/main.js']);
    expect(cli.ports).toBeUndefined();
    const env = environmentOf('cli');
    expect(env).toMatchObject({ INGEST_URL: 'http://ingest:3000', STRIPE_API_BASE: 'http://stripe-emulator:12111' });
    expect(env.DATABASE_URL).toBe(environmentOf('worker').DATABASE_URL);
    expect(env.RABBITMQ_URL).toBe(environmentOf('worker').RABBITMQ_URL);
    expect(env.STRIPE_WEBHOOK_SECRET_PLATFORM).toBe(environmentOf('ingest').STRIPE_WEBHOOK_SECRET_PLATFORM);
    expect(env.STRIPE_WEBHOOK_SECRET_CONNECT).toBe(environmentOf('ingest').STRIPE_WEBHOOK_SECRET_CONNECT);
    expect(cli.depends_on).toEqual({ ingest: { condition: 'service_healthy' }, worker: { condition: 'service_healthy' } });
  });

  it('says `--build` in every documented compose command that starts or runs the app image (issue 15)', () => {
    // A command wrapped after `up` or `run` continues on the next line.
    const documents = ['docker-compose.yml', 'README.md', 'docs/operations.md'].map(
      (file) => [file, readFileSync(join(repoRoot, file), 'utf8').replace(/docker compose (up|run)\n/g, 'docker compose $1 ')] as const,
    );
    for (const [file, text] of documents) {
      const commands = [...text.matchAll(/docker compose (?:-f \S+ )*(?:--profile \S+ )*(up|run)\b[^\n`]*/g)].map((match) => match[0]);
      for (const command of commands) {
        // `up -d rabbitmq-1 ...` starts broker nodes only: no image of ours to build.
        if (/\bup -d rabbitmq-\d/.test(command)) continue;
        expect(command, `${file}: ${command}`).toMatch(/--build\b/);
      }
    }
  });

  it('gives every long-running service a healthcheck with a tool its image has', () => {
    expect(service('rabbitmq').healthcheck?.test).toEqual(['CMD', 'rabbitmq-diagnostics', '-q', 'ping']);
    expect(service('postgres').healthcheck?.test.join(' ')).toMatch(/pg_isready/);
    expect(service('migrate').healthcheck).toBeUndefined();
    // The app image has no curl: node's fetch probes the app's own port.
    expect(service('ingest').healthcheck?.test.join(' ')).toMatch(/^CMD node -e fetch\('http:\/\/127\.0\.0\.1:3000\/readyz'\)/);
    expect(service('worker').healthcheck?.test.join(' ')).toMatch(/^CMD node -e fetch\('http:\/\/127\.0\.0\.1:9464\/readyz'\)/);
    expect(service('stripe-emulator').healthcheck?.test.join(' ')).toMatch(/^CMD node -e fetch\('http:\/\/127\.0\.0\.1:12111\//);
  });

  it('starts each service only once what it needs is healthy, and the workers only after the migration succeeded', () => {
    expect(service('migrate').depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(service('ingest').depends_on).toEqual({ rabbitmq: { condition: 'service_healthy' } });
    expect(service('worker').depends_on).toEqual({
      rabbitmq: { condition: 'service_healthy' },
      postgres: { condition: 'service_healthy' },
      migrate: { condition: 'service_completed_successfully' },
      'stripe-emulator': { condition: 'service_healthy' },
    });
  });

  it('lets the worker scale: no container name and no host port', () => {
    const worker = service('worker');
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    for (const name of Object.keys(compose.services)) expect(service(name).container_name, name).toBeUndefined();
  });

  it('puts the collector, Jaeger, Prometheus and Grafana in the `observability` profile only, on pinned images', () => {
    const observability = Object.keys(compose.services).filter((name) => service(name).profiles?.includes('observability'));
    expect(observability.sort()).toEqual(['grafana', 'jaeger', 'otel-collector', 'prometheus']);
    for (const name of observability) {
      expect(service(name).profiles, name).toEqual(['observability']);
      expect(service(name).image, name).toMatch(/:\d+\.\d+\.\d+$|:v\d+\.\d+\.\d+$/);
      // Every file a service mounts is in the repository.
      for (const mount of service(name).volumes ?? []) expect(existsSync(join(repoRoot, mount.split(':')[0] ?? '')), mount).toBe(true);
    }
  });

  it('leaves tracing off by default and points it at the collector when OTEL_TRACES_EXPORTER is set', () => {
    for (const name of ['ingest', 'worker']) {
      const environment = environmentOf(name);
      expect(tracingEnabled(environment), name).toBe(false);
      expect(tracingEnabled({ ...environment, OTEL_TRACES_EXPORTER: 'otlp' }), name).toBe(true);
      expect(environment.OTEL_EXPORTER_OTLP_ENDPOINT, name).toBe('http://otel-collector:4318');
    }
    const collector = parse(readFileSync(join(observabilityDir, 'otel-collector.yaml'), 'utf8')) as { receivers: { otlp: { protocols: { http: { endpoint: string } } } } };
    expect(collector.receivers.otlp.protocols.http.endpoint).toMatch(/:4318$/);
  });

  it("scrapes the ingest's and the workers' metrics ports and RabbitMQ's Prometheus plugin", () => {
    const prometheus = parse(readFileSync(join(observabilityDir, 'prometheus.yml'), 'utf8')) as { scrape_configs: Array<{ job_name: string; static_configs?: Array<{ targets: string[] }>; dns_sd_configs?: Array<{ names: string[]; port: number }> }> };
    const targets = prometheus.scrape_configs.flatMap((job) => [...(job.static_configs ?? []).flatMap((c) => c.targets), ...(job.dns_sd_configs ?? []).flatMap((c) => c.names.map((host) => `${host}:${c.port}`))]);
    expect(targets.sort()).toEqual([`ingest:${environmentOf('ingest').METRICS_PORT}`, 'rabbitmq:15692', `worker:${environmentOf('worker').METRICS_PORT}`]);
  });

  it('provisions a dashboard whose queries name only metrics that exist, covering queues, outcomes, retries, parked events, ingest answers and latencies', () => {
    const dashboard = JSON.parse(readFileSync(join(observabilityDir, 'grafana/dashboards/pipeline.json'), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    const queries = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
    const named = new Set(queries.flatMap((expr) => [...expr.matchAll(/\b((?:ingest|worker|rabbitmq)_[a-z_]+)\b/g)].map((match) => match[1] ?? '')));
    // Our metrics: declared by prom-client in the apps' sources (histograms add _bucket).
    const sources = ['apps/ingest/src/metrics.ts', 'apps/worker/src/metrics.ts'].map((file) => readFileSync(join(repoRoot, file), 'utf8')).join('\n');
    const declared = new Set([...sources.matchAll(/name: '([a-z_]+)'/g)].map((match) => match[1] ?? ''));
    // RabbitMQ's: the rabbitmq_prometheus plugin's detailed queue families the scrape asks for.
    const rabbitmq = ['rabbitmq_detailed_queue_messages_ready', 'rabbitmq_detailed_queue_messages_unacked', 'rabbitmq_detailed_queue_head_message_timestamp', 'rabbitmq_detailed_queue_consumers'];
    for (const metric of named) {
      if (metric.startsWith('rabbitmq_')) expect(rabbitmq, metric).toContain(metric);
      else expect(declared, metric).toContain(metric.replace(/_bucket$/, ''));
    }
    for (const needed of ['rabbitmq_detailed_queue_messages_ready', 'rabbitmq_detailed_queue_head_message_timestamp', 'worker_events_total', 'worker_retries_total', 'worker_dead_letters_total', 'ingest_webhook_requests_total', 'ingest_publish_duration_seconds_bucket', 'worker_command_duration_seconds_bucket']) {
      expect(named, needed).toContain(needed);
    }
    const datasources = readFileSync(join(observabilityDir, 'grafana/provisioning/datasources/prometheus.yml'), 'utf8');
    expect(datasources).toContain('http://prometheus:9090');
  });

  it('keeps broker and database data in named volumes', () => {
    expect(Object.keys(compose.volumes).sort()).toEqual(['postgres-data', 'rabbitmq-data']);
    expect(service('rabbitmq').volumes).toEqual(['rabbitmq-data:/var/lib/rabbitmq']);
    expect(service('postgres').volumes).toEqual(['postgres-data:/var/lib/postgresql/data']);
  });

  it('gives every variable a default, and only obviously fake secrets', () => {
    const withoutDefault = [...composeText.matchAll(/(?<!\$)\$\{([A-Z0-9_]+)\}/g)].map((match) => match[1]);
    expect(withoutDefault).toEqual([]);
    const ingest = environmentOf('ingest');
    expect(ingest.STRIPE_WEBHOOK_SECRET_PLATFORM).toMatch(/^whsec_\w*example$/);
    expect(ingest.STRIPE_WEBHOOK_SECRET_CONNECT).toMatch(/^whsec_\w*example$/);
    expect(environmentOf('worker').STRIPE_SECRET_KEY).toMatch(/^sk_test_\w*example$/);
  });

  it('sets every variable the ingest requires', () => {
    const config = loadIngestConfig(environmentOf('ingest'));
    expect(config).toMatchObject({ PORT: 3000, HOST: '0.0.0.0', TOPOLOGY_PREFIX: '' });
    expect(new URL(config.RABBITMQ_URL).host).toBe('rabbitmq:5672');
  });

  it('serves the ingest\'s metrics inside the compose network only, on a port other than the published webhook port', () => {
    const config = loadIngestConfig(environmentOf('ingest'));
    expect(config).toMatchObject({ METRICS_PORT: 9463, METRICS_HOST: '0.0.0.0' });
    expect(service('ingest').expose).toEqual(['9463']);
    expect(containerPorts('ingest')).toEqual(['3000']);
  });

  it('sets every variable the worker requires, and points it at the emulator and the broker and database services', () => {
    const config = loadWorkerConfig(environmentOf('worker'));
    expect(config).toMatchObject({ METRICS_PORT: 9464, STRIPE_API_BASE: 'http://stripe-emulator:12111' });
    expect(new URL(config.RABBITMQ_URL).host).toBe('rabbitmq:5672');
    expect(new URL(config.DATABASE_URL).host).toBe('postgres:5432');
  });

  it('refuses to start the worker with a live key and the default STRIPE_API_BASE, the emulator over http', () => {
    expect(() => loadWorkerConfig({ ...environmentOf('worker'), STRIPE_SECRET_KEY: 'sk_live_compose_example' })).toThrow(
      /STRIPE_API_BASE must be an https URL when STRIPE_SECRET_KEY is a live-mode key/,
    );
    expect(loadWorkerConfig({ ...environmentOf('worker'), STRIPE_SECRET_KEY: 'sk_live_compose_example', STRIPE_API_BASE: '' }).STRIPE_API_BASE).toBe('https://api.stripe.com');
  });

  it('gives the migration the database the workers use', () => {
    const config = loadCliConfig(databaseSettings, environmentOf('migrate'));
    expect(config.DATABASE_URL).toBe(loadWorkerConfig(environmentOf('worker')).DATABASE_URL);
  });

  it.skipIf(!existsSync(join(repoRoot, 'tools/stripe-emulator/src/config.ts')))('sets every variable the Stripe emulator requires', async () => {
    const emulatorConfig = join(repoRoot, 'tools/stripe-emulator/src/config.ts');
    const { loadConfig } = (await import(emulatorConfig)) as { loadConfig: (env: Record<string, string>) => { PORT: number } };
    expect(loadConfig(environmentOf('stripe-emulator')).PORT).toBe(12111);
  });

  it('runs every shipping app from the one production image, with a command the build produces', () => {
    const rootBuild = JSON.parse(readFileSync(join(repoRoot, 'tsconfig.build.json'), 'utf8')) as { references: Array<{ path: string }> };
    const production = dockerStages().get('production') ?? [];
    for (const name of appServices) {
      const { command = [], build, image } = service(name);
      expect(build, name).toBeDefined();
      expect(image, name).toBe('stripe-webhook-pipeline:local');
      // Node flags, if any, come before the script.
      const entry = command.slice(1).find((arg) => !arg.startsWith('--')) ?? '';
      expect(command[0], name).toBe('node');
      const app = /^(apps\/[a-z-]+)\/dist\/main\.js$/.exec(entry)?.[1];
      expect(app, `${name} runs ${entry}`).toBeDefined();
      // tsc -b compiles the app's src/ into dist/, so src/main.ts becomes dist/main.js.
      expect(existsSync(join(repoRoot, `${app ?? ''}/src/main.ts`)), `${app ?? ''}/src/main.ts`).toBe(true);
      const tsconfig = JSON.parse(readFileSync(join(repoRoot, `${app ?? ''}/tsconfig.build.json`), 'utf8')) as { compilerOptions: Record<string, string> };
      expect(tsconfig.compilerOptions, app).toMatchObject({ rootDir: 'src', outDir: 'dist' });
      expect(rootBuild.references, app).toContainEqual({ path: `${app ?? ''}/tsconfig.build.json` });
      expect(production, `${app ?? ''}/dist in the production stage`).toContain(`COPY --from=build /app/${app ?? ''}/dist ${app ?? ''}/dist`);
    }
  });

  it('runs the Stripe emulator from an image of its own, built from the emulator target, not the production image', () => {
    const { command = [], build, image } = service('stripe-emulator');
    expect(image).not.toBe('stripe-webhook-pipeline:local');
    expect(build).toMatchObject({ target: 'emulator' });
    expect(command).toEqual(['node', 'tools/stripe-emulator/dist/main.js']);
    expect(dockerStages().get('emulator')).toContain('COPY --from=build /app/tools/stripe-emulator/dist tools/stripe-emulator/dist');
  });

  it.each(['ingest', 'worker'])('starts the %s with the service runtime flags', (name) => {
    expect(service(name).command).toEqual(['node', ...serviceNodeFlags, `apps/${name}/dist/main.js`]);
  });
});

describe('Dockerfile', () => {
  const stages = dockerStages();

  it('runs the production stage with the service runtime environment, and the ingest with its flags by default', () => {
    const production = stages.get('production') ?? [];
    for (const [variable, value] of Object.entries(serviceEnvironment)) expect(production).toContain(`ENV ${variable}=${value}`);
    expect(production).toContain(`CMD ${JSON.stringify(['node', ...serviceNodeFlags, 'apps/ingest/dist/main.js']).replaceAll(',', ', ')}`);
  });

  it('builds in one stage and runs in a production stage without sources or dev tools', () => {
    const build = stages.get('build') ?? [];
    const production = stages.get('production') ?? [];
    expect(build).toContain('RUN npm ci');
    expect(build).toContain('RUN npm run build');
    expect(production.some((line) => line.startsWith('RUN npm ci --omit=dev'))).toBe(true);
    expect(production).toContain('ENV NODE_ENV=production');
    // Only compiled output, migrations, fixtures and the CLI's bin shim (plain JavaScript) come from the build stage.
    for (const line of production.filter((l) => l.startsWith('COPY --from=build'))) {
      expect(line).toMatch(/\/(dist|migrations|fixtures|bin) \S+$/);
    }
    expect([...stages.keys()].at(-1)).toBe('production');
  });

  it('runs as a non-root user', () => {
    const users = (stages.get('production') ?? []).filter((line) => line.startsWith('USER '));
    expect(users).toHaveLength(1);
    expect(users[0]).not.toMatch(/^USER (root|0)(:|$)/);
  });

  it('copies the manifest of every workspace for the build, so npm ci installs the lock file as it is', () => {
    const manifests = [...(stages.get('shipping-manifests') ?? []), ...(stages.get('manifests') ?? [])];
    for (const workspace of ['apps', 'packages', 'tools'].flatMap(workspacesUnder)) expect(manifests).toContain(`COPY ${workspace}/package.json ${workspace}/`);
  });

  it('installs production dependencies from the shipping workspaces alone, none of the tooling wing', () => {
    const shipping = stages.get('shipping-manifests') ?? [];
    for (const workspace of ['apps', 'packages'].flatMap(workspacesUnder)) expect(shipping).toContain(`COPY ${workspace}/package.json ${workspace}/`);
    expect(shipping.filter((line) => line.includes('tools/'))).toEqual([]);
    const production = stages.get('production') ?? [];
    expect(production).toContain('COPY --from=shipping-manifests /app ./');
    expect(production.filter((line) => line.includes('tools/') || line.startsWith('COPY --from=manifests'))).toEqual([]);
  });

  it('is given a .dockerignore that keeps installed and built files and git out of the context', () => {
    const ignored = readFileSync(join(repoRoot, '.dockerignore'), 'utf8').split('\n');
    for (const pattern of ['**/node_modules', '**/dist', '.git']) expect(ignored).toContain(pattern);
  });
});
