import { z } from 'zod';
import { databaseConfig, parseEnv, sharedConfig, type Env } from '@pipeline/core';

const schema = z.object({
  /** The broker the bench declares its own topology on (a random TOPOLOGY_PREFIX); PRODUCT.md's default. */
  RABBITMQ_URL: sharedConfig.RABBITMQ_URL,
  /** A server URL with the right to CREATE DATABASE: the bench makes its own and drops it after. */
  DATABASE_URL: databaseConfig.DATABASE_URL,
});

export type BenchConfig = z.output<typeof schema>;

/** Reads the services the bench runs against; throws a ConfigError naming each bad variable. */
export function loadConfig(env: Env = process.env): BenchConfig {
  return parseEnv(schema, env);
}
