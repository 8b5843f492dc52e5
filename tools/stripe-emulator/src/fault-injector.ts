import type { z } from 'zod';
import { faultSpecSchema, type FaultSpec } from '@pipeline/emulator-protocol';

export { faultSpecSchema, type FaultSpec };

/** A queued fault. */
export interface Fault {
  id: number;
  status: number;
  delayMs: number;
  /** Matching requests it will still fault; null: until cleared. */
  remaining: number | null;
  probability: number;
  path: string | null;
  method: string | null;
  afterEffect: boolean;
  saved: boolean;
  type: z.output<typeof faultSpecSchema>['type'];
  code: string | undefined;
  message: string | undefined;
}

/** The queue of injected faults. */
export interface FaultInjector {
  add(spec: z.output<typeof faultSpecSchema>): Fault;
  /** The first queued fault that matches the request, counting it as used; undefined when none. */
  take(method: string, path: string): Fault | undefined;
  list(): Fault[];
  clear(): void;
}

/** An empty fault queue. */
export function createFaultInjector(): FaultInjector {
  let faults: Fault[] = [];
  let nextId = 1;
  return {
    add(spec) {
      const fault: Fault = {
        id: nextId++,
        status: spec.status,
        delayMs: spec.delayMs,
        remaining: spec.count ?? null,
        probability: spec.probability ?? 1,
        path: spec.path ?? null,
        method: spec.method?.toUpperCase() ?? null,
        afterEffect: spec.afterEffect,
        saved: spec.saved ?? (spec.status >= 500 && !spec.afterEffect),
        type: spec.type,
        code: spec.code,
        message: spec.message,
      };
      faults.push(fault);
      return fault;
    },
    take(method, path) {
      const fault = faults.find(
        (candidate) =>
          (candidate.path === null || path.startsWith(candidate.path)) &&
          (candidate.method === null || candidate.method === method.toUpperCase()) &&
          (candidate.probability >= 1 || Math.random() < candidate.probability),
      );
      if (fault === undefined) return undefined;
      if (fault.remaining !== null) {
        fault.remaining -= 1;
        if (fault.remaining === 0) faults = faults.filter((candidate) => candidate !== fault);
      }
      return { ...fault };
    },
    list() {
      return faults.map((fault) => ({ ...fault }));
    },
    clear() {
      faults = [];
    },
  };
}
