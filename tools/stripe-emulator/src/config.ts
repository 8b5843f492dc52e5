import { z } from 'zod';
import { logLevel, parseEnv, port, type Env } from '@pipeline/core';

const schema = z.object({
  /** 12111 is stripe-mock's port, so tools that know it find the emulator there too. */
  PORT: port.default(12111),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: logLevel.default('info'),
});

export type EmulatorConfig = z.output<typeof schema>;

/** Reads and validates the emulator's configuration; throws a ConfigError naming each bad variable. */
export function loadConfig(env: Env = process.env): EmulatorConfig {
  return parseEnv(schema, env);
}
