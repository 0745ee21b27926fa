/**
 * The trending score of a paper: the attention it gained in a window, decayed by its age.
 *
 *   attention = w_votes · votes + w_hf · hfUpvotes + w_stars · log2(1 + stars)
 *             + w_readers · log2(1 + readers) + w_saves · saves
 *   score     = attention / (ageDays + offsetDays) ^ gravity
 *
 * With `gained` (what the window added: upvotes, stars, distinct readers, saves) the score is
 * momentum. Without it (search's sort=trending, which only has the index's totals) the same
 * formula runs on the totals owned, readers and saves counting 0; `basis` says which.
 * Age counts from the announcement (else the first submission) to `now`; time is a parameter, so
 * the same inputs always give the same score. With gravity 1.5 and a 2-day offset, a paper keeps
 * about a third of its score after 3 days and a tenth after 10 (docs/trending.md).
 * Returns the score and its breakdown, so that pages can say why a paper trends.
 */
export interface SignalGains {
  localVotes?: number | null;
  hfUpvotes?: number | null;
  githubStars?: number | null;
  /** Distinct readers of the paper's page (a daily count, summed over the window). */
  readers?: number | null;
  /** Readers who saved the paper to their library in the window. */
  saves?: number | null;
}

export interface TrendingInput {
  localVotes?: number | null;
  hfUpvotes?: number | null;
  githubStars?: number | null;
  /** YYYY-MM-DD or ISO timestamp; undated papers count as old. */
  date: string | null;
  /** What the window added; when present the score is momentum and the totals above are ignored. */
  gained?: SignalGains | null;
}

export interface TrendingParams {
  votesWeight: number;
  hfWeight: number;
  starsWeight: number;
  readersWeight: number;
  savesWeight: number;
  gravity: number;
  offsetDays: number;
}

export const TRENDING_DEFAULTS: TrendingParams = Object.freeze({ votesWeight: 1, hfWeight: 1, starsWeight: 2, readersWeight: 1, savesWeight: 2, gravity: 1.5, offsetDays: 2 });

export interface TrendingParts {
  localVotes: number;
  hfUpvotes: number;
  githubStars: number;
  readers: number;
  saves: number;
}

export interface TrendingScore {
  score: number;
  attention: number;
  ageDays: number;
  /** 'window': attention gained in the window; 'totals': attention owned (no window given). */
  basis: 'window' | 'totals';
  /** The raw signal values the parts were computed from (gains or totals). */
  signals: TrendingParts;
  parts: TrendingParts;
}

const clamp = (n: number | null | undefined) => (Number.isFinite(n) ? Math.max(0, n as number) : 0);

export function trendingScore(input: TrendingInput, nowMs: number, params: TrendingParams = TRENDING_DEFAULTS): TrendingScore {
  const basis = input.gained ? 'window' : 'totals';
  const from = input.gained ?? input;
  const signals: TrendingParts = {
    localVotes: clamp(from.localVotes),
    hfUpvotes: clamp(from.hfUpvotes),
    githubStars: clamp(from.githubStars),
    readers: clamp(input.gained?.readers),
    saves: clamp(input.gained?.saves),
  };
  const parts: TrendingParts = {
    localVotes: params.votesWeight * signals.localVotes,
    hfUpvotes: params.hfWeight * signals.hfUpvotes,
    githubStars: params.starsWeight * Math.log2(1 + signals.githubStars),
    readers: params.readersWeight * Math.log2(1 + signals.readers),
    saves: params.savesWeight * signals.saves,
  };
  const attention = parts.localVotes + parts.hfUpvotes + parts.githubStars + parts.readers + parts.saves;
  const at = input.date ? Date.parse(input.date.length === 10 ? `${input.date}T00:00:00Z` : input.date) : NaN;
  const ageDays = ageOf(at, nowMs);
  return { score: attention / (ageDays + params.offsetDays) ** params.gravity, attention, ageDays, basis, signals, parts };
}

const ageOf = (atMs: number, nowMs: number) => (Number.isNaN(atMs) ? 365 : Math.max(0, (nowMs - atMs) / 86_400_000));

/**
 * Only the score and attention of `trendingScore` (the same arithmetic, so the same numbers), for
 * ordering thousands of papers without building a breakdown for each: `atMs` is the paper's date in
 * ms (NaN when undated).
 */
export function trendingRank(owned: Omit<TrendingInput, 'date' | 'gained'>, gained: SignalGains | null | undefined, atMs: number, nowMs: number, params: TrendingParams = TRENDING_DEFAULTS): { score: number; attention: number } {
  const from = gained ?? owned;
  const attention =
    params.votesWeight * clamp(from.localVotes) +
    params.hfWeight * clamp(from.hfUpvotes) +
    params.starsWeight * Math.log2(1 + clamp(from.githubStars)) +
    params.readersWeight * Math.log2(1 + clamp(gained?.readers)) +
    params.savesWeight * clamp(gained?.saves);
  return { score: attention / (ageOf(atMs, nowMs) + params.offsetDays) ** params.gravity, attention };
}
