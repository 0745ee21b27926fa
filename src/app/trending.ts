import { addDays, type DateWindow } from '../core/periods.ts';
import type { SignalGains } from '../core/trending.ts';
import type { Clock } from '../ports/clock.ts';
import type { SignalStore } from '../ports/signal-store.ts';

/**
 * How a list was ranked: 'momentum' by what the window gained (upvotes, stars, readers, saves,
 * votes), 'totals' by the signals owned when nothing in the window has a recorded gain (papers
 * whose signals came from an imported file only), 'newest' when there are no signals at all, so
 * that pages say "newest papers" instead of pretending to trend.
 */
export type TrendingBasis = 'momentum' | 'totals' | 'newest';

interface Totals {
  id: string;
  signals?: { hfUpvotes?: number | null; githubStars?: number | null; localVotes?: number | null };
}

export function trendingBasis(docs: readonly Totals[], gains: ReadonlyMap<string, SignalGains> | null): TrendingBasis {
  if (gains && gains.size > 0 && docs.some((d) => gains.has(d.id))) return 'momentum';
  const owned = (d: Totals) => (d.signals?.hfUpvotes ?? 0) > 0 || (d.signals?.githubStars ?? 0) > 0 || (d.signals?.localVotes ?? 0) > 0;
  return docs.some(owned) ? 'totals' : 'newest';
}

/**
 * The days whose gains rank a list: as many days as the list's window, ending today. Momentum is
 * what is happening now, also for a list of older papers (a mirror that stopped importing still
 * ranks its last week by this week's upvotes, stars and readers).
 */
export function gainsWindowFor(window: DateWindow, today: string): DateWindow {
  const days = Math.round((Date.parse(`${window.to}T00:00:00Z`) - Date.parse(`${window.from}T00:00:00Z`)) / 86_400_000);
  const to = window.to > today ? window.to : today;
  return { from: addDays(to, -days), to };
}

export interface TrendingServiceOptions {
  /** Gains of a window are re-read from the store at most this often (default 30 s). */
  cacheMs?: number;
}

/** What each paper gained in a window, read from the signal store and kept briefly (one query per window per `cacheMs`). */
export function createTrendingService(deps: { signals: SignalStore; clock: Clock }, options: TrendingServiceOptions = {}) {
  const cacheMs = options.cacheMs ?? 30_000;
  const cache = new Map<string, { at: number; gains: Promise<Map<string, SignalGains>> }>();
  return {
    gains(window: DateWindow): Promise<Map<string, SignalGains>> {
      const key = `${window.from}/${window.to}`;
      const now = deps.clock.now();
      const hit = cache.get(key);
      if (hit && now - hit.at < cacheMs) return hit.gains;
      for (const [k, v] of cache) if (now - v.at >= cacheMs) cache.delete(k);
      const gains = deps.signals.gains(window.from, window.to);
      cache.set(key, { at: now, gains });
      gains.catch(() => cache.delete(key));
      return gains;
    },
    /** Forget cached gains (a vote or save just changed them). */
    invalidate(): void {
      cache.clear();
    },
  };
}

export type TrendingService = ReturnType<typeof createTrendingService>;
