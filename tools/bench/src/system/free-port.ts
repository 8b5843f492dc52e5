import net from 'node:net';

/**
 * A TCP port on 127.0.0.1 that was free a moment ago. A child told to listen on it may
 * race another process for it; on a bench machine that is rare and fails loudly.
 */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  if (address === null || typeof address === 'string') throw new Error('no TCP address for a free port');
  return address.port;
}
