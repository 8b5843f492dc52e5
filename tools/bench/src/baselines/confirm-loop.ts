import { performance } from 'node:perf_hooks';
import amqp from 'amqplib';
import { eventMessageProperties, routingKeyOf, type EventEnvelope, type TopologyNames } from '@pipeline/broker';
import { createLatencyRecorder, type LatencySummary } from '../load/latency-recorder.ts';
import { benchEventType, makeEventBody } from '../load/payload-pool.ts';
import { publishWindowed } from '../load/publish-window.ts';
import { watchResources, type ResourceUse } from '../system/resource-watch.ts';

/** Baseline (b): the broker's rate for confirmed publishes of the ingest's messages. */
export interface ConfirmLoopResult {
  /** Publishes in flight at once. */
  readonly window: number;
  readonly durationS: number;
  readonly confirmed: number;
  readonly ratePerS: number;
  /** Publish-to-confirm round trips. */
  readonly latency: LatencySummary;
  readonly messageBytes: number;
  /** CPU of the bench (the publisher) and RabbitMQ during the loop. */
  readonly resources: ResourceUse;
}

export interface ConfirmLoopOptions {
  readonly rabbitmqUrl: string;
  readonly names: TopologyNames;
  readonly window: number;
  readonly durationS: number;
}

/**
 * A tight publish-with-confirms loop from this process: the same exchange, routing key,
 * properties and body size the ingest publishes, into the same quorum work queue, with
 * `window` publishes in flight. Nothing else is in the way: the broker's ceiling.
 */
export async function measureConfirmLoop(options: ConfirmLoopOptions): Promise<ConfirmLoopResult> {
  const { id, body } = makeEventBody();
  const content = Buffer.from(body);
  const envelope: EventEnvelope = { id, type: benchEventType, endpoint: 'platform', account: undefined, livemode: false };
  const routingKey = routingKeyOf(envelope);
  // noDelay as the pipeline's own connections have it: Nagle's algorithm would hold each
  // small frame up to ~40 ms waiting for the peer's delayed ACK.
  const connection = await amqp.connect(options.rabbitmqUrl, { noDelay: true });
  try {
    const channel = await connection.createConfirmChannel();
    const latencies = createLatencyRecorder();
    const watch = watchResources({ processes: {} });
    const deadline = performance.now() + options.durationS * 1000;
    const result = await publishWindowed(channel, {
      window: options.window,
      more: () => performance.now() < deadline,
      message: (index) => ({
        exchange: options.names.exchange,
        routingKey,
        content,
        properties: { ...eventMessageProperties(envelope), messageId: `${id}_${index}` },
      }),
      onConfirm: (ms) => {
        latencies.record(ms);
      },
    });
    const resources = watch.stop();
    await channel.close();
    return {
      window: options.window,
      durationS: result.elapsedS,
      confirmed: result.confirmed,
      ratePerS: result.confirmed / result.elapsedS,
      latency: latencies.summary(),
      messageBytes: content.length,
      resources,
    };
  } finally {
    await connection.close().catch(() => undefined);
  }
}
