import { PaperboyError, isPaperboyError } from '../core/errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { OaiPage, OaiSource } from '../ports/oai-source.ts';
import type { HarvestCheckpoint, PaperStore } from '../ports/paper-store.ts';
import { addCounts, emptyCounts, ingestItems, type ItemReport, type OutcomeCounts } from './ingest.ts';

export interface HarvestDeps {
  store: PaperStore;
  source: OaiSource;
  clock: Clock;
  logger: Logger;
}

export interface HarvestOptions {
  sets: readonly string[];
  metadataPrefix?: 'arXivRaw' | 'arXiv';
  /** Start of the window (YYYY-MM-DD); overrides the checkpoint. */
  from?: string;
  until?: string;
  /** First run without a checkpoint and without `from`: harvest this many days back. */
  initialDays?: number;
  /** Stop after this many pages (the checkpoint keeps the token, so the next run resumes). */
  maxPages?: number;
  /** An empty page with a resumption token is tolerated this many times in a row. */
  maxEmptyPages?: number;
  onPage?: (page: { set: string; page: number; records: number; counts: OutcomeCounts; completeListSize: number | null }) => void;
  onItem?: (report: ItemReport) => void;
}

export interface SetReport {
  set: string;
  from: string | null;
  until: string | null;
  pages: number;
  counts: OutcomeCounts;
  /** 'complete': the window was harvested to the end; 'nothing-new': arXiv had no records; 'paused': maxPages. */
  status: 'complete' | 'nothing-new' | 'paused';
  resumed: boolean;
  harvestedThrough: string | null;
}

export interface HarvestReport {
  sets: SetReport[];
  counts: OutcomeCounts;
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Pulls new and changed papers from an OAI-PMH repository, set by set, from the last checkpoint.
 * Each page is stored before the checkpoint moves past it, and the checkpoint keeps the resumption
 * token, so a killed harvest resumes where it stopped (re-storing a page is harmless: ingestion is
 * idempotent). An expired token restarts the window once. Repeated tokens and runs of empty pages
 * stop the harvest with a clear error instead of looping.
 */
export async function harvest(deps: HarvestDeps, options: HarvestOptions): Promise<HarvestReport> {
  const report: HarvestReport = { sets: [], counts: emptyCounts() };
  for (const set of options.sets) {
    const result = await harvestSet(deps, set, options);
    report.sets.push(result);
    addCounts(report.counts, result.counts);
  }
  return report;
}

async function harvestSet(deps: HarvestDeps, set: string, options: HarvestOptions): Promise<SetReport> {
  const { store, source, clock, logger } = deps;
  const prefix = options.metadataPrefix ?? 'arXivRaw';
  const key = `${set}|${prefix}`;
  const saved = await store.getCheckpoint(key);
  const stamp = () => new Date(clock.now()).toISOString();

  let checkpoint: HarvestCheckpoint;
  let resumed = false;
  if (options.from === undefined && saved?.resumptionToken) {
    checkpoint = { ...saved };
    resumed = true;
    logger.info('harvest.resume', { set, from: saved.windowFrom, cursor: saved.cursor });
  } else {
    const from = options.from ?? saved?.harvestedThrough ?? day(clock.now() - (options.initialDays ?? 7) * 86_400_000);
    checkpoint = {
      key, windowFrom: from, windowUntil: options.until ?? null, windowStartedOn: day(clock.now()), resumptionToken: null, cursor: 0,
      harvestedThrough: saved?.harvestedThrough ?? null, updatedAt: stamp(),
    };
  }

  const counts = emptyCounts();
  const seenTokens = new Set<string>();
  let pages = 0;
  let emptyPages = 0;
  let restarted = false;

  for (;;) {
    let page: OaiPage;
    try {
      page = checkpoint.resumptionToken
        ? await source.listRecords({ resumptionToken: checkpoint.resumptionToken })
        : await source.listRecords({ set, metadataPrefix: prefix, from: checkpoint.windowFrom, until: checkpoint.windowUntil });
    } catch (error) {
      if (isPaperboyError(error, 'UPSTREAM_BAD_TOKEN') && !restarted) {
        restarted = true;
        logger.warn('harvest.token_expired', { set, from: checkpoint.windowFrom, message: error.message });
        checkpoint = { ...checkpoint, resumptionToken: null, cursor: 0, windowStartedOn: day(clock.now()), updatedAt: stamp() };
        seenTokens.clear();
        await store.saveCheckpoint(checkpoint);
        continue;
      }
      throw error;
    }
    pages++;
    if (!checkpoint.resumptionToken && page.responseDate) checkpoint = { ...checkpoint, windowStartedOn: page.responseDate.slice(0, 10) };

    if (page.empty) {
      const harvestedThrough = checkpoint.windowStartedOn ?? checkpoint.harvestedThrough;
      await store.saveCheckpoint({ ...checkpoint, resumptionToken: null, cursor: 0, harvestedThrough, updatedAt: stamp() });
      logger.info('harvest.nothing_new', { set, from: checkpoint.windowFrom });
      return { set, from: checkpoint.windowFrom, until: checkpoint.windowUntil, pages, counts, status: 'nothing-new', resumed, harvestedThrough };
    }

    const pageCounts = await ingestItems({ store, clock }, page.items, options.onItem ? { onItem: options.onItem } : {});
    addCounts(counts, pageCounts);
    const next = page.resumptionToken;
    options.onPage?.({ set, page: pages, records: page.items.length, counts, completeListSize: page.completeListSize });

    if (next) {
      if (seenTokens.has(next) || next === checkpoint.resumptionToken) {
        throw new PaperboyError('UPSTREAM_FAILED', `arXiv returned the resumption token ${JSON.stringify(next.slice(0, 60))} twice; stopping instead of looping (the checkpoint is kept; retry later)`, { set });
      }
      seenTokens.add(next);
      emptyPages = page.items.length === 0 ? emptyPages + 1 : 0;
      if (emptyPages > (options.maxEmptyPages ?? 3)) {
        throw new PaperboyError('UPSTREAM_FAILED', `arXiv returned ${emptyPages} empty pages in a row with a resumption token; stopping instead of looping (the checkpoint is kept; retry later)`, { set });
      }
      checkpoint = { ...checkpoint, resumptionToken: next, cursor: checkpoint.cursor + page.items.length, updatedAt: stamp() };
      await store.saveCheckpoint(checkpoint);
      if (options.maxPages !== undefined && pages >= options.maxPages) {
        logger.info('harvest.paused', { set, pages });
        return { set, from: checkpoint.windowFrom, until: checkpoint.windowUntil, pages, counts, status: 'paused', resumed, harvestedThrough: checkpoint.harvestedThrough };
      }
      continue;
    }

    const harvestedThrough = checkpoint.windowUntil ?? checkpoint.windowStartedOn ?? checkpoint.harvestedThrough;
    checkpoint = { ...checkpoint, resumptionToken: null, cursor: checkpoint.cursor + page.items.length, harvestedThrough, updatedAt: stamp() };
    await store.saveCheckpoint(checkpoint);
    logger.info('harvest.complete', { set, pages, ...counts });
    return { set, from: checkpoint.windowFrom, until: checkpoint.windowUntil, pages, counts, status: 'complete', resumed, harvestedThrough };
  }
}
