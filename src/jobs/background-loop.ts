import type { Logger } from '../ports/logger.ts';

export interface RoundResult {
  /** More work is waiting: run the next round at once instead of after the interval. */
  more: boolean;
}

export interface BackgroundLoop {
  /** Asks for a round soon (e.g. after an import). */
  nudge(): void;
  /** Stops after the round in flight, if any. */
  stop(): Promise<void>;
}

/**
 * Runs `round` again and again, one at a time (never overlapping), right away while it reports more
 * work and every `intervalMs` otherwise. A failing round is logged and retried after the interval.
 * Used for the embedding of new papers while the service runs.
 */
export function startBackgroundLoop(name: string, round: () => Promise<RoundResult>, deps: { logger: Logger; intervalMs: number }): BackgroundLoop {
  let stopped = false;
  let wake: (() => void) | null = null;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = null;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        wake = null;
        resolve();
      };
    });
  const done = (async () => {
    while (!stopped) {
      let more = false;
      try {
        more = (await round()).more;
      } catch (error) {
        deps.logger.error(`${name}.failed`, { message: (error as Error).message });
      }
      if (stopped) break;
      if (!more) await sleep(deps.intervalMs);
      else await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  return {
    nudge() {
      wake?.();
    },
    async stop() {
      stopped = true;
      wake?.();
      await done;
    },
  };
}
