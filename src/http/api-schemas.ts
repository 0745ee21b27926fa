/**
 * Response bodies of the JSON API as zod schemas: the OpenAPI document is generated from them and
 * the route tests check real responses against them, so the document cannot drift from the code.
 */
import { z } from 'zod';

export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), parameter: z.string().optional(), requestId: z.string().optional() }),
});

const TrendingParts = z.object({ localVotes: z.number(), hfUpvotes: z.number(), githubStars: z.number(), readers: z.number(), saves: z.number() });
const Trending = z.object({
  score: z.number(), attention: z.number(), ageDays: z.number(),
  basis: z.enum(['window', 'totals']).meta({ description: 'window: signals gained in the period (momentum); totals: signals owned' }),
  signals: TrendingParts, parts: TrendingParts,
}).meta({ description: 'attention / (ageDays + 2)^1.5 with attention = votes + HF upvotes + 2·log2(1 + stars) + log2(1 + readers) + 2·saves (docs/trending.md)' });

export const PaperCardBody = z.object({
  id: z.string(), title: z.string(), authors: z.array(z.string()), categories: z.array(z.string()), date: z.string().nullable(),
  upvotes: z.number().int(), hfUpvotes: z.number().nullable(), githubStars: z.number().nullable(), trending: Trending,
  url: z.string(),
});

const DataAsOf = z.string().nullable().describe('the newest paper\'s day (YYYY-MM-DD) when it is more than two days old, so the data may be stale; null while it is fresh');

export const PageBody = <T extends z.ZodType>(item: T) => z.object({
  items: z.array(item), total: z.number().int(), page: z.number().int(), limit: z.number().int(), nextPage: z.number().int().nullable(),
  dataAsOf: DataAsOf,
});

const Links = z.object({ abs: z.string().optional(), pdf: z.string().optional(), html: z.string().optional(), code: z.string().optional(), project: z.string().optional() });
export const PaperBody = z.object({
  id: z.string(), version: z.number().int().nullable(), title: z.string(), abstract: z.string(), authors: z.array(z.string()),
  categories: z.array(z.string()), primaryCategory: z.string().nullable(), submittedAt: z.string().nullable(), updatedAt: z.string().nullable(),
  announcedAt: z.string().nullable(), comments: z.string().nullable(), journalRef: z.string().nullable(), doi: z.string().nullable(), license: z.string().nullable(),
  links: Links, signals: z.array(z.object({ source: z.string(), name: z.string(), value: z.unknown(), observedAt: z.string() })),
  deleted: z.boolean(), source: z.string(), firstSeenAt: z.string(), lastChangedAt: z.string(),
  upvotes: z.number().int(), trending: Trending.nullable(), bibtex: z.string(), url: z.string(),
});

const Side = z.object({ score: z.number(), rank: z.number().int() }).nullable();
export const SearchHitBody = z.object({
  id: z.string(), title: z.string(), authors: z.array(z.string()), categories: z.array(z.string()), date: z.string().nullable(),
  upvotes: z.number().int(), hfUpvotes: z.number().nullable(), score: z.number(), snippet: z.string().describe('HTML-safe, matched terms in <mark>'),
  explanation: z.object({ lexical: Side, semantic: Side, fused: z.number(), matchedTerms: z.array(z.string()) }),
  url: z.string(),
});

export const SearchBody = z.object({
  query: z.string(), mode: z.enum(['hybrid', 'lexical', 'semantic', 'id']), fusion: z.enum(['convex', 'rrf']).nullable(),
  items: z.array(SearchHitBody), total: z.number().int(), page: z.number().int(), limit: z.number().int(), nextPage: z.number().int().nullable(),
  dataAsOf: DataAsOf,
  months: z.array(z.object({ month: z.string(), papers: z.number().int() })), notices: z.array(z.string()),
});

export const SimilarBody = z.object({ id: z.string(), mode: z.enum(['semantic', 'lexical']), items: z.array(SearchHitBody) });
export const TrendingBody = PageBody(PaperCardBody).extend({
  period: z.enum(['day', 'week', 'month']), from: z.string(), to: z.string(), now: z.string(),
  basis: z.enum(['momentum', 'totals', 'newest']).meta({ description: 'newest: no signals in the period, the items are the newest papers' }),
});
export const DailyBody = PageBody(PaperCardBody).extend({ date: z.string(), view: z.enum(['day', 'week', 'month']), from: z.string(), to: z.string(), previous: z.string(), next: z.string() });

/** The item shape of Hugging Face's /api/daily_papers (the fields its clients read). */
export const HfDailyItem = z.object({
  paper: z.object({
    id: z.string(), authors: z.array(z.object({ name: z.string() })), publishedAt: z.string(), title: z.string(), summary: z.string(),
    upvotes: z.number().int(), githubRepo: z.string().optional(), githubStars: z.number().optional(), projectPage: z.string().optional(),
  }),
  publishedAt: z.string(), title: z.string(), summary: z.string(), numComments: z.number().int(),
});
export const HfDailyBody = z.array(HfDailyItem);

export const SessionBody = z.object({ user: z.object({ email: z.string(), createdAt: z.string() }).nullable(), csrfToken: z.string() });
export const VoteBody = z.object({ id: z.string(), voted: z.boolean(), upvotes: z.number().int() });
export const ListChangeBody = z.object({ id: z.string(), list: z.enum(['library', 'hidden', 'mine']), on: z.boolean() });
export const LibraryBody = PageBody(PaperCardBody.extend({ addedAt: z.string() }));
/** GET /api/recommendations (docs/recommendations.md). */
export const RecommendationsBody = z.object({
  window: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
  likes: z.number().int(), dislikes: z.number().int(), candidates: z.number().int(), unembedded: z.number().int(),
  basedOn: z.object({ saved: z.number().int(), upvoted: z.number().int(), mine: z.number().int(), hidden: z.number().int(), withoutEmbedding: z.number().int() }),
  summary: z.string(), coldStart: z.boolean(), fewRatings: z.boolean(),
  notice: z.string().nullable(),
  items: z.array(z.object({
    id: z.string(), title: z.string(), authors: z.array(z.string()), date: z.string().nullable(), categories: z.array(z.string()), url: z.string(),
    score: z.number(), parts: z.object({ embedding: z.number(), text: z.number() }),
    because: z.array(z.object({ id: z.string(), title: z.string(), similarity: z.number(), kind: z.enum(['mine', 'saved', 'upvoted']) })),
    explanation: z.string(),
  })),
});
export const AcceptedBody = z.object({ status: z.literal('accepted'), message: z.string() });
export const StatsBody = z.object({
  papers: z.number().int(), deleted: z.number().int(),
  byCategory: z.array(z.object({ category: z.string(), papers: z.number().int() })),
  byPrimaryCategory: z.array(z.object({ category: z.string(), papers: z.number().int() })),
  byMonth: z.array(z.object({ month: z.string(), papers: z.number().int() })),
});
