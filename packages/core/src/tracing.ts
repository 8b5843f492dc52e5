import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Link, type Span } from '@opentelemetry/api';
import { ConfigError } from './errors.ts';
import type { Logger } from './logger.ts';

/**
 * One trace per event (issue 14, part 3). Shipping code uses the OpenTelemetry API only: when
 * tracing is off no SDK is registered, every span below is the API's no-op span, and
 * injection writes nothing.
 */
export const tracer = trace.getTracer('stripe-webhook-pipeline');

/** Span attribute names, stable: dashboards and trace searches rely on them. */
export const traceAttributes = {
  eventId: 'stripe.event.id',
  eventType: 'stripe.event.type',
  account: 'stripe.account',
  endpoint: 'stripe.endpoint',
  livemode: 'stripe.livemode',
  attempt: 'pipeline.attempt',
  outcome: 'pipeline.outcome',
  command: 'pipeline.command',
  stripeOperation: 'stripe.api.operation',
} as const;

export { SpanKind };

/** The attributes naming an event, without `undefined` values. */
export function eventAttributes(event: { readonly id: string; readonly type: string; readonly account?: string | undefined; readonly endpoint?: string }): Attributes {
  return {
    [traceAttributes.eventId]: event.id,
    [traceAttributes.eventType]: event.type,
    ...(event.account === undefined ? {} : { [traceAttributes.account]: event.account }),
    ...(event.endpoint === undefined ? {} : { [traceAttributes.endpoint]: event.endpoint }),
  };
}

/** Marks a span failed with the thrown value (an exception event and an ERROR status). */
export function recordFailure(span: Span, err: unknown): void {
  if (err instanceof Error) span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message.slice(0, 200) : String(err) });
}

export interface SpanOptions {
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  readonly links?: Link[];
  /** The parent; the active context by default. */
  readonly parent?: Context;
  /** Starts a new trace (with `links` to where it came from) rather than a child. */
  readonly root?: boolean;
}

/**
 * Runs `work` inside a new span (active for everything it awaits), ends the span when it
 * settles, and marks it failed when it throws.
 */
export async function inSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(
    name,
    { ...(options.kind === undefined ? {} : { kind: options.kind }), ...(options.attributes === undefined ? {} : { attributes: options.attributes }), ...(options.links === undefined ? {} : { links: options.links }), ...(options.root === true ? { root: true } : {}) },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (err: unknown) {
    recordFailure(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** Writes the active context's W3C `traceparent` (and `tracestate`) into message headers. */
export function injectTraceContext(carrier: Record<string, unknown>): void {
  propagation.inject(context.active(), carrier);
}

/** The context a message's headers carry (its `traceparent`), or the root context when none. */
export function extractTraceContext(carrier: Readonly<Record<string, unknown>> | undefined): Context {
  if (carrier === undefined) return context.active();
  return propagation.extract(context.active(), carrier, {
    get: (headers, key) => {
      const value = headers[key];
      return typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : undefined;
    },
    keys: (headers) => Object.keys(headers),
  });
}

/**
 * The trace exporters this service can build from OTEL_TRACES_EXPORTER: OTLP over HTTP
 * (`http/json`), the console, and `none`. Not the full Node SDK's set (no Zipkin, no gRPC):
 * only the lean tracing packages are installed.
 */
const knownExporters = ['otlp', 'console', 'none'];

/**
 * Whether the standard OTEL_* variables turn tracing on: an exporter is named, and the SDK is
 * not disabled (OTEL_SDK_DISABLED=true). An exporter this service does not support is a
 * ConfigError (otherwise it would trace into nothing without a word).
 */
export function tracingEnabled(env: Readonly<Record<string, string | undefined>>): boolean {
  const exporters = tracesExporters(env);
  const unknown = exporters.filter((name) => !knownExporters.includes(name));
  if (unknown.length > 0) throw new ConfigError('OTEL_TRACES_EXPORTER: expected otlp, console or none (comma-separated)');
  // The OTLP exporter installed is OTLP/HTTP with JSON bodies; it ignores the protocol variables,
  // so `grpc` or `http/protobuf` would send to the wrong port or in the wrong encoding unnoticed.
  for (const name of ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL']) {
    const protocol = (env[name] ?? '').trim().toLowerCase();
    if (protocol !== '' && protocol !== 'http/json') throw new ConfigError(`${name}: expected http/json (or unset)`);
  }
  if ((env['OTEL_SDK_DISABLED'] ?? '').trim().toLowerCase() === 'true') return false;
  return exporters.some((name) => name !== 'none');
}

function tracesExporters(env: Readonly<Record<string, string | undefined>>): string[] {
  return [
    ...new Set(
      (env['OTEL_TRACES_EXPORTER'] ?? '')
        .split(',')
        .map((name) => name.trim().toLowerCase())
        .filter((name) => name !== ''),
    ),
  ];
}

/** A started tracing SDK: flushes and stops on shutdown. */
export interface Tracing {
  shutdown(): Promise<void>;
}

/**
 * Starts tracing when the OTEL_* variables ask for it. Off by default: unless
 * OTEL_TRACES_EXPORTER names an exporter, no OpenTelemetry SDK package is even loaded.
 * When on: a TracerProvider (`@opentelemetry/sdk-trace`) with one processor per named exporter
 * (`otlp`: BatchSpanProcessor + the OTLP/HTTP exporter, which reads
 * OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT / _HEADERS / _TIMEOUT itself; `console`:
 * SimpleSpanProcessor + ConsoleSpanExporter), an AsyncLocalStorage context manager, the W3C
 * trace-context + baggage propagator, and a resource from OTEL_RESOURCE_ATTRIBUTES with
 * `service.name` = OTEL_SERVICE_NAME or `stripe-pipeline-<name>`.
 */
export async function startTracing(serviceName: string, logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<Tracing | undefined> {
  if (!tracingEnabled(env)) return undefined;
  const [sdk, { AsyncLocalStorageContextManager }, core, resources, { ATTR_SERVICE_NAME }] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/semantic-conventions'),
  ]);
  const processors: InstanceType<typeof sdk.BatchSpanProcessor | typeof sdk.SimpleSpanProcessor>[] = [];
  for (const name of tracesExporters(env)) {
    if (name === 'otlp') {
      const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
      processors.push(new sdk.BatchSpanProcessor({ exporter: new OTLPTraceExporter() }));
    } else if (name === 'console') {
      processors.push(new sdk.SimpleSpanProcessor({ exporter: new sdk.ConsoleSpanExporter() }));
    }
  }
  // OTEL_RESOURCE_ATTRIBUTES, then service.name: OTEL_SERVICE_NAME wins when set; the process
  // name otherwise, not `unknown_service`.
  const resource = resources
    .defaultResource()
    .merge(resources.detectResources({ detectors: [resources.resourceAttributesEnvDetector] }))
    .merge(resources.resourceFromAttributes({ [ATTR_SERVICE_NAME]: env['OTEL_SERVICE_NAME'] ?? `stripe-pipeline-${serviceName}` }));
  const provider = new sdk.TracerProvider({ resource, spanProcessors: processors });
  const contextManager = new AsyncLocalStorageContextManager();
  contextManager.enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(
    new core.CompositePropagator({ propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(provider);
  logger.info(
    { exporter: env['OTEL_TRACES_EXPORTER'], endpoint: env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ?? env['OTEL_EXPORTER_OTLP_ENDPOINT'] },
    'tracing on',
  );
  return {
    async shutdown() {
      await provider.shutdown().catch((err: unknown) => {
        logger.warn({ err }, 'could not flush the last spans');
      });
    },
  };
}

/** A span around one call of the Stripe SDK (a CLIENT span, `stripe transfers.create`); the SDK itself is untouched. */
export function inStripeCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  return inSpan(`stripe ${operation}`, { kind: SpanKind.CLIENT, attributes: { [traceAttributes.stripeOperation]: operation } }, call);
}

/** {@link inSpan} for synchronous work (a signature check, an ack). */
export function inSpanSync<T>(name: string, work: () => T): T {
  const span = tracer.startSpan(name);
  try {
    return context.with(trace.setSpan(context.active(), span), work);
  } catch (err: unknown) {
    recordFailure(span, err);
    throw err;
  } finally {
    span.end();
  }
}
