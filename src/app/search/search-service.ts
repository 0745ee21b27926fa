/**
 * The index service: the search engine over the on-disk index (a generation: immutable segments
 * named by a manifest, docs/search.md) plus an in-memory delta that follows the store's change feed.
 *
 * - open: the current generation, checked; when it cannot be trusted it is rebuilt from the store
 *   (logged `index.rebuild` with the reason), never used wrong.
 * - refresh: applies the feed after the generation's positions to the delta (text changes to an
 *   in-memory index, signal-only changes to an overlay, vectors beside the snapshot's); notices a
 *   generation another process wrote and switches to it: the new one is opened and caught up while
 *   the old one serves, then swapped in one assignment (searches in flight keep the view they began with).
 * - flush (writers only: serve's worker 0, `paperboy index`, the end of import, embed, harvest):
 *   writes the delta as a new generation under the directory's lock, then merges by policy.
 * Without a directory (tests) everything lives in the delta.
 */
import type { Embedder } from '../../ports/embedder.ts';
import type { Logger } from '../../ports/logger.ts';
import type { PaperChange, PaperStore } from '../../ports/paper-store.ts';
import type { IndexDirectory, IndexDoc, OpenExpectation, Snapshot } from '../../ports/search-index.ts';
import type { PaperText, TextSource } from '../../ports/text-source.ts';
import { emptySnapshot } from './empty-snapshot.ts';
import { IndexDelta } from './index-delta.ts';
import { layeredView } from './layered-index.ts';
import { SearchEngine, type IndexView, type SearchEngineOptions } from './search-engine.ts';

export { embedPapers, type EmbedProgress } from './embed-papers.ts';

export interface SearchServiceDeps {
  store: PaperStore;
  embedder: Embedder | null;
  logger: Logger;
  /** The on-disk index; without it the index lives in memory only. */
  directory?: IndexDirectory;
  /** Told when the on-disk index has to be rebuilt, with the reason (the CLI prints a notice). */
  onRebuild?: (reason: string) => void;
  /**
   * The model whose vectors the index holds, when it differs from `embedder` (a command that only
   * writes the index, e.g. the end of an import, does not load the model). Default: the embedder's.
   */
  model?: { modelId: string; dims: number } | null;
  /** Clock for the flush policy (ms). */
  now?: () => number;
}

export interface SearchServiceOptions extends Omit<SearchEngineOptions, 'embedder' | 'logger'> {
  sliceMs?: number;
  /** Flush policy: changes held (papers and vectors), and the age of the oldest change (ms), that make a flush due. */
  flushChanges?: number;
  flushAgeMs?: number;
}

export interface IndexStatus {
  generation: number;
  segments: number;
  /** Papers searchable (on disk and in the delta). */
  docs: number;
  vectors: number;
  /** Changes held in memory, not yet written. */
  pending: { papers: number; signals: number; vectors: number };
  /** Time the last open (or rebuild) took, ms. */
  openMs: number;
  /** Why the index was rebuilt when it was opened, null when it opened as it was. */
  rebuilt: string | null;
}

export interface SearchService {
  engine: SearchEngine;
  /** Opens the index if needed, switches to a newer generation, applies the feed since the last refresh. */
  refresh(): Promise<{ papers: number; vectors: number }>;
  /** Writes what the delta holds as a new generation when the policy says so (always with `force`); false when nothing was written. */
  flush(options?: { force?: boolean }): Promise<boolean>;
  /** Rebuilds the on-disk index from the store. */
  rebuild(reason: string): Promise<void>;
  status(): IndexStatus;
  /** Counts of what the service holds in memory (tests watch them stay flat). */
  memory(): { deltaPapers: number; deltaPostings: number; overlay: number; deltaVectors: number; removed: number };
  close(): Promise<void>;
}

const PAGE = 2000;
/**
 * Changes read per statement while following the feed beside serving: each read blocks the event
 * loop (2,000 vectors were 3 MB and took up to 1.2 s on a cold page cache), so pages stay small.
 */
const FOLLOW_PAGE = 256;
/** A generation replaced stays open this long for the searches that still read it. */
const RETIRE_MS = 30_000;

interface State {
  snapshot: Snapshot;
  delta: IndexDelta;
  view: IndexView;
}

/** Whether an error says another process holds (or took over) the index's writer lock: its generation wins, ours is retried later. */
function isLocked(error: unknown): boolean {
  const e = error as { name?: string; code?: string };
  return e?.name === 'IndexLockedError' || e?.code === 'index_locked' || e?.code === 'index_lock_lost';
}

/** The texts of papers for hits and phrase checks, read from the store (deleted papers left out). */
export function storeTexts(store: Pick<PaperStore, 'readIndexed'>): TextSource {
  return {
    async read(seqs) {
      const rows = await store.readIndexed(seqs);
      const out = new Map<number, PaperText>();
      for (const [seq, row] of rows) if (!row.deleted) out.set(seq, row);
      return out;
    },
  };
}

export function createSearchService(deps: SearchServiceDeps, options: SearchServiceOptions = {}): SearchService {
  const { store, embedder, logger, directory } = deps;
  const model = deps.model !== undefined ? deps.model : embedder ? { modelId: embedder.modelId, dims: embedder.dims } : null;
  const now = deps.now ?? Date.now;
  const deltaOptions = {
    ...(options.fields ? { fields: options.fields } : {}), ...(options.k1 !== undefined ? { k1: options.k1 } : {}),
    ...(model ? { dims: model.dims } : {}), ...(options.ann ? { ann: options.ann } : {}),
    ...(options.exactThreshold !== undefined ? { exactThreshold: options.exactThreshold } : {}), ...(options.annCandidates !== undefined ? { annCandidates: options.annCandidates } : {}),
  };
  const stateOf = (snapshot: Snapshot): State => {
    const delta = new IndexDelta(snapshot, deltaOptions);
    return { snapshot, delta, view: layeredView(snapshot, delta, model !== null) };
  };
  let state = stateOf(emptySnapshot());
  let opened = false;
  let openMs = 0;
  let rebuilt: string | null = null;
  const retiring = new Map<ReturnType<typeof setTimeout>, Snapshot>();
  const engine = new SearchEngine({ ...options, embedder, logger, index: () => state.view, texts: storeTexts(store) });
  const pause = pauser(options.sliceMs ?? 8);
  const flushChanges = options.flushChanges ?? 2000;
  const flushAgeMs = options.flushAgeMs ?? 60_000;

  const expectation = async (): Promise<OpenExpectation> => ({ model: model?.modelId ?? null, dims: model?.dims ?? 0, storeLastChangeSeq: await store.lastChangeSeq(), storeId: await store.storeId() });

  /** Replaces the state; the old generation stays readable a while for searches in flight. */
  const swap = (next: State) => {
    const old = state;
    state = next;
    if (old.snapshot !== next.snapshot) {
      const timer = setTimeout(() => {
        retiring.delete(timer);
        old.snapshot.close();
      }, RETIRE_MS);
      timer.unref?.();
      retiring.set(timer, old.snapshot);
    }
  };

  /** Applies the feed after the state's positions to its delta, yielding to other work every few ms. */
  const follow = async (s: State) => {
    let papers = 0;
    let vectors = 0;
    for (;;) {
      const page: PaperChange[] = await store.changesSince(s.delta.feedSeq, FOLLOW_PAGE);
      for (const change of page) {
        s.delta.apply(change, now());
        papers++;
        await pause();
      }
      if (page.length < FOLLOW_PAGE) break;
    }
    if (papers > 1000) {
      for (const _ of s.delta.index.lexical.warmSteps()) await pause();
    }
    if (model) {
      for (;;) {
        const page = await store.embeddingChangesSince(model.modelId, s.delta.vectorFeedSeq, FOLLOW_PAGE);
        for (const change of page) {
          s.delta.applyVector(change.seq, change.changeSeq, change.vector, now());
          vectors++;
          await pause();
        }
        if (page.length < FOLLOW_PAGE) break;
      }
      if (vectors > 0 && s.delta.vectors) {
        for (const _ of s.delta.vectors.prepareSteps()) await pause(true);
      }
    }
    return { papers, vectors };
  };

  /** Every paper and vector of the store, up to one feed position, into a fresh generation. */
  const rebuildDirectory = async (dir: IndexDirectory, reason: string): Promise<Snapshot> => {
    logger.info('index.rebuild', { reason });
    deps.onRebuild?.(reason);
    const position = await store.lastChangeSeq();
    // Papers in seq order (segments cover seq ranges); each page's rows are read once more by seq
    // for their vote counts. A paper changed after `position` may come in newer: the feed after
    // `position` re-applies its change, which is idempotent.
    async function* docs(): AsyncIterable<IndexDoc> {
      let seqs: number[] = [];
      const page = async function* () {
        const rows = await store.readIndexed(seqs);
        for (const seq of seqs) {
          const c = rows.get(seq);
          if (c && !c.deleted) yield { seq, id: c.id, title: c.title, abstract: c.abstract, authors: c.authors, categories: c.categories, date: c.date, signals: { hfUpvotes: c.hfUpvotes ?? 0, githubStars: c.githubStars ?? 0, localVotes: c.localVotes } };
        }
        seqs = [];
      };
      for await (const row of store.scanIndexable()) {
        if (row.deleted) continue;
        seqs.push(row.seq);
        if (seqs.length >= PAGE) yield* page();
      }
      yield* page();
    }
    async function* vectors(model: string): AsyncIterable<{ seq: number; vector: Float32Array }> {
      let after = 0;
      for (;;) {
        const page = await store.embeddingChangesSince(model, after, PAGE);
        for (const c of page) {
          if (c.changeSeq > position) return;
          after = c.changeSeq;
          yield { seq: c.seq, vector: c.vector };
        }
        if (page.length < PAGE) return;
      }
    }
    const started = performance.now();
    const snapshot = await dir.rebuild(docs(), { feedSeq: position, vectorFeedSeq: position, storeId: await store.storeId() }, model ? { model: model.modelId, dims: model.dims, vectors: vectors(model.modelId) } : undefined);
    logger.info('index.rebuilt', { generation: snapshot.generation, docs: snapshot.size, vectors: snapshot.vectorCount, ms: Math.round(performance.now() - started) });
    rebuilt = reason;
    return snapshot;
  };

  /** Opens the current generation, rebuilding it when it cannot be trusted; waits while another process writes it. */
  const openDirectory = async (dir: IndexDirectory): Promise<Snapshot> => {
    for (let attempt = 0; ; attempt++) {
      const found = await dir.open(await expectation());
      if (!('rebuild' in found)) return found;
      try {
        return await rebuildDirectory(dir, found.rebuild);
      } catch (error) {
        if (!isLocked(error) || attempt >= 1200) throw error;
        // Another process is writing the index: wait for its generation.
        if (attempt === 0) logger.info('index.waiting', { message: 'another process holds the index lock; waiting for its generation' });
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  };

  const open = async () => {
    const started = performance.now();
    const snapshot = directory ? await openDirectory(directory) : emptySnapshot();
    const next = stateOf(snapshot);
    swap(next);
    opened = true;
    openMs = Math.round(performance.now() - started);
    logger.info('index.opened', { generation: snapshot.generation, segments: snapshot.parts.length, docs: snapshot.size, vectors: snapshot.vectorCount, ms: openMs });
  };

  /** A newer generation on disk (written by another process): open it, catch it up, switch. */
  const switchIfNewer = async () => {
    if (!directory || directory.currentGeneration() <= state.snapshot.generation) return;
    const found = await directory.open(await expectation());
    if ('rebuild' in found) {
      logger.warn('index.generation_unusable', { reason: found.rebuild, message: 'a newer index generation could not be opened; serving the current one' });
      return;
    }
    const next = stateOf(found);
    await follow(next);
    swap(next);
    logger.info('index.switched', { generation: found.generation, segments: found.parts.length, docs: found.size });
  };

  const refresh = async () => {
    if (!opened) await open();
    else await switchIfNewer();
    const result = await follow(state);
    if (result.papers + result.vectors > 0) logger.info('search.refresh', { ...result, generation: state.snapshot.generation, indexed: state.view.docs.size, embedded: state.delta.vectorCount });
    return result;
  };

  const flush = async (force: boolean): Promise<boolean> => {
    if (!directory) return false;
    // The batch is written over the generation on disk: start from the newest one.
    if (!opened) await open();
    else await switchIfNewer();
    await follow(state);
    const d = state.delta;
    const due = force ? d.pending : d.textChanges + d.vectorChanges >= flushChanges || (d.oldestChangeAt !== null && now() - d.oldestChangeAt >= flushAgeMs);
    if (!due) return false;
    const started = performance.now();
    const seqs = d.docSeqs();
    const docs: IndexDoc[] = [];
    const removed = new Set(d.removed);
    for (let i = 0; i < seqs.length; i += 5000) {
      const rows = await store.readIndexed(seqs.slice(i, i + 5000));
      for (const seq of seqs.slice(i, i + 5000)) {
        const row = rows.get(seq);
        if (!row || row.deleted) {
          removed.add(seq);
          continue;
        }
        const s = d.index.docs.signals(seq);
        docs.push({ seq, id: row.id, title: row.title, abstract: row.abstract, authors: row.authors, categories: row.categories, date: row.date, signals: { hfUpvotes: s.hfUpvotes ?? 0, githubStars: s.githubStars ?? 0, localVotes: s.localVotes } });
      }
    }
    const vectorSeqs = d.vectorSeqs();
    const batch = {
      docs,
      removed: [...removed],
      ...(model ? { vectors: { set: vectorSeqs.map((seq) => ({ seq, vector: d.vector(seq)! })).filter((v) => v.vector), removed: [...removed] } } : {}),
      signals: [...d.overlay].map(([seq, s]) => ({ seq, hfUpvotes: s.hfUpvotes ?? 0, githubStars: s.githubStars ?? 0, localVotes: s.localVotes })),
      feedSeq: d.feedSeq,
      vectorFeedSeq: d.vectorFeedSeq,
    };
    let written: Snapshot;
    try {
      written = await directory.write(batch, await expectation());
    } catch (error) {
      if (isLocked(error)) {
        logger.info('index.flush_skipped', { reason: 'another process holds the index lock' });
        return false;
      }
      throw error;
    }
    const next = stateOf(written);
    await follow(next);
    swap(next);
    logger.info('index.flush', { generation: written.generation, docs: docs.length, removed: batch.removed.length, vectors: batch.vectors?.set.length ?? 0, signals: batch.signals.length, segments: written.parts.length, ms: Math.round(performance.now() - started) });
    const merged = await directory.merge(await expectation()).catch((error: unknown) => {
      if (isLocked(error)) return null;
      throw error;
    });
    if (merged) {
      const after = stateOf(merged);
      await follow(after);
      swap(after);
      logger.info('index.merged', { generation: merged.generation, segments: merged.parts.length });
    }
    return true;
  };

  // One operation at a time: refreshes, flushes and rebuilds queue up.
  let running: Promise<unknown> = Promise.resolve();
  const queue = <T>(task: () => Promise<T>): Promise<T> => {
    const next = running.then(task, task);
    running = next.catch(() => undefined);
    return next;
  };

  return {
    engine,
    refresh: () => queue(refresh),
    flush: (flushOptions = {}) => queue(() => flush(flushOptions.force === true)),
    rebuild: (reason) =>
      queue(async () => {
        if (!directory) return;
        const started = performance.now();
        const snapshot = await rebuildDirectory(directory, reason);
        const next = stateOf(snapshot);
        await follow(next);
        swap(next);
        opened = true;
        openMs = Math.round(performance.now() - started);
      }),
    status: () => ({
      generation: state.snapshot.generation,
      segments: state.snapshot.parts.length,
      docs: state.view.docs.size,
      vectors: state.delta.vectorCount,
      pending: { papers: state.delta.textChanges, signals: state.delta.overlay.size, vectors: state.delta.vectorSeqs().length },
      openMs,
      rebuilt,
    }),
    memory: () => ({
      deltaPapers: state.delta.index.size,
      deltaPostings: state.delta.index.lexical.stats().postings,
      overlay: state.delta.overlay.size,
      deltaVectors: state.delta.vectors?.size ?? 0,
      removed: state.delta.removed.size,
    }),
    close: () =>
      queue(async () => {
        for (const [timer, snapshot] of retiring) {
          clearTimeout(timer);
          snapshot.close();
        }
        retiring.clear();
        state.snapshot.close();
      }),
  };
}

/**
 * A function to await in a long synchronous-ish loop: it lets the event loop run (a macrotask turn,
 * not a microtask) once `sliceMs` have passed since the last pause, or at once when forced.
 */
function pauser(sliceMs: number): (force?: boolean) => Promise<void> {
  let since = performance.now();
  return async (force = false) => {
    if (!force && performance.now() - since < sliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    since = performance.now();
  };
}
