import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { objectId } from './object-id.ts';
import { authenticate } from './authenticate.ts';
import type { CallLog, EmulatorCall } from './call-log.ts';
import { canonicalJson } from './canonical-json.ts';
import { decodeForm, type FormParams } from './decode-form.ts';
import { delay } from './delay.ts';
import type { Fault, FaultInjector } from './fault-injector.ts';
import type { IdempotencyStore } from './idempotency-store.ts';
import { errorForStatus, invalidParam, StripeApiError } from './stripe-error.ts';

/** What a `/v1` handler gets: the request as Stripe reads it. */
export interface StripeRequestContext {
  method: string;
  /** The path without its query string. */
  path: string;
  params: FormParams;
  /** The `Stripe-Account` header; null for the platform's own calls. */
  account: string | null;
  livemode: boolean;
  /** Path parameters, e.g. `{ id }`. */
  pathParams: Record<string, string>;
}

/** A `/v1` handler: returns the body of a 200 answer, or throws a StripeApiError. */
export type StripeHandler = (context: StripeRequestContext) => unknown;

/** Turns a StripeHandler into a Fastify handler that goes through the whole `/v1` pipeline. */
export type StripeRoute = (handler: StripeHandler) => (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;

/** What the `/v1` pipeline shares across requests. */
export interface StripeApiDeps {
  calls: CallLog;
  faults: FaultInjector;
  idempotency: IdempotencyStore;
  /** Aborted when the emulator closes, to cut injected hangs short. */
  closing: AbortSignal;
}

interface Answer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
  /** An error answer that is still kept under the idempotency key (the endpoint ran). */
  saved?: boolean;
}

const maxIdempotencyKeyLength = 255;

function header(request: FastifyRequest, name: string): string | null {
  const value = request.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? null : first;
}

function errorAnswer(err: StripeApiError): Answer {
  return { status: err.status, body: { error: err.body }, headers: {} };
}

function faultAnswer(fault: Fault): Answer {
  const overrides = {
    ...(fault.type === undefined ? {} : { type: fault.type }),
    ...(fault.code === undefined ? {} : { code: fault.code }),
    ...(fault.message === undefined ? {} : { message: fault.message }),
  };
  return errorAnswer(errorForStatus(fault.status, overrides));
}

function idempotencyMismatch(key: string): StripeApiError {
  return new StripeApiError(400, {
    type: 'idempotency_error',
    message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
  });
}

/**
 * Installs Stripe's request pipeline on the `/v1` scope: form bodies and bracketed query
 * strings, the call log, injected faults, API key checks, the idempotency layer and
 * Stripe-shaped errors. Returns the wrapper each `/v1` route's handler goes through.
 *
 * A request runs as: fault lookup; a failing fault that is not `saved` and without
 * `afterEffect` answers after its delay with no side effect; otherwise the key is checked,
 * an `Idempotency-Key` on a POST claims its answer (replayed for the same parameters, 400
 * `idempotency_error` for other ones, a concurrent twin waits for the first's answer), the
 * endpoint runs (a `saved` fault is its answer, after the handler when `afterEffect`), and
 * its answer is kept for replay unless it is an error of validation, as Stripe keeps 500s
 * and every other answer of an endpoint that began executing. A failing `afterEffect`
 * fault that is not `saved` then replaces the answer sent, as a lost response would.
 */
export function installStripeApi(scope: FastifyInstance, deps: StripeApiDeps): StripeRoute {
  const callOf = new WeakMap<FastifyRequest, EmulatorCall>();

  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, decodeForm(typeof body === 'string' ? body : body.toString('utf8')));
  });

  scope.addHook('onRequest', (request, _reply, done) => {
    const call = deps.calls.record({
      method: request.method,
      path: request.url.split('?')[0] ?? request.url,
      params: {},
      idempotencyKey: header(request, 'idempotency-key'),
      account: header(request, 'stripe-account'),
      requestId: objectId('req', 14),
    });
    callOf.set(request, call);
    done();
  });

  function send(request: FastifyRequest, reply: FastifyReply, answer: Answer): FastifyReply {
    const call = callOf.get(request);
    if (call !== undefined) call.status = answer.status;
    const echoed: Record<string, string> = { 'Request-Id': call?.requestId ?? objectId('req', 14) };
    for (const name of ['stripe-version', 'stripe-account', 'idempotency-key']) {
      const value = header(request, name);
      if (value !== null) echoed[name.replace(/(^|-)([a-z])/g, (match) => match.toUpperCase())] = value;
    }
    return reply
      .code(answer.status)
      .headers({ ...echoed, ...answer.headers })
      .send(answer.body);
  }

  // Parse failures and anything unexpected still answer in Stripe's shape and show in the call log.
  scope.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof StripeApiError) return send(request, reply, errorAnswer(error));
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'emulator request failed');
    return send(request, reply, errorAnswer(errorForStatus(status, { message: error.message })));
  });

  /** Runs the endpoint: the handler's answer, or a Stripe error it threw (saved under the key when the endpoint says so). */
  function execute(handler: StripeHandler, context: StripeRequestContext): Answer {
    try {
      return { status: 200, body: handler(context), headers: {} };
    } catch (err: unknown) {
      if (err instanceof StripeApiError) return { ...errorAnswer(err), saved: err.saved };
      throw err;
    }
  }

  async function carryOut(request: FastifyRequest, call: EmulatorCall, endpoint: (context: StripeRequestContext) => Promise<Answer>): Promise<Answer> {
    let livemode: boolean;
    try {
      ({ livemode } = authenticate(header(request, 'authorization') ?? undefined));
      if (call.idempotencyKey !== null && call.idempotencyKey.length > maxIdempotencyKeyLength) {
        throw invalidParam('Idempotency-Key', `Idempotency-Key must be at most ${maxIdempotencyKeyLength} characters long.`);
      }
    } catch (err: unknown) {
      if (err instanceof StripeApiError) return errorAnswer(err);
      throw err;
    }
    const context: StripeRequestContext = {
      method: request.method,
      path: call.path,
      params: call.params as FormParams,
      account: call.account,
      livemode,
      pathParams: request.params as Record<string, string>,
    };
    const key = call.idempotencyKey;
    // Stripe keys only POSTs; GET and DELETE are idempotent by nature.
    if (request.method !== 'POST' || key === null) return endpoint(context);

    // Test and live mode are separate worlds at Stripe: a key used in one is unknown in the other.
    const scopedKey = `${livemode ? 'live' : 'test'} ${call.account ?? 'platform'} ${key}`;
    const fingerprint = canonicalJson([request.method, call.path, call.params]);
    for (;;) {
      const claim = deps.idempotency.begin(scopedKey, fingerprint);
      if (claim.kind === 'mismatch') return errorAnswer(idempotencyMismatch(key));
      if (claim.kind === 'replay') {
        call.replayed = true;
        const { status, body, requestId } = claim.answer;
        return { status, body, headers: { 'Idempotent-Replayed': 'true', 'Original-Request': requestId } };
      }
      if (claim.kind === 'pending') {
        await claim.settled;
        continue;
      }
      let answer: Answer;
      try {
        answer = await endpoint(context);
      } catch (err: unknown) {
        claim.release();
        throw err;
      }
      // Stripe keeps the answer once the endpoint ran, errors and 500s included; a request
      // refused by validation keeps nothing.
      if (answer.status < 400 || answer.saved === true) {
        claim.complete({ status: answer.status, body: answer.body, requestId: call.requestId });
        answer.headers['Original-Request'] = call.requestId;
      } else {
        claim.release();
      }
      return answer;
    }
  }

  return (handler) => async (request, reply) => {
    const call = callOf.get(request);
    if (call === undefined) throw new Error('a /v1 request without a call log entry');
    const source = request.method === 'GET' || request.method === 'DELETE' ? request.query : request.body;
    call.params = source !== null && typeof source === 'object' ? (source as Record<string, unknown>) : {};

    // An injected hang ends early when the client gives up or the emulator closes.
    const clientGone = new AbortController();
    reply.raw.once('close', () => {
      clientGone.abort();
    });
    const signal = AbortSignal.any([deps.closing, clientGone.signal]);

    const fault = deps.faults.take(request.method, call.path);
    if (fault !== undefined) {
      call.faulted = true;
      request.log.info({ faultId: fault.id, status: fault.status, afterEffect: fault.afterEffect }, 'fault injected');
    }
    const failing = fault !== undefined && fault.status >= 400 ? fault : undefined;
    if (failing !== undefined && !failing.afterEffect && !failing.saved) {
      await delay(failing.delayMs, signal);
      return send(request, reply, faultAnswer(failing));
    }
    // The endpoint as this request meets it: a saved fault without afterEffect fails it with
    // no side effect; a saved afterEffect fault carries it out and fails it; otherwise it runs.
    const endpoint = async (context: StripeRequestContext): Promise<Answer> => {
      if (failing === undefined) {
        if (fault !== undefined) await delay(fault.delayMs, signal);
        return execute(handler, context);
      }
      if (failing.afterEffect) {
        const real = execute(handler, context);
        // Answer lost on the way back: the key keeps the real answer, the fault is sent after.
        if (!failing.saved) return real;
      }
      await delay(failing.delayMs, signal);
      return { ...faultAnswer(failing), saved: true };
    };
    const answer = await carryOut(request, call, endpoint);
    if (failing !== undefined && !failing.saved) {
      await delay(failing.delayMs, signal);
      return send(request, reply, faultAnswer(failing));
    }
    return send(request, reply, answer);
  };
}
