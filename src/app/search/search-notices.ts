/** Notices a search response carries when its results are not what a full index would give. */

/** What a reader should know when only part of the papers have embeddings yet (null at 100 %). */
export function coverageNotice(embedded: number, papers: number, mode: 'hybrid' | 'semantic'): string | null {
  if (papers === 0 || embedded >= papers) return null;
  const share = embedded / papers;
  const percent = share < 0.01 ? '<1' : share > 0.99 ? '>99' : String(Math.round(share * 100));
  return mode === 'semantic'
    ? `semantic search covers ${percent} % of papers so far (the rest are being embedded); papers not embedded yet are missing from these results`
    : `semantic search covers ${percent} % of papers so far (the rest are being embedded); ranking by words for the rest`;
}

export const NO_MODEL = 'semantic search is unavailable: no embedding model is loaded (run `npm run model:fetch`); results are lexical only';

export const NOTHING_CLOSE = 'no paper contains these words, and none is close in meaning: check the spelling or try other words';

export const SEMANTIC_FAILED = 'semantic search failed for this query (the embedding model did not answer; see the log): results are by words only';
