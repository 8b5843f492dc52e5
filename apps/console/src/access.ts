import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

/** Who made a request, and how they proved it. */
export interface Operator {
  /** The name given at login (or `X-Console-Operator` with a bearer token); for the audit. */
  readonly name: string;
  readonly via: 'session' | 'bearer' | 'open';
}

/** The session cookie's name; its value is a random id, signed by @fastify/cookie. */
export const sessionCookie = 'console_session';

/** How long a login lasts. */
export const sessionTtlMs = 12 * 3_600_000;

/** Sessions in memory: a restart of the console logs everyone out, which is fine for an operator tool. */
export class SessionStore {
  readonly #sessions = new Map<string, { name: string; expiresAt: number }>();

  open(name: string, now = Date.now()): string {
    const id = randomBytes(24).toString('base64url');
    this.#sessions.set(id, { name, expiresAt: now + sessionTtlMs });
    return id;
  }

  find(id: string, now = Date.now()): string | undefined {
    const session = this.#sessions.get(id);
    if (session === undefined) return undefined;
    if (session.expiresAt <= now) {
      this.#sessions.delete(id);
      return undefined;
    }
    return session.name;
  }

  close(id: string): void {
    this.#sessions.delete(id);
  }
}

/** Compares a presented token with CONSOLE_TOKEN in constant time (hashes first, so lengths never leak). */
export function tokenMatches(presented: string, token: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(presented), digest(token));
}

/** The bearer token of `Authorization: Bearer …`, if any. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? '';
}

/** A short, printable operator name (form field or header), or a default. */
export function operatorName(raw: unknown, fallback: string): string {
  if (typeof raw !== 'string') return fallback;
  const name = raw.replace(/[^\p{L}\p{N} ._@-]/gu, '').trim().slice(0, 64);
  return name === '' ? fallback : name;
}
