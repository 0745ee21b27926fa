import type { FusionInput } from '../../core/search/fusion.ts';
import { snippet } from '../../core/search/snippet.ts';
import { latexTextToPlain } from '../../core/latex-text.ts';
import type { TextSource } from '../../ports/text-source.ts';
import type { DocTable } from './doc-table.ts';
import type { LexicalSide } from './lexical-side.ts';
import type { SearchHit } from './search-types.ts';

/** A ranked paper on its way to becoming a hit: seq, score and how each side scored it. */
export interface Scored {
  docId: number;
  score: number;
  input: FusionInput;
}

/**
 * The hits of one page: texts are read for these papers only, matched terms come from postings,
 * the snippet marks them. Papers whose text is gone (deleted since the search began) are left out.
 */
export async function buildHits(
  page: readonly Scored[],
  from: { docs: DocTable; lexical: LexicalSide; texts: TextSource },
  queryTerms: readonly string[],
  withSnippets = true,
): Promise<SearchHit[]> {
  const texts = await from.texts.read(page.map((s) => s.docId));
  const hits: SearchHit[] = [];
  for (const { docId, score, input } of page) {
    const text = texts.get(docId);
    if (!text) continue;
    const matchedTerms = queryTerms.filter((term) => from.lexical.contains(docId, { term }));
    hits.push({
      docId,
      id: text.id,
      title: text.title,
      authors: text.authors,
      categories: text.categories,
      date: text.date,
      signals: from.docs.signals(docId),
      score,
      snippet: withSnippets ? snippet(latexTextToPlain(text.abstract || text.title), new Set(matchedTerms)) : '',
      explanation: {
        lexical: input.lexical,
        semantic: input.semantic ? { score: input.semantic.score, rank: Math.max(0, input.semantic.rank) } : null,
        fused: score,
        matchedTerms,
      },
    });
  }
  return hits;
}
