import { describe, expect, inject, it } from 'vitest';
import { connectFirstReachable, createAddressRotation, toConnectTarget } from './broker-addresses.ts';

describe('toConnectTarget', () => {
  it('reads a URL the way amqplib reads its string form', () => {
    expect(toConnectTarget('amqps://us%40er:p%2Fss@rmq-1.example:5671/prod%2Fa?heartbeat=30&frameMax=8192', 10)).toEqual({
      protocol: 'amqps',
      hostname: 'rmq-1.example',
      port: 5671,
      username: 'us@er',
      password: 'p/ss',
      vhost: 'prod%2Fa',
      heartbeat: 30,
      frameMax: 8192,
    });
  });

  it('applies the default port and heartbeat, and leaves the credentials to amqplib (guest) when the URL has none', () => {
    expect(toConnectTarget('amqp://rmq-0', 10)).toEqual({ protocol: 'amqp', hostname: 'rmq-0', port: 5672, heartbeat: 10 });
  });
});

describe('createAddressRotation', () => {
  it('starts at the first address and moves round the list, repointing the same target', () => {
    const rotation = createAddressRotation('amqp://a:5672,amqp://b:5673', 10);
    const { target } = rotation;
    expect([rotation.host, target.hostname]).toEqual(['a:5672', 'a']);
    rotation.advance();
    expect([rotation.host, target.hostname, target.port]).toEqual(['b:5673', 'b', 5673]);
    rotation.advance();
    expect([rotation.host, rotation.target]).toEqual(['a:5672', target]);
    expect(target.hostname).toBe('a');
  });
});

describe('connectFirstReachable', () => {
  const { rabbitmqUrl } = inject('services');

  it('connects a short-lived client to the first address that answers', async () => {
    const connection = await connectFirstReachable(`amqp://guest:guest@127.0.0.1:1,${rabbitmqUrl}`, { timeout: 2_000 });
    try {
      const channel = await connection.createChannel();
      await channel.close();
    } finally {
      await connection.close();
    }
  });

  it('fails with the last address\'s error when no address answers', async () => {
    await expect(connectFirstReachable('amqp://guest:guest@127.0.0.1:1,amqp://guest:guest@127.0.0.1:2', { timeout: 2_000 })).rejects.toThrow(/ECONNREFUSED 127\.0\.0\.1:2/);
  });
});
