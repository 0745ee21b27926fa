/**
 * Who runs the schedules (digests, Hugging Face, GitHub) when several processes serve one
 * database: exactly one at a time. SQLite: worker 0 of the one `serve` (compose/worker-role.ts);
 * PostgreSQL: whichever process holds an advisory lock (adapters/postgres/scheduler-lock.ts).
 */
export interface Schedules {
  stop(): Promise<void>;
}

export interface SchedulerLock {
  /**
   * Calls `lead` each time this process becomes the scheduler; the schedules it returns are stopped
   * when it stops being it (the lock's connection is lost) and on `close`.
   */
  whileLeading(lead: () => Schedules): void;
  /** Stops the schedules, if running, and lets the lock go. */
  close(): Promise<void>;
}

/** A lock decided once: `leader` runs the schedules from the start, any other process never. */
export function fixedSchedulerLock(leader: boolean): SchedulerLock {
  let running: Schedules | null = null;
  return {
    whileLeading(lead) {
      if (leader && !running) running = lead();
    },
    async close() {
      const r = running;
      running = null;
      await r?.stop();
    },
  };
}
