import { PipelineError, type Logger } from '@pipeline/core';
import { probeBroker, probeDatabase } from '@pipeline/testkit';
import { redactUrl } from './redact-url.ts';
import { containerRuntimeAvailable, startPostgresContainer, startRabbitMqContainer } from '@pipeline/testkit';

/** The broker and database the stack runs on. */
export interface Services {
  readonly rabbitmqUrl: string;
  readonly databaseUrl: string;
  /** Which of them run in containers the stack started (and stops on exit). */
  readonly containers: ReadonlyArray<'RabbitMQ' | 'PostgreSQL'>;
  /** Stops the containers the stack started, if any. */
  stop(): Promise<void>;
}

export interface EnsureServicesOptions {
  readonly rabbitmqUrl: string;
  readonly databaseUrl: string;
  /** Start an unreachable service in a container when a runtime is available (STACK_CONTAINERS=auto). */
  readonly startContainers: boolean;
  readonly logger: Logger;
}

const howToStart = {
  RabbitMQ: 'start it with `rabbitmq-server -detached` (or `sudo systemctl start rabbitmq-server`), or set RABBITMQ_URL',
  PostgreSQL: 'start it with `pg_ctlcluster <version> main start` (or `sudo systemctl start postgresql`), or set DATABASE_URL',
} as const;

/**
 * Checks that the broker and the database answer. When one does not, starts it in a
 * container if allowed and a container runtime is available; otherwise throws a
 * PipelineError (code SERVICE_UNREACHABLE) with one line per unreachable service that
 * names it, its address (password hidden) and how to start it.
 */
export async function ensureServices(options: EnsureServicesOptions): Promise<Services> {
  const [brokerProblem, databaseProblem] = await Promise.all([probeBroker(options.rabbitmqUrl), probeDatabase(options.databaseUrl)]);
  const unreachable = [
    ...(brokerProblem === undefined ? [] : [{ service: 'RabbitMQ' as const, url: options.rabbitmqUrl, reason: brokerProblem }]),
    ...(databaseProblem === undefined ? [] : [{ service: 'PostgreSQL' as const, url: options.databaseUrl, reason: databaseProblem }]),
  ];
  if (unreachable.length === 0) {
    return { rabbitmqUrl: options.rabbitmqUrl, databaseUrl: options.databaseUrl, containers: [], stop: () => Promise.resolve() };
  }

  let containerFailure = 'STACK_CONTAINERS=never forbids starting a container';
  if (options.startContainers) {
    if (await containerRuntimeAvailable()) return startMissing(options, brokerProblem === undefined, databaseProblem === undefined);
    containerFailure = 'no container runtime was found to start it';
  }

  const lines = unreachable.map(
    ({ service, url, reason }) => `${service} is unreachable at ${redactUrl(url)} (${reason}), and ${containerFailure}: ${howToStart[service]}`,
  );
  throw new PipelineError('SERVICE_UNREACHABLE', lines.join('\n'));
}

/** Starts a container for each service that did not answer, and keeps the URL of each that did. */
async function startMissing(options: EnsureServicesOptions, brokerAnswered: boolean, databaseAnswered: boolean): Promise<Services> {
  const containers = [...(brokerAnswered ? [] : ['RabbitMQ' as const]), ...(databaseAnswered ? [] : ['PostgreSQL' as const])];
  options.logger.info({ containers }, 'starting containers');
  const [broker, database] = await Promise.all([
    brokerAnswered ? undefined : startRabbitMqContainer(),
    databaseAnswered ? undefined : startPostgresContainer(),
  ]);
  options.logger.info({ containers }, 'containers started');
  return {
    rabbitmqUrl: broker?.url ?? options.rabbitmqUrl,
    databaseUrl: database?.url ?? options.databaseUrl,
    containers,
    stop: async () => {
      await Promise.all([broker?.stop(), database?.stop()]);
    },
  };
}
