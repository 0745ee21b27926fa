import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

/** Another live process writes the index now. */
export class IndexLockedError extends Error {
  readonly code = 'index_locked';
  constructor(readonly path: string, holder: string) {
    super(`the search index is being written by another process (${holder}; lock file ${path}); try again when it finishes`);
    this.name = 'IndexLockedError';
  }
}

/**
 * A lock whose holder cannot be checked (it runs on another host, or the lock file is unreadable:
 * written by an older version) is stale when not refreshed for this long.
 */
export const STALE_LOCK_MS = 10 * 60_000;

/** What LOCK holds: who holds it, and a token only this holder knows (the fencing check). */
interface Holder {
  pid: number;
  /** Start time of the process (Linux /proc/<pid>/stat field 22, clock ticks since boot); null elsewhere. */
  start: string | null;
  host: string;
  token: string;
  time: string;
}

/** Start time of a process, or null when it does not exist or /proc is not there. */
export function processStart(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Fields after the command name (which may hold spaces and parentheses) start at field 3.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return rest[22 - 3] ?? null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates `path` holding `text`, complete, or returns false when it exists: written to a temp file, then linked. */
function createWhole(path: string, text: string): boolean {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}`;
  const fd = openSync(tmp, 'wx');
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(tmp);
  }
}

interface Seen {
  text: string;
  holder: Holder | null;
  ino: number;
  mtimeMs: number;
}

function readLock(path: string): Seen | null {
  try {
    const text = readFileSync(path, 'utf8');
    const { ino, mtimeMs } = statSync(path);
    let holder: Holder | null = null;
    try {
      const parsed = JSON.parse(text) as Partial<Holder>;
      // A lock of an earlier version holds only pid and time: a holder on this host.
      if (typeof parsed.pid === 'number') holder = { pid: parsed.pid, start: typeof parsed.start === 'string' ? parsed.start : null, host: typeof parsed.host === 'string' ? parsed.host : hostname(), token: typeof parsed.token === 'string' ? parsed.token : '', time: String(parsed.time) };
    } catch {
      // unreadable: judged by age
    }
    return { text, holder, ino, mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Whether a lock's holder is gone: on this host, when its process is dead or its pid now belongs to
 * another process (other start time). Age counts only where the holder cannot be checked.
 */
function stale(seen: Seen, now: number): boolean {
  const h = seen.holder;
  if (!h || h.host !== hostname()) return now - seen.mtimeMs > STALE_LOCK_MS;
  if (!alive(h.pid)) return true;
  const start = processStart(h.pid);
  return h.start !== null && start !== null && start !== h.start;
}

const describe = (seen: Seen) => (seen.holder ? `pid ${seen.holder.pid} on ${seen.holder.host}` : 'unknown holder');

/**
 * The writer lock: `LOCK` holding pid, process start time, host and a random token, created whole
 * (temp file + link, so it is never seen empty) and only when absent. It is taken over only when its
 * holder is dead (or, on another host, silent for 10 minutes), by one contender at a time
 * (`LOCK.takeover` created the same way). Before it makes a generation current, the holder checks
 * that LOCK still holds its token (`verify`): a writer that lost its lock never commits.
 */
export class WriterLock {
  private constructor(
    private readonly path: string,
    private readonly token: string,
    private readonly now: () => number,
  ) {}

  /** `beforeTakeOver` (tests): runs when a stale lock was found, before taking it over. */
  static acquire(dir: string, now: () => number = Date.now, beforeTakeOver?: () => void): WriterLock {
    const path = `${dir}/LOCK`;
    const guard = `${path}.takeover`;
    for (let attempt = 0; attempt < 5; attempt++) {
      const me: Holder = { pid: process.pid, start: processStart(process.pid), host: hostname(), token: randomBytes(12).toString('hex'), time: new Date(now()).toISOString() };
      if (createWhole(path, JSON.stringify(me))) return new WriterLock(path, me.token, now);
      const seen = readLock(path);
      if (seen === null) continue; // released meanwhile
      if (!stale(seen, now())) throw new IndexLockedError(path, describe(seen));
      beforeTakeOver?.();
      // One contender at a time removes a stale lock, and only the very lock it judged stale.
      if (!createWhole(guard, JSON.stringify(me))) {
        const other = readLock(guard);
        // A taker that died while taking over (the step takes microseconds) leaves its guard behind.
        if (other && now() - other.mtimeMs > 60_000) unlinkIfSame(guard, other);
        continue;
      }
      try {
        const again = readLock(path);
        if (again && again.ino === seen.ino && again.text === seen.text) unlinkSync(path);
      } finally {
        unlinkSync(guard);
      }
    }
    const seen = readLock(path);
    throw new IndexLockedError(path, seen ? describe(seen) : 'contended');
  }

  /** Whether LOCK still holds this holder's token. */
  holds(): boolean {
    return readLock(this.path)?.holder?.token === this.token;
  }

  /** The fencing check before a commit: throws when another process took the lock over. */
  verify(): void {
    if (!this.holds()) {
      const seen = readLock(this.path);
      throw new IndexLockedError(this.path, `the lock was taken over by ${seen ? describe(seen) : 'nobody (removed)'}; this write is abandoned`);
    }
  }

  /** Marks the lock as still held (what a holder on another host is judged by). */
  refresh(): void {
    const t = new Date(this.now());
    utimesSync(this.path, t, t);
  }

  release(): void {
    const seen = readLock(this.path);
    if (seen?.holder?.token === this.token) unlinkIfSame(this.path, seen);
  }
}

/** Removes temp files of LOCK left by processes killed while creating it (`LOCK.<pid>.<random>`). */
export function removeDeadLockTemps(dir: string): void {
  for (const name of readdirSync(dir)) {
    const match = /^LOCK(?:\.takeover)?\.(\d+)\.[0-9a-f]+$/.exec(name);
    if (match && !alive(Number(match[1]))) rmSync(`${dir}/${name}`, { force: true });
  }
}

function unlinkIfSame(path: string, seen: Seen): void {
  try {
    if (statSync(path).ino === seen.ino) unlinkSync(path);
  } catch {
    // gone already
  }
}
