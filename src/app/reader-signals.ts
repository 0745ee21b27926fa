import { createHmac, randomBytes } from 'node:crypto';
import { isbot } from 'isbot';
import { dayOf } from '../core/periods.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { SignalStore } from '../ports/signal-store.ts';

export interface ReaderCounterOptions {
  /** Distinct (paper, reader) pairs kept in memory per day at most; views beyond are not counted (default 500,000, about 40 MB). */
  maxPairs?: number;
}

/**
 * Counts distinct readers of each paper page per UTC day without storing who they are: a reader is
 * the HMAC of their address and user agent under a key drawn at random each day and kept only in
 * memory, so yesterday's readers cannot be told apart or recognised again, and nothing that
 * identifies them reaches the disk. Known crawlers (isbot) and requests without a user agent are
 * not counted. `flush` writes each changed paper's count of the day (the larger of the stored
 * count and this process's count: several processes each see part of the readers, so a clustered
 * service counts at least the largest part, not the sum).
 */
export function createReaderCounter(deps: { signals: SignalStore; clock: Clock; logger: Logger }, options: ReaderCounterOptions = {}) {
  const maxPairs = options.maxPairs ?? 500_000;
  let day = dayOf(deps.clock.now());
  let key = randomBytes(32);
  let readers = new Map<string, Set<string>>();
  let pairs = 0;
  let dirty = new Set<string>();

  async function writeOut(ofDay: string, papers: Map<string, Set<string>>, changed: Set<string>): Promise<number> {
    if (changed.size === 0) return 0;
    const observations = [...changed].map((paperId) => ({ paperId, source: 'paperboy', name: 'readers', day: ofDay, value: papers.get(paperId)?.size ?? 0 }));
    const { stored } = await deps.signals.record(observations, 'max');
    return stored;
  }

  /** A new day: the old day's counts are written, its key and readers forgotten. */
  async function rollOver(): Promise<void> {
    const today = dayOf(deps.clock.now());
    if (today === day) return;
    const [oldDay, oldReaders, oldDirty] = [day, readers, dirty];
    day = today;
    key = randomBytes(32);
    readers = new Map();
    dirty = new Set();
    pairs = 0;
    await writeOut(oldDay, oldReaders, oldDirty);
  }

  return {
    /** One view of a paper page; returns whether it counted (a bot, or a reader already counted today, does not). */
    view(paperId: string, address: string, userAgent: string | undefined): boolean {
      if (!userAgent || isbot(userAgent)) return false;
      if (dayOf(deps.clock.now()) !== day) void rollOver().catch((error: Error) => deps.logger.warn('readers.flush_failed', { message: error.message }));
      const reader = createHmac('sha256', key).update(address).update('\0').update(userAgent).digest('base64url').slice(0, 16);
      let set = readers.get(paperId);
      if (set?.has(reader)) return false;
      if (pairs >= maxPairs) return false;
      if (!set) readers.set(paperId, (set = new Set()));
      set.add(reader);
      pairs++;
      dirty.add(paperId);
      return true;
    },
    /** Writes the counts changed since the last flush; returns how many papers were written. */
    async flush(): Promise<number> {
      await rollOver();
      const changed = dirty;
      dirty = new Set();
      try {
        return await writeOut(day, readers, changed);
      } catch (error) {
        for (const id of changed) dirty.add(id);
        throw error;
      }
    },
  };
}

export type ReaderCounter = ReturnType<typeof createReaderCounter>;
