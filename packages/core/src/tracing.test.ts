import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.ts';
import { createLogger } from './logger.ts';
import { extractTraceContext, inSpan, injectTraceContext, startTracing, tracingEnabled } from './tracing.ts';

describe('tracingEnabled', () => {
  it('is off by default, with an empty exporter list, with `none`, and whenever OTEL_SDK_DISABLED is true', () => {
    expect(tracingEnabled({})).toBe(false);
    expect(tracingEnabled({ OTEL_TRACES_EXPORTER: '' })).toBe(false);
    expect(tracingEnabled({ OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(tracingEnabled({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'TRUE' })).toBe(false);
  });

  it('is on when an exporter the SDK knows is named', () => {
    expect(tracingEnabled({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(tracingEnabled({ OTEL_TRACES_EXPORTER: 'console, otlp', OTEL_SDK_DISABLED: 'false' })).toBe(true);
  });

  it('refuses an exporter the SDK does not know, naming the variable and not the value', () => {
    expect(() => tracingEnabled({ OTEL_TRACES_EXPORTER: 'jaeger-thrift' })).toThrow(ConfigError);
    expect(() => tracingEnabled({ OTEL_TRACES_EXPORTER: 'jaeger-thrift' })).toThrow(/^OTEL_TRACES_EXPORTER: expected otlp, console or none/);
    expect(() => tracingEnabled({ OTEL_TRACES_EXPORTER: 'jaeger-thrift' })).not.toThrow(/jaeger-thrift/);
    // Supported by the full Node SDK, not by the lean set installed here.
    expect(() => tracingEnabled({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(/^OTEL_TRACES_EXPORTER: expected otlp, console or none/);
  });

  it('refuses an OTLP protocol other than http/json, the one the installed exporter speaks', () => {
    expect(tracingEnabled({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toBe(true);
    expect(() => tracingEnabled({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/^OTEL_EXPORTER_OTLP_PROTOCOL: expected http\/json/);
    expect(() => tracingEnabled({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' })).toThrow(
      /^OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: expected http\/json/,
    );
  });
});

describe('tracing off', () => {
  it('starts no SDK, and its spans are the no-op ones: nothing recorded, nothing injected', async () => {
    expect(await startTracing('test', createLogger({ name: 'test', level: 'silent' }), {})).toBeUndefined();
    const carrier: Record<string, unknown> = {};
    const result = await inSpan('work', { attributes: { 'stripe.event.id': 'evt_1' } }, (span) => {
      injectTraceContext(carrier);
      expect(span.isRecording()).toBe(false);
      return Promise.resolve(42);
    });
    expect(result).toBe(42);
    expect(carrier).toEqual({});
    expect(trace.getSpanContext(extractTraceContext({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' }))).toBeUndefined();
  });
});
