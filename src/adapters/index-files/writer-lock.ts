import { closeSync, openSync, readFileSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';

/** Another live process writes the index now. */
export class IndexLockedError extends Error {
  readonly code = 'index_locked';
  constructor(readonly path: string, holder: string) {
    super(`the search index is being written by another process (${holder}; lock file ${path}); try again when it finishes`);
    this.name = 'IndexLockedError';
  }
}

/** A lock older than this whose holder did not refresh it is stale. */
export const STALE_LOCK_MS = 10 * 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The writer lock: `LOCK` created exclusively (`wx`) holding pid and time. A lock whose process is
 * dead, or that was not refreshed for 10 minutes, is stale and taken over. Long writes `refresh` it.
 */
export class WriterLock {
  private constructor(private readonly path: string) {}

  static acquire(dir: string, now: () => number = Date.now): WriterLock {
    const path = `${dir}/LOCK`;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, JSON.stringify({ pid: process.pid, time: new Date(now()).toISOString() }));
        closeSync(fd);
        return new WriterLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      let holder = 'unknown holder';
      let stale = false;
      try {
        const text = readFileSync(path, 'utf8');
        const { pid } = JSON.parse(text) as { pid?: unknown };
        holder = typeof pid === 'number' ? `pid ${pid}` : holder;
        const age = now() - statSync(path).mtimeMs;
        stale = typeof pid !== 'number' || !alive(pid) || age > STALE_LOCK_MS;
      } catch {
        // Unreadable or half-written lock (its writer died between create and write): stale.
        stale = true;
      }
      if (!stale) throw new IndexLockedError(path, holder);
      try {
        unlinkSync(path);
      } catch {
        // another process took it over first
      }
    }
    throw new IndexLockedError(path, 'contended');
  }

  /** Marks the lock as still held (long builds call it between segments). */
  refresh(): void {
    const t = new Date();
    utimesSync(this.path, t, t);
  }

  release(): void {
    try {
      const { pid } = JSON.parse(readFileSync(this.path, 'utf8')) as { pid?: unknown };
      if (pid === process.pid) unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}
