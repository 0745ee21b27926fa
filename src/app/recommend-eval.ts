import { centroidScorer } from '../core/recommend/centroid.ts';
import { sparseScore, trainLinearSvm } from '../core/recommend/linear-svm.ts';
import { buildBackground, DEFAULT_BACKGROUND_SAMPLE, DEFAULT_READER_MODEL_OPTIONS, DEFAULT_RIDGE, ReaderModel } from '../core/recommend/reader-model.ts';
import { sampleWithoutReplacement, seededRandom, stringHash } from '../core/recommend/seeded-random.ts';
import { DEFAULT_EMBEDDING_WEIGHT, DEFAULT_TERM_SMOOTHING, mixScores, TEXT_SIDE_TFIDF, termDiscount, textProfileScorer } from '../core/recommend/text-profile.ts';
import { ARXIV_SANITY_TFIDF, tfidfMatrix, type SparseRows, type TfidfOptions } from '../core/recommend/tfidf.ts';
import { mrrAt, ndcgAt, recallAt } from '../core/search/metrics.ts';
import type { PaperStore } from '../ports/paper-store.ts';

/**
 * `paperboy eval-recs`: recommendations judged by the author-continuation protocol
 * (docs/recommendations.md). Readers are authors with at least `minBefore` papers before the
 * cut-off day and `minAfter` on or after it; a reader likes their earlier papers, and their later
 * papers are the relevant items among all later papers. Every method ranks the same later papers
 * for the same readers: the linear model, the centroid of the liked embeddings (cosine),
 * arxiv-sanity-lite's recipe (tf-idf of title and abstract + a linear SVM, the likes against every
 * other paper) and random. Metrics: nDCG@10, Recall@50, MRR (trec_eval's definitions,
 * core/search/metrics.ts).
 */

export interface EvalPaper {
  id: string;
  /** YYYY-MM-DD. */
  date: string;
  authors: readonly string[];
  /** Title and abstract: what tf-idf reads (authors left out: they are what defines relevance here). */
  text: string;
  vector: Float32Array;
}

export const RECS_METHODS = ['linear', 'linear-embedding', 'linear-text', 'centroid', 'tfidf-svm', 'random'] as const;
export type RecsMethod = (typeof RECS_METHODS)[number];
/** The methods that read the texts only: a run of these alone needs no embeddings ({@link loadEvalPapers}). */
export const TEXT_ONLY_METHODS: readonly RecsMethod[] = ['linear-text', 'tfidf-svm', 'random'];
export type ReaderSplit = 'all' | 'tune' | 'report';

export interface RecsEvalOptions {
  /** The cut-off day (YYYY-MM-DD); default: the median date of the papers in the window. */
  cutoff?: string;
  /** Only papers dated in [from, to] take part (both optional). */
  from?: string;
  to?: string;
  minBefore: number;
  minAfter: number;
  /** At most this many readers (a seeded sample of the eligible ones). */
  maxReaders: number;
  /** Readers split in two halves by a hash of their name: tune on one, report the other. */
  split: ReaderSplit;
  methods: readonly RecsMethod[];
  seed: number;
  ridge: number;
  likeWeight: number;
  /** The linear model's weight of its embedding side against its text side. */
  embeddingWeight: number;
  /** The text side's δ (core/recommend/text-profile.ts). */
  termSmoothing: number;
  /** Milliseconds for per-method timings (optional: without it, no timings). */
  now?: () => number;
  onProgress?: (method: RecsMethod, done: number, total: number) => void;
}

export const DEFAULT_RECS_EVAL: RecsEvalOptions = {
  minBefore: 3, minAfter: 2, maxReaders: 500, split: 'all', methods: RECS_METHODS, seed: 1,
  ridge: DEFAULT_RIDGE, likeWeight: DEFAULT_READER_MODEL_OPTIONS.likeWeight, embeddingWeight: DEFAULT_EMBEDDING_WEIGHT,
  termSmoothing: DEFAULT_TERM_SMOOTHING,
};

export interface MethodResult {
  method: RecsMethod;
  ndcg10: number;
  recall50: number;
  mrr: number;
  /** Milliseconds per reader (training and scoring every item), when timed. */
  msPerReader: number | null;
}

export interface RecsEvalResult {
  cutoff: string;
  window: { from: string | null; to: string | null };
  split: ReaderSplit;
  /** Papers with a date and an embedding inside the window; before and on/after the cut-off. */
  papers: { used: number; before: number; after: number };
  readers: { eligible: number; evaluated: number; meanLikes: number; meanRelevant: number };
  /** The later papers every reader's ranking covers. */
  items: number;
  methods: MethodResult[];
}

/** A name as the protocol matches it: accents folded, lower case, runs of spaces and dots collapsed. */
export function authorKey(name: string): string {
  return name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[\s.]+/g, ' ').trim();
}

export function splitOf(key: string): 'tune' | 'report' {
  return stringHash(key) % 2 === 1 ? 'tune' : 'report';
}

interface Reader {
  key: string;
  likes: number[];
  relevant: Set<number>;
}

/** Runs the protocol over `papers` (every paper with its vector). */
export function evaluateRecommendations(all: readonly EvalPaper[], options: RecsEvalOptions): RecsEvalResult {
  const papers = all.filter((p) => (!options.from || p.date >= options.from) && (!options.to || p.date <= options.to));
  const dates = papers.map((p) => p.date).sort();
  const cutoff = options.cutoff ?? dates[Math.floor(dates.length / 2)] ?? '';
  const before: number[] = [];
  const after: number[] = [];
  papers.forEach((p, i) => (p.date < cutoff ? before : after).push(i));
  const byAuthor = new Map<string, { before: number[]; after: number[] }>();
  papers.forEach((p, i) => {
    for (const key of new Set(p.authors.map(authorKey).filter(Boolean))) {
      let entry = byAuthor.get(key);
      if (!entry) byAuthor.set(key, (entry = { before: [], after: [] }));
      (p.date < cutoff ? entry.before : entry.after).push(i);
    }
  });
  const eligible = [...byAuthor.entries()]
    .filter(([key, e]) => e.before.length >= options.minBefore && e.after.length >= options.minAfter && (options.split === 'all' || splitOf(key) === options.split))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const readers: Reader[] = sampleWithoutReplacement(eligible, options.maxReaders, seededRandom(options.seed))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, e]) => ({ key, likes: e.before, relevant: new Set(e.after) }));

  const dims = papers[0]?.vector.length ?? 0;
  const itemIds = after.map((i) => papers[i]!.id);
  const results: MethodResult[] = [];
  // tf-idf rows of every paper, fitted once: arxiv-sanity-lite's features and the linear model's text side.
  const cache = new Map<string, SparseRows>();
  const tfidf = (settings: TfidfOptions) => {
    const key = JSON.stringify(settings);
    let rows = cache.get(key);
    if (!rows) cache.set(key, (rows = tfidfMatrix(papers.map((p) => p.text), settings).rows));
    return rows;
  };
  for (const method of options.methods) {
    const scorerFor = methodScorers(method, papers, options, dims, tfidf);
    const totals = { ndcg10: 0, recall50: 0, mrr: 0 };
    const started = options.now?.();
    readers.forEach((reader, done) => {
      const scores = scorerFor(reader, after);
      const order = after.map((_, k) => k).sort((a, b) => scores[b]! - scores[a]! || a - b);
      const ranked = order.map((k) => itemIds[k]!);
      const judgments = new Map([...reader.relevant].map((i) => [papers[i]!.id, 1]));
      totals.ndcg10 += ndcgAt(10, ranked, judgments);
      totals.recall50 += recallAt(50, ranked, judgments);
      totals.mrr += mrrAt(ranked.length, ranked, judgments);
      options.onProgress?.(method, done + 1, readers.length);
    });
    const n = readers.length || 1;
    results.push({
      method, ndcg10: totals.ndcg10 / n, recall50: totals.recall50 / n, mrr: totals.mrr / n,
      msPerReader: started !== undefined && options.now && readers.length ? (options.now() - started) / readers.length : null,
    });
  }
  return {
    cutoff, window: { from: options.from ?? null, to: options.to ?? null }, split: options.split,
    papers: { used: papers.length, before: before.length, after: after.length },
    readers: {
      eligible: eligible.length, evaluated: readers.length,
      meanLikes: readers.reduce((s, r) => s + r.likes.length, 0) / (readers.length || 1),
      meanRelevant: readers.reduce((s, r) => s + r.relevant.size, 0) / (readers.length || 1),
    },
    items: after.length,
    methods: results,
  };
}

/** For a method, what scores the items for a reader (shared work, such as the background, done once). */
function methodScorers(method: RecsMethod, papers: readonly EvalPaper[], options: RecsEvalOptions, dims: number, tfidf: (settings: TfidfOptions) => SparseRows): (reader: Reader, items: readonly number[]) => ArrayLike<number> {
  const embeddingSide = () => {
    // The weak negatives: a seeded sample of every paper in the evaluation (as a served corpus would give).
    const sample = sampleWithoutReplacement(papers, DEFAULT_BACKGROUND_SAMPLE, seededRandom(options.seed)).map((p) => p.vector);
    const background = buildBackground(sample, dims, options.ridge);
    return (reader: Reader, items: readonly number[]) => {
      const model = new ReaderModel(background, { likeWeight: options.likeWeight });
      for (const i of reader.likes) model.add(papers[i]!.vector, 'like');
      const { score } = model.scorer();
      return items.map((i) => score(papers[i]!.vector));
    };
  };
  const textSide = () => {
    const rows = tfidf(TEXT_SIDE_TFIDF);
    const discount = termDiscount(rows, options.termSmoothing);
    return (reader: Reader, items: readonly number[]) => items.map(textProfileScorer(rows, reader.likes, [], discount));
  };
  switch (method) {
    case 'linear': {
      const embedding = embeddingSide();
      const text = textSide();
      return (reader, items) => mixScores(embedding(reader, items), text(reader, items), options.embeddingWeight);
    }
    case 'linear-embedding':
      return embeddingSide();
    case 'linear-text':
      return textSide();
    case 'centroid':
      return (reader, items) => {
        const score = centroidScorer(reader.likes.map((i) => papers[i]!.vector), dims);
        return items.map((i) => score(papers[i]!.vector));
      };
    case 'tfidf-svm': {
      const rows = tfidf(ARXIV_SANITY_TFIDF);
      return (reader, items) => {
        const likes = new Set(reader.likes);
        const model = trainLinearSvm(rows, (row) => likes.has(row));
        return items.map((i) => sparseScore(model, rows, i));
      };
    }
    case 'random':
      return (reader, items) => {
        const random = seededRandom(stringHash(reader.key) ^ options.seed);
        return items.map(() => random());
      };
  }
}

/**
 * Every live, dated paper with an embedding of `model`, and how many were left out for lacking either.
 * With `textOnly` (a run of {@link TEXT_ONLY_METHODS} alone) papers without an embedding take part too,
 * with an empty vector.
 */
export async function loadEvalPapers(store: PaperStore, model: string, textOnly = false): Promise<{ papers: EvalPaper[]; withoutVector: number; undated: number }> {
  const vectors = new Map<number, Float32Array>();
  if (!textOnly) for await (const { seq, vector } of store.scanEmbeddings(model)) vectors.set(seq, vector);
  const papers: EvalPaper[] = [];
  let withoutVector = 0;
  let undated = 0;
  const none = new Float32Array(0);
  for await (const row of store.scanIndexable()) {
    if (row.deleted) continue;
    if (!row.date) {
      undated++;
      continue;
    }
    const vector = textOnly ? none : vectors.get(row.seq);
    if (!vector) {
      withoutVector++;
      continue;
    }
    papers.push({ id: row.id, date: row.date, authors: row.authors, text: `${row.title} ${row.abstract}`, vector });
  }
  return { papers, withoutVector, undated };
}
