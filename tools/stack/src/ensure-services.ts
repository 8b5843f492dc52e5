import { PipelineError, type Logger } from '@pipeline/core';
import { probeBroker, probeDatabase, type ProbeResult } from '@pipeline/testkit';
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

/** The same commands as the README's "Services not running?". */
const howToStart = {
  RabbitMQ: 'start it with `rabbitmq-server -detached` (or `sudo systemctl start rabbitmq-server`), or set RABBITMQ_URL',
  PostgreSQL: 'start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` (Debian), or set DATABASE_URL',
} as const;

const urlVariable = { RabbitMQ: 'RABBITMQ_URL', PostgreSQL: 'DATABASE_URL' } as const;

/**
 * The one line for a service that did not answer. A refused user or password is said as
 * such: starting the service, or another one in a container, would not fix the URL.
 */
function problemLine(service: 'RabbitMQ' | 'PostgreSQL', url: string, problem: NonNullable<ProbeResult>, containerFailure: string): string {
  if (problem.refusedCredentials) {
    return `${service} at ${redactUrl(url)} refused the user name or password (authentication failed: ${problem.reason}): correct them in ${urlVariable[service]}`;
  }
  return `${service} is unreachable at ${redactUrl(url)} (${problem.reason}), and ${containerFailure}: ${howToStart[service]}`;
}

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
  const refused = unreachable.some(({ reason }) => reason.refusedCredentials);
  if (options.startContainers && !refused) {
    if (await containerRuntimeAvailable()) return startMissing(options, brokerProblem === undefined, databaseProblem === undefined);
    containerFailure = 'no container runtime was found to start it';
  }

  const lines = unreachable.map(({ service, url, reason }) => problemLine(service, url, reason, containerFailure));
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
