import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { brokerHosts, splitBrokerUrls } from './broker-urls.ts';
import { parseEnv, sharedConfig } from './config.ts';

const schema = z.object({ RABBITMQ_URL: sharedConfig.RABBITMQ_URL });

describe('RABBITMQ_URL', () => {
  it('accepts one URL, as before', () => {
    expect(parseEnv(schema, { RABBITMQ_URL: 'amqp://guest:guest@10.0.0.1:5672' }).RABBITMQ_URL).toBe('amqp://guest:guest@10.0.0.1:5672');
  });

  it('accepts a comma-separated list of amqp and amqps URLs, one per cluster node', () => {
    const value = 'amqp://u:p@rmq-0:5672, amqps://u:p@rmq-1:5671/prod ,amqp://u:p@rmq-2';
    expect(parseEnv(schema, { RABBITMQ_URL: value }).RABBITMQ_URL).toBe(value);
    expect(splitBrokerUrls(value)).toEqual(['amqp://u:p@rmq-0:5672', 'amqps://u:p@rmq-1:5671/prod', 'amqp://u:p@rmq-2']);
  });

  it('ignores empty entries such as a trailing comma', () => {
    expect(splitBrokerUrls('amqp://a:5672,,amqp://b:5672,')).toEqual(['amqp://a:5672', 'amqp://b:5672']);
  });

  it('rejects a list in which one entry is not an amqp URL, without echoing the value', () => {
    expect(() => parseEnv(schema, { RABBITMQ_URL: 'amqp://u:p@a:5672,http://u:hunter2secret@b:5672' })).toThrow(
      /RABBITMQ_URL must be an amqp or amqps URL, or a comma-separated list of them/,
    );
    expect(() => parseEnv(schema, { RABBITMQ_URL: 'amqp://u:p@a:5672,http://u:hunter2secret@b:5672' })).not.toThrow(/hunter2secret/);
  });

  it('rejects a list with no URL in it', () => {
    expect(() => parseEnv(schema, { RABBITMQ_URL: ' , ,' })).toThrow(/RABBITMQ_URL must hold at least one amqp or amqps URL/);
  });

  it('names every host of a list without the credentials', () => {
    expect(brokerHosts('amqp://u:hunter2secret@rmq-0:5672,amqp://u:hunter2secret@rmq-1:5673')).toBe('rmq-0:5672, rmq-1:5673');
  });
});
