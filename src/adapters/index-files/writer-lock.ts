import { randomBytes } from 'node:crypto';
import { linkSync, readdirSync, readFileSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** Another live process writes the index now. */
export class IndexLockedError extends Error {
  readonly code = 'index_locked';
  constructor(readonly path: string, holder: string) {
    super(`the search index is being written by another process (${holder}; lock file ${path}); try again when it finishes`);
    this.name = 'IndexLockedError';
  }
}

/** This process no longer holds the lock it took (another writer judged it stale): nothing was committed. */
export class IndexLockLostError extends Error {
  readonly code = 'index_lock_lost';
  constructor(path: string) {
    super(`the index writer lock ${path} was taken over by another process; this write was abandoned`);
    this.name = 'IndexLockLostError';
  }
}

/** A lock held from another host is stale when not refreshed for this long. */
export const STALE_LOCK_MS = 10 * 60_000;

interface Holder {
  pid: number;
  /** Process start time (/proc/<pid>/stat field 22), so a reused pid is not mistaken for the holder. */
  start: string | null;
  host: string;
  token: string;
}

/** Start time of a process in clock ticks since boot, null where /proc is not available or it is gone. */
export function startOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the holder of a lock on this host is gone (dead, or its pid now belongs to another process). */
function holderGone(holder: Holder): boolean {
  if (!alive(holder.pid)) return true;
  const start = startOf(holder.pid);
  return holder.start !== null && start !== null && start !== holder.start;
}

const LOCK_TEMP = /^LOCK\.\d+\.[0-9a-f]{16}$/;

/**
 * Temporary lock files (`LOCK.<pid>.<token>`) that a contender killed between writing and removing
 * them left behind: removed by the next holder when their process is gone (same host) or they are
 * older than STALE_LOCK_MS (another host). A live contender's file is left alone.
 */
function removeAbandonedTemps(dir: string, me: Holder, now: () => number): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!LOCK_TEMP.test(name) || name === `LOCK.${me.pid}.${me.token}`) continue;
    const file = `${dir}/${name}`;
    try {
      let gone: boolean;
      try {
        const holder = JSON.parse(readFileSync(file, 'utf8')) as Holder;
        gone = holder.host === me.host ? holderGone(holder) : now() - statSync(file).mtimeMs > STALE_LOCK_MS;
      } catch {
        // Killed while writing it (empty or partial): its pid is in the name.
        gone = !alive(Number(name.split('.')[1])) || now() - statSync(file).mtimeMs > STALE_LOCK_MS;
      }
      if (gone) unlinkSync(file);
    } catch {
      // gone meanwhile
    }
  }
}

/**
 * The writer lock: `LOCK` holds pid, process start time, host and a random token. It is created
 * whole (written to a temporary name, then hard-linked to LOCK, which fails if LOCK exists), so it
 * is never seen empty. On this host a lock is stale only when its process is gone; from another
 * host, when not refreshed for 10 minutes. A writer checks `held()` (the token) right before it
 * commits, so a writer whose lock was taken over commits nothing.
 */
export class WriterLock {
  private constructor(private readonly path: string, private readonly token: string) {}

  /** `beforeTakeOver` (tests): runs when a stale lock was found, before taking it over. */
  static acquire(dir: string, now: () => number = Date.now, beforeTakeOver?: () => void): WriterLock {
    const path = `${dir}/LOCK`;
    const me: Holder = { pid: process.pid, start: startOf(process.pid), host: hostname(), token: randomBytes(8).toString('hex') };
    const temp = `${path}.${process.pid}.${me.token}`;
    writeFileSync(temp, JSON.stringify(me));
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          linkSync(temp, path);
          removeAbandonedTemps(dir, me, now);
          return new WriterLock(path, me.token);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        }
        let holder: Holder | null = null;
        let stale: boolean;
        let seen = { text: '', ino: -1 };
        try {
          seen = { text: readFileSync(path, 'utf8'), ino: statSync(path).ino };
          holder = JSON.parse(seen.text) as Holder;
          const age = now() - statSync(path).mtimeMs;
          stale = holder.host === me.host ? holderGone(holder) : age > STALE_LOCK_MS;
        } catch {
          // Gone meanwhile, or not ours to read (an older format): stale once a minute old.
          try {
            stale = now() - statSync(path).mtimeMs > 60_000;
          } catch {
            stale = true;
          }
        }
        if (!stale) throw new IndexLockedError(path, holder ? `pid ${holder.pid} on ${holder.host}` : 'unknown holder');
        beforeTakeOver?.();
        // One contender at a time takes a stale lock over (LOCK.takeover, created like LOCK), and it
        // removes only the very lock it judged stale: never a lock another contender just took.
        const guard = `${path}.takeover`;
        try {
          linkSync(temp, guard);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
          // A taker killed during the take-over (microseconds) leaves its guard: removed once a minute old.
          try {
            if (now() - statSync(guard).mtimeMs > 60_000) unlinkSync(guard);
          } catch {
            // gone meanwhile
          }
          continue;
        }
        try {
          if (statSync(path).ino === seen.ino && readFileSync(path, 'utf8') === seen.text) unlinkSync(path);
        } catch {
          // gone meanwhile
        } finally {
          unlinkSync(guard);
        }
      }
      throw new IndexLockedError(path, 'contended');
    } finally {
      try {
        unlinkSync(temp);
      } catch {
        // already gone
      }
    }
  }

  /** Whether LOCK still holds this writer's token (checked right before a commit). */
  held(): boolean {
    try {
      return (JSON.parse(readFileSync(this.path, 'utf8')) as Holder).token === this.token;
    } catch {
      return false;
    }
  }

  /** Throws IndexLockLostError unless this writer still holds the lock. */
  assertHeld(): void {
    if (!this.held()) throw new IndexLockLostError(this.path);
  }

  /** Marks the lock as still held (seen from other hosts); long builds call it between segments. */
  refresh(now: () => number = Date.now): void {
    const t = new Date(now());
    utimesSync(this.path, t, t);
  }

  release(): void {
    if (!this.held()) return;
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}

/**
 * Removes the index folder's writer lock (and lock files left half-made) if this process holds it:
 * called when the worker thread that writes the index (the leader of `serve --workers N`) exited, its
 * writer with it, so that its replacement is not locked out by a holder whose pid is still alive.
 */
export function releaseLocksOfThisProcess(dir: string): boolean {
  let released = false;
  const mine = (text: string) => {
    try {
      const holder = JSON.parse(text) as Holder;
      return holder.pid === process.pid && holder.host === hostname();
    } catch {
      return false;
    }
  };
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return false;
  }
  for (const name of names) {
    if (name !== 'LOCK' && name !== 'LOCK.takeover' && !(LOCK_TEMP.test(name) && name.split('.')[1] === String(process.pid))) continue;
    try {
      if (mine(readFileSync(`${dir}/${name}`, 'utf8'))) {
        unlinkSync(`${dir}/${name}`);
        released = true;
      }
    } catch {
      // gone meanwhile
    }
  }
  return released;
}
