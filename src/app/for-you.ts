import type { TermCountCache } from '../core/recommend/tfidf.ts';
import type { AccountStore } from '../ports/account-store.ts';
import { recommendPapers, type Recommendation, type RecommendOptions, type RecommendResponse, type RecommendSource } from './recommend.ts';

/**
 * "For you" for a signed-in reader (issue 17, docs/recommendations.md "Surfaces"): which of their
 * ratings count, what the recommendations are based on, and the words of each explanation. The
 * model itself is app/recommend.ts's `recommendPapers`.
 *
 * Likes: the papers the reader saved to their library, upvoted, or declared their own ("my papers").
 * Dislikes: the papers they hid; "not interested" on a recommendation is a hide (the paper leaves
 * every listing of theirs, and the model learns from it). A paper both liked and hidden counts as hidden.
 */

/** How a reader rated a paper they like, strongest word first when there are several. */
export type LikeKind = 'mine' | 'saved' | 'upvoted';

/** Fewer likes than this: the page keeps offering papers to rate. */
export const ENOUGH_LIKES = 5;

export interface ReaderRatings {
  /** Liked paper id → how (one or more kinds). */
  likes: Map<string, LikeKind[]>;
  hidden: Set<string>;
  counts: { saved: number; upvoted: number; mine: number; hidden: number };
}

/** The reader's ratings, from the account store (three lists and the votes). */
export async function readerRatings(accounts: Pick<AccountStore, 'allInList' | 'votedPapers'>, userId: number): Promise<ReaderRatings> {
  const [saved, upvoted, mine, hidden] = await Promise.all([
    accounts.allInList('library', userId), accounts.votedPapers(userId), accounts.allInList('mine', userId), accounts.allInList('hidden', userId),
  ]);
  const likes = new Map<string, LikeKind[]>();
  for (const [kind, ids] of [['mine', mine], ['saved', saved], ['upvoted', upvoted]] as const) {
    for (const id of ids) if (!hidden.has(id)) likes.set(id, [...(likes.get(id) ?? []), kind]);
  }
  return { likes, hidden, counts: { saved: saved.size, upvoted: upvoted.size, mine: mine.size, hidden: hidden.size } };
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** "based on 2 saved papers and 1 upvote" (with the hidden papers when there are some). */
export function basedOnSentence(counts: ReaderRatings['counts']): string {
  const parts = [
    counts.saved ? plural(counts.saved, 'saved paper', 'saved papers') : '',
    counts.upvoted ? plural(counts.upvoted, 'upvote', 'upvotes') : '',
    counts.mine ? plural(counts.mine, 'paper of your own', 'papers of your own') : '',
  ].filter(Boolean);
  if (parts.length === 0) return 'based on nothing yet: save, upvote or add papers of your own';
  const likes = parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
  return `based on ${likes}${counts.hidden ? `, less like ${plural(counts.hidden, 'hidden paper', 'hidden papers')}` : ''}`;
}

const VERB: Record<LikeKind, string> = { mine: 'wrote', saved: 'saved', upvoted: 'upvoted' };

/** One reason, in words: "because you saved “Title”" (or "your paper “Title”"). */
export function becauseSentence(because: readonly { id: string; title: string }[], kinds: ReadonlyMap<string, readonly LikeKind[]>): string {
  const phrase = (b: { id: string; title: string }) => {
    const kind = kinds.get(b.id)?.[0] ?? 'saved';
    const title = `“${b.title || b.id}”`;
    return kind === 'mine' ? `your paper ${title}` : `you ${VERB[kind]} ${title}`;
  };
  return because.length === 0 ? '' : `because ${because.map(phrase).join(' and ')}`;
}

export interface ForYouItem extends Recommendation {
  /** The closest liked papers with how the reader rated each. */
  because: (Recommendation['because'][number] & { kind: LikeKind })[];
  /** "because you saved “…”" */
  explanation: string;
}

export interface ForYouRequest {
  /** The window: `days` days up to the newest paper (7), or [from, to] (YYYY-MM-DD) when given. */
  days?: number;
  from?: string;
  to?: string;
  limit?: number;
  /** score: best first; newest: the best `limit` papers, newest first. */
  sort?: 'score' | 'newest';
}

/** What a signed-in reader gets: recommendations (empty at cold start) and what they rest on. */
export interface ForYou extends Omit<RecommendResponse, 'items'> {
  items: ForYouItem[];
  basedOn: ReaderRatings['counts'] & { withoutEmbedding: number };
  /** "based on 2 saved papers and 1 upvote" */
  summary: string;
  /** No usable like yet: the page is the cold-start page. */
  coldStart: boolean;
  /** Fewer than {@link ENOUGH_LIKES} likes: keep asking for ratings. */
  fewRatings: boolean;
  /** Set when there is nothing to learn from yet: what to do about it. */
  notice: string | null;
}

export interface ForYouDeps {
  accounts: Pick<AccountStore, 'allInList' | 'votedPapers'>;
  source: () => Promise<RecommendSource>;
  /** Shared by every reader's recommendations (see RecommendOptions.termCounts). */
  termCounts?: TermCountCache;
}

/** Recommendations for a signed-in reader, learned from all their ratings (see the file's comment). */
export async function forYou(deps: ForYouDeps, userId: number, request: ForYouRequest = {}, options: Partial<RecommendOptions> = {}): Promise<ForYou> {
  const [ratings, source] = await Promise.all([readerRatings(deps.accounts, userId), deps.source()]);
  const view = source.view();
  const usable = (id: string) => {
    const seq = view.docs.seqOf(id);
    return seq !== undefined && view.vectors?.vector(seq) != null;
  };
  const likes = [...ratings.likes.keys()].filter(usable).sort();
  const dislikes = [...ratings.hidden].filter(usable).sort();
  const withoutEmbedding = ratings.likes.size + ratings.hidden.size - likes.length - dislikes.length;
  const basedOn = { ...ratings.counts, withoutEmbedding };
  const common = { basedOn, summary: basedOnSentence(ratings.counts), coldStart: likes.length === 0, fewRatings: likes.length < ENOUGH_LIKES };
  if (likes.length === 0) {
    return {
      window: { from: null, to: null }, likes: 0, dislikes: dislikes.length, candidates: 0, unembedded: 0, items: [], ...common,
      notice: ratings.likes.size === 0
        ? 'save or upvote a few papers, or add papers of your own, and recommendations will follow'
        : 'the papers you rated are not embedded yet; recommendations follow once they are',
    };
  }
  const window = { days: request.days ?? 7, ...(request.from ? { from: request.from } : {}), ...(request.to ? { to: request.to } : {}) };
  const response = await recommendPapers(source, { likes, dislikes, ...window, limit: request.limit ?? 20 }, { ...(deps.termCounts ? { termCounts: deps.termCounts } : {}), ...options });
  const items = response.items.map((item): ForYouItem => ({
    ...item,
    because: item.because.map((b) => ({ ...b, kind: ratings.likes.get(b.id)?.[0] ?? 'saved' })),
    explanation: becauseSentence(item.because, ratings.likes),
  }));
  if (request.sort === 'newest') items.sort((a, b) => (b.date ?? '').localeCompare(a.date ?? '') || b.score - a.score);
  return { ...response, items, ...common, notice: null };
}
