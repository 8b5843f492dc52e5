import type { EmulatorCall } from '@pipeline/emulator-protocol';

export type { EmulatorCall };

/** Every `/v1` request in arrival order. */
export interface CallLog {
  /** Records a request on arrival; the returned entry is filled in as it is answered. */
  record(call: Omit<EmulatorCall, 'status' | 'replayed' | 'faulted' | 'at'>): EmulatorCall;
  /** The calls whose path starts with `pathPrefix` (all when omitted), oldest first. */
  list(pathPrefix?: string): EmulatorCall[];
  clear(): void;
}

/** An in-memory call log; `now` gives the arrival time (default Date.now). */
export function createCallLog(now: () => number = Date.now): CallLog {
  let calls: EmulatorCall[] = [];
  return {
    record(call) {
      const entry: EmulatorCall = { ...call, status: 0, replayed: false, faulted: false, at: new Date(now()).toISOString() };
      calls.push(entry);
      return entry;
    },
    list(pathPrefix) {
      return calls.filter((call) => pathPrefix === undefined || call.path.startsWith(pathPrefix));
    },
    clear() {
      calls = [];
    },
  };
}
