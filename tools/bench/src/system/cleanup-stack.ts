/** Things to undo when a run ends or is interrupted, undone last-in first-out. */
export interface CleanupStack {
  /** Registers `undo`; the returned function runs it now and unregisters it. */
  defer(name: string, undo: () => Promise<unknown>): () => Promise<void>;
  /** Runs everything still registered; errors are reported through `onError`, never thrown. */
  runAll(): Promise<void>;
}

/** A stack of undo steps, so an interrupted bench still stops its children and drops its database. */
export function createCleanupStack(onError: (name: string, err: unknown) => void): CleanupStack {
  const steps: Array<{ name: string; undo: () => Promise<unknown> }> = [];
  async function run(step: { name: string; undo: () => Promise<unknown> }): Promise<void> {
    const index = steps.indexOf(step);
    if (index === -1) return;
    steps.splice(index, 1);
    try {
      await step.undo();
    } catch (err: unknown) {
      onError(step.name, err);
    }
  }
  return {
    defer(name, undo) {
      const step = { name, undo };
      steps.push(step);
      return () => run(step);
    },
    async runAll() {
      for (const step of [...steps].reverse()) await run(step);
    },
  };
}
