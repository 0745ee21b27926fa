import { githubRepoKey } from '../core/github-repo.ts';
import { addDays, dayOf } from '../core/periods.ts';
import type { Clock } from '../ports/clock.ts';
import type { DailyPapersSource } from '../ports/daily-papers-source.ts';
import type { Logger } from '../ports/logger.ts';
import type { SourceItem } from '../ports/record-source.ts';
import type { PaperStore } from '../ports/paper-store.ts';
import type { SignalObservation, SignalStore } from '../ports/signal-store.ts';
import { addCounts, emptyCounts, ingestItems, type ItemReport, type OutcomeCounts } from './ingest.ts';

export interface HfHarvestDeps {
  store: PaperStore;
  signals: SignalStore;
  source: DailyPapersSource;
  clock: Clock;
  logger: Logger;
}

export interface HfHarvestOptions {
  /** First day (YYYY-MM-DD); default: the day after the checkpoint, or `initialDays` back. */
  from?: string;
  /** Last day; default today (UTC). */
  until?: string;
  /** Without a checkpoint: this many days back (default 7). */
  initialDays?: number;
  /** Days before today read again on every run, so that upvotes keep moving (default 3). */
  rereadDays?: number;
  onDay?: (day: { date: string; items: number; counts: OutcomeCounts }) => void;
  onItem?: (report: ItemReport) => void;
}

export interface HfHarvestReport {
  from: string;
  until: string;
  days: number;
  counts: OutcomeCounts;
  /** Signal values stored in the daily series (upvotes and stars, one per paper and day). */
  observations: number;
  harvestedThrough: string | null;
}

export const HF_CHECKPOINT = 'huggingface:daily_papers';

const numberSignal = (input: { signals?: { source: string; name: string; value: unknown }[] }, source: string, name: string) => {
  const value = input.signals?.find((s) => s.source === source && s.name === name)?.value;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
};

/**
 * Imports Hugging Face's daily papers day by day: each day's list is stored (papers and their
 * signals), then today's value of each paper's upvotes and stars goes into the daily series, then
 * the checkpoint moves past that day. A killed run redoes at most the day in flight, which changes
 * nothing twice (ingestion is idempotent and a series keeps one value per paper and day). The last
 * `rereadDays` days are read again on every run: their upvotes are still moving.
 */
export async function harvestHfDaily(deps: HfHarvestDeps, options: HfHarvestOptions = {}): Promise<HfHarvestReport> {
  const today = dayOf(deps.clock.now());
  const checkpoint = await deps.store.getCheckpoint(HF_CHECKPOINT);
  const reread = addDays(today, -(options.rereadDays ?? 3));
  const afterCheckpoint = checkpoint?.harvestedThrough ? addDays(checkpoint.harvestedThrough, 1) : null;
  const from = options.from ?? (afterCheckpoint ? (afterCheckpoint < reread ? afterCheckpoint : reread) : addDays(today, -((options.initialDays ?? 7) - 1)));
  const until = options.until ?? today;
  const report: HfHarvestReport = { from, until, days: 0, counts: emptyCounts(), observations: 0, harvestedThrough: checkpoint?.harvestedThrough ?? null };
  for (let date = from; date <= until; date = addDays(date, 1)) {
    const items = await withoutTrackedStars(deps.signals, await deps.source.list({ date }));
    const observed = dayOf(deps.clock.now());
    const observations: SignalObservation[] = [];
    const counts = await ingestItems({ store: deps.store, clock: deps.clock }, items, {
      onItem: (item) => {
        options.onItem?.(item);
        if (item.outcome === 'rejected' || !item.id) return;
        const source = items[item.ref.record - 1];
        if (source?.kind !== 'record') return;
        const upvotes = numberSignal(source.input, 'huggingface', 'upvotes');
        const stars = numberSignal(source.input, 'github', 'stars');
        if (upvotes !== null) observations.push({ paperId: item.id, source: 'huggingface', name: 'upvotes', day: observed, value: upvotes });
        if (stars !== null) observations.push({ paperId: item.id, source: 'github', name: 'stars', day: observed, value: stars });
      },
    });
    // Two lists can carry one paper: the larger value of the day wins, whatever the order.
    const { stored } = await deps.signals.record(observations, 'max');
    report.observations += stored;
    addCounts(report.counts, counts);
    report.days++;
    // Only a day completed after everything before it moves the checkpoint (a --from run in the past does not rewind it).
    const through = report.harvestedThrough;
    if (!through || (date > through && addDays(through, 1) >= from)) report.harvestedThrough = date;
    await deps.store.saveCheckpoint({
      key: HF_CHECKPOINT, windowFrom: from, windowUntil: until, windowStartedOn: null, resumptionToken: null, cursor: 0,
      harvestedThrough: report.harvestedThrough, updatedAt: new Date(deps.clock.now()).toISOString(),
    });
    deps.logger.info('hf.day', { date, items: items.length, ...counts });
    options.onDay?.({ date, items: items.length, counts });
  }
  return report;
}

const repoOf = (item: SourceItem) => {
  const value = item.kind === 'record' ? item.input.signals?.find((s) => s.source === 'github' && s.name === 'repo')?.value : undefined;
  return typeof value === 'string' ? githubRepoKey(value) : null;
};

/**
 * Hugging Face copies a repository's star count when the paper is listed; once the GitHub refresh
 * keeps that repository, its own count wins: the copy is dropped rather than written over it.
 */
async function withoutTrackedStars(signals: SignalStore, items: SourceItem[]): Promise<SourceItem[]> {
  const keys = items.map(repoOf).filter((k): k is string => k !== null);
  const tracked = keys.length ? await signals.trackedRepos(keys) : new Set<string>();
  if (tracked.size === 0) return items;
  return items.map((item) => {
    const key = repoOf(item);
    if (item.kind !== 'record' || !key || !tracked.has(key)) return item;
    return { ...item, input: { ...item.input, signals: item.input.signals?.filter((s) => !(s.source === 'github' && s.name === 'stars')) } };
  });
}
