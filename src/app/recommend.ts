import { closestRated } from '../core/recommend/explain.ts';
import { rankCandidates } from '../core/recommend/rank.ts';
import { buildBackground, DEFAULT_BACKGROUND_SAMPLE, DEFAULT_RIDGE, ReaderModel, type Background, type ReaderModelOptions } from '../core/recommend/reader-model.ts';
import { sampleWithoutReplacement, seededRandom } from '../core/recommend/seeded-random.ts';
import { DEFAULT_EMBEDDING_WEIGHT, DEFAULT_TERM_SMOOTHING, mixScores, TEXT_SIDE_TFIDF, termDiscount, textProfileScorer } from '../core/recommend/text-profile.ts';
import { tfidfMatrix, type TermCountCache } from '../core/recommend/tfidf.ts';
import { PaperboyError } from '../core/errors.ts';
import { lookupPaperId } from '../core/paper-id.ts';
import type { PaperText } from '../ports/text-source.ts';
import { dateOfDay, dayOfDate, UNDATED } from './search/days.ts';
import type { IndexView } from './search/search-engine.ts';
import type { VectorSide } from './search/vector-side.ts';

/**
 * Personal recommendations (issue 17, docs/recommendations.md): a reader's liked and disliked
 * papers train a linear model, a ridge classifier on the paper embeddings (core/recommend/reader-model.ts)
 * mixed with a tf-idf profile of the texts discounted against the corpus (core/recommend/text-profile.ts), which ranks the papers of
 * a date window; each recommendation names the liked papers closest to it.
 *
 * The vectors come from the search index's view (the same one searches read): in `serve` it is
 * already in memory and follows the store's change feed, so new embeddings count at once and
 * deleted papers never come back; the CLI opens the on-disk index without loading the model. Reading
 * `paper_embeddings` instead would scan every vector of the store (115 MB at 75k papers) on every
 * request, and papers' dates are not indexed there.
 */

/** What recommendations read: the search engine satisfies it. */
export interface RecommendSource {
  view(): IndexView;
  readTexts(seqs: readonly number[]): Promise<ReadonlyMap<number, PaperText>>;
}

export interface RecommendRequest {
  likes: readonly string[];
  dislikes?: readonly string[];
  /** First day of the window (YYYY-MM-DD); default: `days` days before `to`. */
  from?: string;
  /** Last day of the window; default: the newest paper's day. */
  to?: string;
  limit?: number;
  /** Width of the default window in days (7). */
  days?: number;
}

export interface Recommendation {
  id: string;
  title: string;
  authors: readonly string[];
  date: string | null;
  categories: readonly string[];
  /**
   * The reader's score: how many standard deviations above the window's average the paper stands,
   * its embedding side and its text side mixed.
   */
  score: number;
  /** The two sides before mixing: the embedding model's output (about 1 for papers like the likes, 0 for the corpus at large, below 0 toward the dislikes) and the tf-idf profile's score (its terms discounted by how common they are). */
  parts: { embedding: number; text: number };
  /** The liked papers closest to this one, closest first, with their cosine. */
  because: { id: string; title: string; similarity: number }[];
}

export interface RecommendResponse {
  window: { from: string | null; to: string | null };
  likes: number;
  dislikes: number;
  /** Papers in the window that were ranked (the rated ones excluded). */
  candidates: number;
  /** Papers in the window without an embedding yet (not ranked). */
  unembedded: number;
  items: Recommendation[];
}

export interface RecommendOptions {
  ridge: number;
  /** Weight of the embedding side against the text side. */
  embeddingWeight: number;
  /** The text side's δ: each term's weight is divided by δ + its mean square over the papers at hand. */
  termSmoothing: number;
  model: Partial<ReaderModelOptions>;
  /** Papers in the background sample (the weak negatives). */
  backgroundSample: number;
  seed: number;
  /**
   * The term counts of the papers ranked last, shared by the calls that pass the same cache: a
   * digest run ranks the same day's papers for every subscriber, the For you page the same week's
   * for every reader, so each abstract is split into terms once, not once per reader (a day's 300
   * papers: 84 -> 15 ms a reader with the interned fit of tfidf.ts). None: split for this call only.
   */
  termCounts?: TermCountCache;
}

const DEFAULTS: RecommendOptions = { ridge: DEFAULT_RIDGE, embeddingWeight: DEFAULT_EMBEDDING_WEIGHT, termSmoothing: DEFAULT_TERM_SMOOTHING, model: {}, backgroundSample: DEFAULT_BACKGROUND_SAMPLE, seed: 1 };
const ALL_DAYS = [-1_000_000, 1_000_000] as const;

/** The background of a view's vectors, computed once per vector side (a new index generation gets its own). */
const backgrounds = new WeakMap<VectorSide, Map<string, Background>>();

function backgroundOf(view: IndexView, vectors: VectorSide, options: RecommendOptions): Background {
  const key = `${options.ridge}/${options.backgroundSample}/${options.seed}`;
  let byKey = backgrounds.get(vectors);
  if (!byKey) backgrounds.set(vectors, (byKey = new Map()));
  const cached = byKey.get(key);
  if (cached) return cached;
  const all = view.docs.datedBetween(...ALL_DAYS);
  const sample: Float32Array[] = [];
  for (const seq of sampleWithoutReplacement(all, options.backgroundSample, seededRandom(options.seed))) {
    const v = vectors.vector(seq);
    if (v) sample.push(v);
  }
  const dims = sample[0]?.length ?? 0;
  const background = buildBackground(sample, dims, options.ridge);
  byKey.set(key, background);
  return background;
}

function resolveIds(view: IndexView, ids: readonly string[], option: string): { id: string; seq: number }[] {
  return ids.map((raw) => {
    const id = lookupPaperId(raw.trim().replace(/v\d+$/, ''));
    const seq = id === null ? undefined : view.docs.seqOf(id);
    if (id === null || seq === undefined) throw new PaperboyError('NOT_FOUND', `${option} ${JSON.stringify(raw)}: no such paper in this database`, { id: raw, option });
    return { id, seq };
  });
}

/** Recommendations for an explicit set of liked (and disliked) papers. */
export async function recommendPapers(source: RecommendSource, request: RecommendRequest, options: Partial<RecommendOptions> = {}): Promise<RecommendResponse> {
  const settings = { ...DEFAULTS, ...options };
  if (request.likes.length === 0) throw new PaperboyError('INVALID_REQUEST', 'recommendations need at least one liked paper (--like ID)');
  const view = source.view();
  const release = view.hold?.();
  try {
    const likes = resolveIds(view, request.likes, '--like');
    const dislikes = resolveIds(view, request.dislikes ?? [], '--dislike');
    const liked = new Set(likes.map((l) => l.seq));
    const both = dislikes.find((d) => liked.has(d.seq));
    if (both) throw new PaperboyError('INVALID_REQUEST', `${both.id} is both liked and disliked; keep it in one list`, { id: both.id });
    const vectors = view.vectors;
    const vectorOf = (paper: { id: string; seq: number }, option: string) => {
      const v = vectors?.vector(paper.seq);
      if (!v) throw new PaperboyError('INVALID_REQUEST', `${option} ${paper.id} has no embedding yet: run \`paperboy embed\` (or wait for \`serve\` to embed it)`, { id: paper.id, option });
      return v;
    };
    const likedVectors = likes.map((l) => ({ ...l, vector: vectorOf(l, '--like') }));
    const dislikedVectors = dislikes.map((d) => ({ ...d, vector: vectorOf(d, '--dislike') }));

    // The window: explicit days, else the `days` days up to the newest paper.
    const toDay = request.to ? dayOfDate(request.to) : view.docs.latestDay(ALL_DAYS[1]);
    const fromDay = request.from ? dayOfDate(request.from) : toDay === UNDATED ? UNDATED : toDay - ((request.days ?? 7) - 1);
    if (request.from && request.to && fromDay > toDay) throw new PaperboyError('INVALID_REQUEST', `the window is empty: --from ${request.from} is after --to ${request.to}`);
    const rated = new Set([...liked, ...dislikes.map((d) => d.seq)]);
    const candidates: { seq: number; vector: Float32Array }[] = [];
    let unembedded = 0;
    if (toDay !== UNDATED) {
      for (const seq of view.docs.datedBetween(fromDay, toDay)) {
        if (rated.has(seq)) continue;
        const v = vectors!.vector(seq);
        if (v) candidates.push({ seq, vector: v });
        else unembedded++;
      }
    }

    // The two sides of the reader's model (docs/recommendations.md): the embedding side, a ridge
    // classifier against the corpus, and the text side, a tf-idf profile discounted by each term's mean
    // square over the papers at hand (fitted on them).
    const model = new ReaderModel(backgroundOf(view, vectors!, settings), settings.model);
    for (const l of likedVectors) model.add(l.vector, 'like');
    for (const d of dislikedVectors) model.add(d.vector, 'dislike');
    const embedding = model.scorer();
    const texts = await source.readTexts([...candidates.map((c) => c.seq), ...rated]);
    const present = candidates.filter((c) => texts.has(c.seq)); // deleted meanwhile: gone
    const textSeqs = [...present.map((c) => c.seq), ...[...rated].filter((seq) => texts.has(seq))];
    const rowOf = new Map(textSeqs.map((seq, row) => [seq, row]));
    const { rows } = tfidfMatrix(textSeqs.map((seq) => `${texts.get(seq)!.title} ${texts.get(seq)!.abstract}`), TEXT_SIDE_TFIDF, settings.termCounts);
    const rowsOf = (papers: readonly { seq: number }[]) => papers.flatMap((p) => (rowOf.has(p.seq) ? [rowOf.get(p.seq)!] : []));
    const text = textProfileScorer(rows, rowsOf(likes), rowsOf(dislikes), termDiscount(rows, settings.termSmoothing));
    const embeddingScores = present.map((c) => embedding.score(c.vector));
    const textScores = present.map((c) => text(rowOf.get(c.seq)!));
    const mixed = mixScores(embeddingScores, textScores, settings.embeddingWeight);
    const scoreOf = new Map(present.map((c, i) => [c.seq, i]));
    const ranked = rankCandidates(present, (_, seq) => mixed[scoreOf.get(seq!)!]!, Math.max(0, request.limit ?? 20));

    const likedForExplaining = likedVectors.map((l) => ({ id: l.id, vector: l.vector }));
    const titleOf = new Map(likes.map((l) => [l.id, texts.get(l.seq)?.title ?? '']));
    const items: Recommendation[] = ranked.map((hit) => {
      const paper = texts.get(hit.seq)!;
      const i = scoreOf.get(hit.seq)!;
      return {
        id: paper.id, title: paper.title, authors: paper.authors, date: paper.date, categories: paper.categories,
        score: hit.score, parts: { embedding: embeddingScores[i]!, text: textScores[i]! },
        because: closestRated(vectors!.vector(hit.seq)!, likedForExplaining, 2).map((b) => ({ ...b, title: titleOf.get(b.id) ?? '' })),
      };
    });
    return {
      window: { from: dateOfDay(fromDay), to: dateOfDay(toDay) },
      likes: likes.length, dislikes: dislikes.length, candidates: candidates.length, unembedded, items,
    };
  } finally {
    release?.();
  }
}
