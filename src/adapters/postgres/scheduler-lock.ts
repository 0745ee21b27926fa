/**
 * One scheduler among the processes on one PostgreSQL database: a session-level advisory lock
 * (`pg_try_advisory_lock`) held on a connection of its own, outside the pool. The process holding it
 * runs the schedules; the others try again every `retryMs`. The lock lives as long as its session:
 * when the holder dies (even `kill -9`), the server ends its backend and the lock is free for the
 * next try of a standby. A holder that loses its connection stops its schedules at once (the lock
 * is gone with the session) and competes again from the next try.
 */
import pg from 'pg';
import type { Logger } from '../../ports/logger.ts';
import type { SchedulerLock, Schedules } from '../../ports/scheduler-lock.ts';
import { redact } from './database.ts';

// Key of the scheduler's advisory lock ("pbsched" in ASCII); the migrations use another.
export const SCHEDULER_LOCK_KEY = 0x70627363686564n.toString();

export interface PgSchedulerLockOptions {
  logger: Logger;
  /** How often a standby tries the lock and the holder checks its connection (default 5 s). */
  retryMs?: number;
  /** Shown in pg_stat_activity.application_name of the lock's connection. */
  name?: string;
}

export function createPostgresSchedulerLock(url: string, options: PgSchedulerLockOptions): SchedulerLock {
  const { logger } = options;
  const retryMs = options.retryMs ?? 5000;
  const name = options.name ?? `paperboy-scheduler pid ${process.pid}`;
  let lead: (() => Schedules) | null = null;
  let client: pg.Client | null = null;
  let running: Schedules | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  let tick: Promise<void> | null = null;
  let reported: 'standby' | 'leading' | null = null;

  const lose = async (reason: string) => {
    const c = client;
    client = null;
    c?.end().catch(() => {});
    if (running) {
      const r = running;
      running = null;
      logger.warn('scheduler.lost', { message: `lost the scheduler lock (${reason}); schedules stopped, trying again every ${retryMs} ms` });
      reported = null;
      await r.stop();
    }
  };

  const attempt = async () => {
    if (closed || !lead) return;
    try {
      if (!client) {
        const c = new pg.Client({ connectionString: url, application_name: name, keepAlive: true });
        // The server ending the session (restart, failover, pg_terminate_backend) ends the lock too.
        c.on('error', (error) => {
          if (client === c) void lose(error.message);
        });
        client = c;
        await c.connect();
      }
      if (running) {
        await client.query('SELECT 1'); // still connected, so still holding
        return;
      }
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [SCHEDULER_LOCK_KEY]);
      if (rows[0]?.ok && !closed) {
        logger.info('scheduler.acquired', { message: 'this process runs the schedules (it holds the PostgreSQL advisory lock)' });
        reported = 'leading';
        running = lead();
      } else if (reported !== 'standby') {
        logger.info('scheduler.standby', { message: `another process runs the schedules; trying the lock every ${retryMs} ms` });
        reported = 'standby';
      }
    } catch (error) {
      logger.warn('scheduler.lock_failed', { database: redact(url), message: (error as Error).message });
      await lose((error as Error).message);
    }
  };

  const loop = () => {
    if (closed) return;
    tick = attempt().finally(() => {
      tick = null;
      if (!closed) timer = setTimeout(loop, retryMs).unref();
    });
  };

  return {
    whileLeading(start) {
      if (lead) throw new Error('scheduler lock: whileLeading was already called');
      lead = start;
      loop();
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await tick;
      const r = running;
      running = null;
      await r?.stop();
      // Ending the session releases the lock.
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}
