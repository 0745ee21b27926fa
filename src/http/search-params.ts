import { z } from 'zod';
import type { SearchRequest } from '../app/search/search-engine.ts';
import { categoryList, isoDay, pageParam } from './validate.ts';

/** Search parameters as pages, the API and feeds accept them. */
export const searchQuery = z.object({
  q: z.string().max(500, 'must be at most 500 characters').default(''),
  mode: z.enum(['hybrid', 'lexical', 'keyword', 'semantic']).default('hybrid').transform((m) => (m === 'keyword' ? 'lexical' : m)),
  sort: z.enum(['relevance', 'date', 'trending']).default('relevance'),
  category: z.union([z.literal(''), categoryList]).optional(),
  from: z.union([z.literal(''), isoDay]).optional(),
  to: z.union([z.literal(''), isoDay]).optional(),
  author: z.string().max(200, 'must be at most 200 characters').optional(),
  page: pageParam,
});

type SearchParams = z.infer<typeof searchQuery>;

/** True when a search has something to search by: words, a category or an author. */
export const hasSearchInput = (q: SearchParams) => q.q.trim() !== '' || (q.category || []).length > 0 || !!q.author;

/** The engine request for validated search parameters (pages, API and feeds share it). */
export function searchRequestOf(q: SearchParams): SearchRequest {
  const categories = q.category || [];
  return {
    query: q.q, mode: q.mode,
    // Filters without words: newest first unless another order was asked for.
    sort: q.q.trim() === '' && q.sort === 'relevance' ? 'date' : q.sort,
    ...(categories.length ? { categories } : {}), ...(q.from ? { from: q.from } : {}), ...(q.to ? { to: q.to } : {}), ...(q.author ? { author: q.author } : {}),
  };
}
