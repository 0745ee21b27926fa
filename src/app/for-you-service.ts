import type { DigestPaper } from '../core/digest.ts';
import { readPastedPapers, type PastedPapers } from '../core/paper-list-text.ts';
import type { TermCountCache } from '../core/recommend/tfidf.ts';
import type { AccountStore } from '../ports/account-store.ts';
import type { Catalog } from './catalog.ts';
import { forYou, readerRatings, type ForYou, type ForYouRequest } from './for-you.ts';
import type { RecommendSource } from './recommend.ts';
import { signToken, verifyToken } from './signed-tokens.ts';

export interface ForYouServiceDeps {
  accounts: Pick<AccountStore, 'allInList' | 'votedPapers' | 'feedGeneration' | 'renewFeedGeneration'>;
  catalog: Pick<Catalog, 'setInList'>;
  source: () => Promise<RecommendSource>;
  secret: string;
  /** One per process: every reader's recommendations split the window's texts once (RecommendOptions.termCounts). */
  termCounts?: TermCountCache;
}

/** What a private feed token says: whose feed it opens, or why it opens none. */
export type FeedTokenCheck = { ok: true; userId: number } | { ok: false; reason: 'forged' | 'revoked' };

export interface MyPapersResult extends Omit<PastedPapers, 'ids' | 'format'> {
  /** Added to "my papers" (or already there), by their canonical ids. */
  added: string[];
  /** Ids not in this database. */
  unknown: string[];
  /** Ids left out past {@link MY_PAPERS_MAX} (all texts together). */
  leftOut: number;
}

/** Most ids one request adds (pasted and uploaded together): a long publication list fits, a pasted corpus does not. */
export const MY_PAPERS_MAX = 500;

const FEED_PURPOSE = 'for-you-feed';

/**
 * The reader-facing surfaces of recommendations around `forYou` (app/for-you.ts): the private
 * feed's revocable token, "my papers" from pasted ids or a BibTeX file, and the digest's section.
 *
 * Feed tokens are signed (signed-tokens.ts) over `userId:generation`; the generation is stored per
 * reader and bumped to revoke, so a token is good while its generation is the reader's current
 * one, and a new URL is one bump away. Nothing secret is stored: leaking the database does not
 * leak feed URLs (they need the server secret), and a leaked URL dies with one click.
 */
export function createForYouService(deps: ForYouServiceDeps) {
  const tokenFor = (userId: number, generation: number) => signToken(deps.secret, FEED_PURPOSE, `${userId}:${generation}`);
  return {
    recommend: (userId: number, request: ForYouRequest = {}): Promise<ForYou> => forYou(deps, userId, request),
    /** The papers the reader rated (liked or hidden): never offered to them as papers to rate. */
    async rated(userId: number): Promise<Set<string>> {
      const r = await readerRatings(deps.accounts, userId);
      return new Set([...r.likes.keys(), ...r.hidden]);
    },

    /** The reader's current private feed token. */
    async feedToken(userId: number): Promise<string> {
      return tokenFor(userId, (await deps.accounts.feedGeneration(userId)) ?? 0);
    },
    /** Revokes every earlier feed token of the reader and returns the new one. */
    async renewFeedToken(userId: number): Promise<string> {
      return tokenFor(userId, await deps.accounts.renewFeedGeneration(userId));
    },
    async checkFeedToken(token: string): Promise<FeedTokenCheck> {
      const m = /^(\d+):(\d+)$/.exec(verifyToken(deps.secret, FEED_PURPOSE, token) ?? '');
      if (!m) return { ok: false, reason: 'forged' };
      const current = await deps.accounts.feedGeneration(Number(m[1]));
      if (current === null) return { ok: false, reason: 'revoked' }; // the account is gone
      return current === Number(m[2]) ? { ok: true, userId: Number(m[1]) } : { ok: false, reason: 'revoked' };
    },

    /**
     * Adds the papers of pasted lists of ids or BibTeX files (each read on its own: one may be a
     * list, another BibTeX) to the reader's "my papers": each id once, at most {@link MY_PAPERS_MAX}.
     */
    async addMyPapers(userId: number, texts: readonly string[]): Promise<MyPapersResult> {
      const read = texts.map((t) => readPastedPapers(t));
      const ids = [...new Set(read.flatMap((r) => r.ids))];
      const added: string[] = [];
      const unknown: string[] = [];
      for (const id of ids.slice(0, MY_PAPERS_MAX)) {
        const stored = await deps.catalog.setInList('mine', userId, id, true);
        if (stored === null) unknown.push(id);
        else if (!added.includes(stored)) added.push(stored);
      }
      return {
        added, unknown, leftOut: Math.max(0, ids.length - MY_PAPERS_MAX),
        entriesWithoutId: read.flatMap((r) => r.entriesWithoutId), notIds: read.flatMap((r) => r.notIds),
      };
    },

    /**
     * The digest's "Recommended for you" papers dated in [from, to], best first, each with its
     * explanation as the note; empty until the reader has rated something.
     */
    async digestPapers(userId: number, from: string, to: string, limit: number): Promise<DigestPaper[]> {
      const r = await forYou(deps, userId, { from, to, limit });
      if (r.items.length === 0) return [];
      const source = await deps.source();
      const view = source.view();
      const seqs = r.items.flatMap((i) => view.docs.seqOf(i.id) ?? []);
      const texts = await source.readTexts(seqs);
      const abstractOf = new Map([...texts.values()].map((t) => [t.id, t.abstract]));
      return r.items.map((i) => ({ id: i.id, title: i.title, authors: i.authors, abstract: abstractOf.get(i.id) ?? '', date: i.date, note: `${i.explanation} (score ${i.score.toFixed(2)})` }));
    },
  };
}

export type ForYouService = ReturnType<typeof createForYouService>;
