/**
 * Which `serve` worker this one is. `serve --workers N` starts N worker threads (serve-threads.ts)
 * and tells each its index through PAPERBOY_WORKER_INDEX in its environment; worker 0 leads. A process
 * started alone leads too. The leader writes the on-disk index, embeds new papers and runs the
 * schedules (digests, Hugging Face, GitHub); the other workers serve and follow what it writes.
 * A worker started to replace one that died after the instance was ready gets
 * PAPERBOY_WORKER_REPLACEMENT=1 (compose/readiness.ts).
 */
export interface WorkerRole {
  /** One of several `serve --workers` worker threads. */
  readonly clustered: boolean;
  /** Writes the index, embeds and runs the schedules. */
  readonly leader: boolean;
  /** Started in place of a worker that died after its instance was ready (GET /readyz: ready at once). */
  readonly replacement?: boolean;
}

/** A process started alone: a command, or `serve` without workers. */
export const SOLE_PROCESS: WorkerRole = Object.freeze({ clustered: false, leader: true });

/** The one place the worker index is read from the environment (main.ts passes the role down). */
export function workerRoleFrom(env: Readonly<Record<string, string | undefined>>): WorkerRole {
  const index = env.PAPERBOY_WORKER_INDEX;
  if (index === undefined) return SOLE_PROCESS;
  return Object.freeze({ clustered: true, leader: index === '0', replacement: env.PAPERBOY_WORKER_REPLACEMENT === '1' });
}
