import { Cron } from 'croner';
import type { Logger } from '../ports/logger.ts';

export interface SignalJob {
  /** Stable name for logs: 'hf', 'github'. */
  name: string;
  /** Croner expression; 'off' leaves the job out. */
  cron: string;
  run: () => Promise<unknown>;
}

/**
 * Runs the signal refreshes (Hugging Face daily papers, GitHub stars) on their cron schedules
 * inside the service: `protect` keeps a run from overlapping the previous one, a failing run is
 * logged and the next one retries (each run resumes from its checkpoint). `stop` aborts requests in
 * flight through `abort` and waits for the runs to end, so nothing writes after the store closes.
 */
export function startSignalJobs(jobs: readonly SignalJob[], deps: { logger: Logger; abort?: AbortController }) {
  const running = new Set<Promise<unknown>>();
  const crons = jobs.filter((j) => j.cron !== 'off').map((job) =>
    new Cron(job.cron, { protect: true, catch: (error) => deps.logger.warn(`${job.name}.run_failed`, { message: (error as Error).message }) }, async () => {
      const run = job.run();
      running.add(run);
      try {
        await run;
      } finally {
        running.delete(run);
      }
    }),
  );
  return {
    nextRuns: () => crons.map((c) => c.nextRun()),
    async stop() {
      for (const c of crons) c.stop();
      deps.abort?.abort(new Error('the service is stopping'));
      await Promise.allSettled([...running]);
    },
  };
}
