import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface AdmissionOptions {
  /** Open connections beyond which webhooks are refused (MAX_CONNECTIONS). */
  readonly maxConnections: number;
  /** Unverified body bytes that may be in flight at once (MAX_UNVERIFIED_BODY_BYTES). */
  readonly maxUnverifiedBytes: number;
  /** The largest body (BODY_LIMIT_BYTES): what a body of unknown length may grow to. */
  readonly bodyLimitBytes: number;
}

/** Why a webhook was refused before its body was read; the `reason` of its 503. */
export type AdmissionRefusal = 'connection_limit' | 'body_budget';

/**
 * Bodies up to this size are what nearly every Stripe event is. Larger ones may fill only
 * the first three quarters of the budget, so that clients trickling large bodies cannot
 * take the room the ordinary events need.
 */
const SMALL_BODY_BYTES = 65_536;

/**
 * The ingest's caps against clients that hold resources without ever proving who they are:
 * open connections, and body bytes being read before their signature can be checked.
 * Node's own `server.maxConnections` would drop the extra sockets without an answer; here
 * the extra connections get their headers read (bounded by the headers timeout) so that a
 * webhook on them is answered 503 with `Retry-After`, which Stripe retries.
 */
export interface Admission {
  /** Counts the connections of `server` from now on, and drops those beyond twice the cap. */
  watch(server: Server): void;
  /**
   * Admits a webhook, reserving its declared length (the body limit when it declares none)
   * until its response is closed, or says why it must wait.
   */
  admit(request: IncomingMessage, response: ServerResponse): AdmissionRefusal | undefined;
  /** True for a connection accepted beyond the cap: it is closed after its answer. */
  overCap(socket: Socket | null | undefined): boolean;
  readonly openConnections: number;
  readonly reservedBytes: number;
}

/** The length a request will at most buffer: its Content-Length, or the body limit. */
function declaredLength(request: IncomingMessage, bodyLimitBytes: number): number {
  const header = request.headers['content-length'];
  const length = header === undefined || !/^\d+$/.test(header) ? bodyLimitBytes : Number(header);
  // A body over the limit is refused (413) before it is read: it buffers nothing.
  return length > bodyLimitBytes ? 0 : length;
}

/** Creates the ingest's connection and unverified-bytes accounting. */
export function createAdmission(options: AdmissionOptions): Admission {
  let openConnections = 0;
  let reservedBytes = 0;
  const beyondCap = new WeakSet<Socket>();
  const largeBudget = Math.floor((options.maxUnverifiedBytes * 3) / 4);

  return {
    watch(server) {
      // The last line: beyond twice the cap even the 503 answers would cost memory without
      // bound, so Node drops further sockets unanswered (about 5 KiB each while open).
      server.maxConnections = 2 * options.maxConnections;
      server.on('connection', (socket: Socket) => {
        openConnections += 1;
        if (openConnections > options.maxConnections) beyondCap.add(socket);
        socket.once('close', () => {
          openConnections -= 1;
        });
      });
    },
    admit(request, response) {
      if (beyondCap.has(request.socket)) return 'connection_limit';
      const length = declaredLength(request, options.bodyLimitBytes);
      const budget = length > SMALL_BODY_BYTES ? largeBudget : options.maxUnverifiedBytes;
      if (reservedBytes + length > budget) return 'body_budget';
      reservedBytes += length;
      // `close` comes once, answered or aborted, so a reservation is never kept by mistake.
      response.once('close', () => {
        reservedBytes -= length;
      });
      return undefined;
    },
    overCap(socket) {
      return socket !== null && socket !== undefined && beyondCap.has(socket);
    },
    get openConnections() {
      return openConnections;
    },
    get reservedBytes() {
      return reservedBytes;
    },
  };
}
