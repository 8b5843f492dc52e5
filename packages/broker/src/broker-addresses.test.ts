import { describe, expect, it } from 'vitest';
import { createAddressRotation, toConnectTarget } from './broker-addresses.ts';

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
