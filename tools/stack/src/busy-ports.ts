import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

/** Resolves true when nothing listens on host:port (a listener bound and closed at once). */
export function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

/** What `read` returns, or `fallback` when it throws (a file of a process that is gone, or not ours to read). */
function readOr<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/** The socket inodes listening on the port, from /proc/net/tcp and tcp6 (state 0A is LISTEN). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = readOr(() => readFileSync(table, 'utf8'), '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1] ?? '';
      if (fields[3] === '0A' && Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port && fields[9] !== undefined) inodes.add(fields[9]);
    }
  }
  return inodes;
}

/**
 * Which process holds a listening port, as `pid 1234 (node tools/stack/src/main.ts)`, or
 * undefined when it cannot be told (another user's process, or no /proc).
 */
export function portHolder(port: number): string | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  const pids = readOr(() => readdirSync('/proc'), []).filter((name) => /^\d+$/.test(name));
  for (const pid of pids) {
    for (const fd of readOr(() => readdirSync(`/proc/${pid}/fd`), [])) {
      const target = readOr(() => readlinkSync(`/proc/${pid}/fd/${fd}`), '');
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode === undefined || !inodes.has(inode)) continue;
      // Gone meanwhile: the pid is still the answer.
      const command = readOr(() => readFileSync(`/proc/${pid}/cmdline`, 'utf8'), '').split('\0').filter(Boolean).join(' ');
      return command === '' ? `pid ${pid}` : `pid ${pid} (${command.length > 120 ? `${command.slice(0, 117)}...` : command})`;
    }
  }
  return undefined;
}

/**
 * The one line for each of the named ports (variable → port, 0 skipped) that something
 * already listens on, naming the process when it can be told. Empty when all are free.
 */
export async function busyPortLines(ports: Readonly<Record<string, number>>, host: string): Promise<string[]> {
  const lines: string[] = [];
  for (const [variable, port] of Object.entries(ports)) {
    if (port === 0 || (await portIsFree(port, host))) continue;
    const holder = portHolder(port);
    lines.push(`port ${port} (${variable}) is already in use${holder === undefined ? '' : ` by ${holder}`}: stop that process or set ${variable}`);
  }
  return lines;
}
