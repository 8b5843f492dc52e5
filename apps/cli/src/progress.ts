import cliProgress from 'cli-progress';

/** Progress of a bulk run. */
export interface Progress {
  /** One more item done. */
  tick(): void;
  /** Removes the bar. */
  stop(): void;
}

/**
 * A progress bar on `stream` when it is a terminal; nothing otherwise (logs and pipes get
 * the command's summary line at the end instead).
 */
export function startProgress(stream: NodeJS.WritableStream & { readonly isTTY?: boolean }, label: string, total: number): Progress {
  if (stream.isTTY !== true || total === 0) return { tick: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {value}/{total} {percentage}% | eta {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    tick: () => {
      bar.increment();
    },
    stop: () => {
      bar.stop();
    },
  };
}
