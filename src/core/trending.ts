/**
 * The trending score of a paper: attention it received, decayed by its age.
 *
 *   attention = w_votes * localVotes + w_hf * hfUpvotes + w_stars * log2(1 + githubStars)
 *   score     = attention / (ageDays + offsetDays) ^ gravity
 *
 * Age counts from the announcement (else the first submission) to `now`; time is a parameter, so
 * the same inputs always give the same score. With gravity 1.5 and a 2-day offset, a paper keeps
 * about a third of its score after 3 days and a tenth after 10 (docs/trending.md).
 * Returns the score and its breakdown, so that pages can say why a paper trends.
 */
export interface TrendingInput {
  localVotes?: number | null;
  hfUpvotes?: number | null;
  githubStars?: number | null;
  /** YYYY-MM-DD or ISO timestamp; undated papers count as old. */
  date: string | null;
}

export interface TrendingParams {
  votesWeight: number;
  hfWeight: number;
  starsWeight: number;
  gravity: number;
  offsetDays: number;
}

export const TRENDING_DEFAULTS: TrendingParams = Object.freeze({ votesWeight: 1, hfWeight: 1, starsWeight: 2, gravity: 1.5, offsetDays: 2 });

export interface TrendingScore {
  score: number;
  attention: number;
  ageDays: number;
  parts: { localVotes: number; hfUpvotes: number; githubStars: number };
}

export function trendingScore(input: TrendingInput, nowMs: number, params: TrendingParams = TRENDING_DEFAULTS): TrendingScore {
  const parts = {
    localVotes: params.votesWeight * Math.max(0, input.localVotes ?? 0),
    hfUpvotes: params.hfWeight * Math.max(0, input.hfUpvotes ?? 0),
    githubStars: params.starsWeight * Math.log2(1 + Math.max(0, input.githubStars ?? 0)),
  };
  const attention = parts.localVotes + parts.hfUpvotes + parts.githubStars;
  const at = input.date ? Date.parse(input.date.length === 10 ? `${input.date}T00:00:00Z` : input.date) : NaN;
  const ageDays = Number.isNaN(at) ? 365 : Math.max(0, (nowMs - at) / 86_400_000);
  return { score: attention / (ageDays + params.offsetDays) ** params.gravity, attention, ageDays, parts };
}
