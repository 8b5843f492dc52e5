import net from 'node:net';

/**
 * A TCP proxy between a process under test and a server (RabbitMQ, PostgreSQL...), so a
 * test can break the connection the way a network or a restarting server would.
 */
export interface TcpProxy {
  /** The proxy's port on 127.0.0.1. */
  readonly port: number;
  /** `base` (e.g. `amqp://guest:guest@127.0.0.1:5672` or a postgres URL) with its host and port replaced by the proxy's. */
  url(base: string): string;
  /** Destroys every open connection at once (both sides); new connections are still accepted. */
  cut(): void;
  /** The server is "down": open connections are destroyed and new ones reset until `resume()`. */
  pause(): void;
  /**
   * The network between client and server drops every packet, as when a host falls off the
   * network: open connections stay open on both sides but nothing passes any more, and new
   * connections are accepted but never reach the server. `resume()` ends it (and the
   * connections it swallowed, whose streams lost bytes).
   */
  blackhole(): void;
  /** Accepts and forwards connections again. */
  resume(): void;
  /** Holds every chunk forwarded from now on for `ms` before passing it on (both directions, order kept); 0 removes the latency. */
  delay(ms: number): void;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

export interface TcpProxyOptions {
  /** Where connections are forwarded to. */
  readonly target: { readonly host: string; readonly port: number };
}

interface Link {
  readonly client: net.Socket;
  /** Absent for a connection accepted while black-holed: it never reaches the server. */
  readonly upstream: net.Socket | undefined;
  /** Set once the link is black-holed: bytes read from either side are dropped. */
  dropping: boolean;
}

/** Starts a proxy on 127.0.0.1 (a free port) that forwards every connection to `target`. */
export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const links = new Set<Link>();
  let paused = false;
  let blackholed = false;
  let latencyMs = 0;

  function sever(link: Link): void {
    links.delete(link);
    // A reset rather than a FIN: the peer sees what a crashed server or a dropped route looks like.
    if (!link.client.destroyed) link.client.resetAndDestroy();
    if (link.upstream !== undefined && !link.upstream.destroyed) link.upstream.resetAndDestroy();
  }

  /** Copies `from` to `to`, through a FIFO that holds chunks for the current latency. */
  function forward(link: Link, from: net.Socket, to: net.Socket): void {
    const queue: Array<{ at: number; chunk: Buffer }> = [];
    let timer: NodeJS.Timeout | undefined;
    let ended = false;

    function flush(): void {
      timer = undefined;
      const now = Date.now();
      while (queue.length > 0 && (queue[0]?.at ?? Infinity) <= now) {
        const head = queue.shift();
        if (head !== undefined && !to.destroyed && !link.dropping) to.write(head.chunk);
      }
      const next = queue[0];
      if (next !== undefined) timer = setTimeout(flush, next.at - now);
      else if (ended && !to.destroyed) to.end();
    }

    from.on('data', (chunk: Buffer) => {
      if (link.dropping) return;
      if (latencyMs === 0 && queue.length === 0) {
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
        return;
      }
      // Never earlier than a chunk already waiting: lowering the latency must not reorder bytes.
      const at = Math.max(Date.now() + latencyMs, queue.at(-1)?.at ?? 0);
      queue.push({ at, chunk });
      timer ??= setTimeout(flush, at - Date.now());
    });
    // A side that closes cleanly closes the other once what it sent has been passed on.
    function finish(): void {
      // Behind a black hole a FIN is lost like any other packet.
      if (ended || link.dropping) return;
      ended = true;
      if (queue.length === 0 && !to.destroyed) to.end();
    }
    from.on('end', finish);
    from.on('close', finish);
  }

  const server = net.createServer((client) => {
    client.on('error', () => {
      // Resets and aborts are what this proxy is for; the peer sees them, the test does not need to.
    });
    if (paused) {
      client.resetAndDestroy();
      return;
    }
    if (blackholed) {
      // Accepted, then silence: what a connection to a host behind a black hole looks like
      // once the SYN got through. Read and dropped so the client never sees back-pressure.
      const swallowed: Link = { client, upstream: undefined, dropping: true };
      links.add(swallowed);
      client.on('data', () => undefined);
      client.on('close', () => links.delete(swallowed));
      return;
    }
    client.pause();
    const upstream = net.connect({ host: options.target.host, port: options.target.port });
    const link: Link = { client, upstream, dropping: false };
    links.add(link);
    upstream.on('error', () => {
      if (!link.dropping) sever(link);
    });
    upstream.on('connect', () => {
      client.resume();
    });
    for (const side of [client, upstream]) {
      side.on('close', (hadError: boolean) => {
        // Behind a black hole the other side learns nothing: it finds out by its own timeouts.
        if (link.dropping) return;
        if (hadError) sever(link);
        else if (client.destroyed && upstream.destroyed) links.delete(link);
      });
    }
    forward(link, client, upstream);
    forward(link, upstream, client);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP address');
  const port = address.port;

  function severAll(): void {
    for (const link of [...links]) sever(link);
  }

  return {
    port,
    url(base) {
      const url = new URL(base);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    },
    cut: severAll,
    pause() {
      paused = true;
      severAll();
    },
    blackhole() {
      blackholed = true;
      for (const link of links) link.dropping = true;
    },
    resume() {
      paused = false;
      if (blackholed) {
        blackholed = false;
        for (const link of [...links]) if (link.dropping) sever(link);
      }
    },
    delay(ms) {
      latencyMs = Math.max(0, ms);
    },
    async close() {
      paused = true;
      severAll();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
