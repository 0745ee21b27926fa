import { eachTerm } from '../../core/search/analyzer.ts';
import type { TermClause } from '../../core/search/lexical-index.ts';
import type { ParsedQuery, QueryPart } from '../../core/search/query.ts';

/** A parsed query turned into index clauses, plus the phrase checks done on candidates. */
export interface PhraseClause {
  terms: string[];
  fields?: readonly string[];
}

export interface Clauses {
  should: TermClause[];
  must: TermClause[][];
  mustNot: TermClause[];
  phrases: PhraseClause[];
  negatedPhrases: PhraseClause[];
}

function termsOf(part: QueryPart): string[] {
  const out: string[] = [];
  eachTerm(part.text, (term) => out.push(term));
  return out;
}

/** Query parts to index clauses: words and phrases score; phrases outside OR groups are required. */
export function buildClauses(parsed: ParsedQuery): Clauses {
  const clauses: Clauses = { should: [], must: [], mustNot: [], phrases: [], negatedPhrases: [] };
  for (const group of parsed.groups) {
    for (const part of group) {
      const terms = termsOf(part);
      if (terms.length === 0) continue;
      const fields = part.fields;
      if (part.negated) {
        if (part.kind === 'phrase' && terms.length > 1) clauses.negatedPhrases.push({ terms: phraseTerms(part), ...(fields ? { fields } : {}) });
        else clauses.mustNot.push({ term: terms[0]!, ...(fields ? { fields } : {}) });
        continue;
      }
      for (const term of terms) clauses.should.push({ term, ...(fields ? { fields } : {}) });
      if (part.kind === 'phrase' && group.length === 1) {
        for (const term of new Set(terms)) clauses.must.push([{ term, ...(fields ? { fields } : {}) }]);
        if (terms.length > 1) clauses.phrases.push({ terms: phraseTerms(part), ...(fields ? { fields } : {}) });
      }
    }
  }
  return clauses;
}

/** The terms of a phrase at successive positions (compound forms dropped: parts carry the order). */
function phraseTerms(part: QueryPart): string[] {
  const byPosition: string[] = [];
  eachTerm(part.text, (term, position) => {
    byPosition[position] = term;
  });
  return byPosition.filter((t): t is string => t !== undefined);
}

/** Whether the analysed text holds the terms at consecutive positions (stop-word gaps allowed). */
export function containsSequence(text: string, terms: readonly string[]): boolean {
  if (terms.length === 0) return true;
  const positions: { term: string; position: number }[] = [];
  eachTerm(text, (term, position) => positions.push({ term, position }));
  const at = new Map<number, string[]>();
  for (const p of positions) {
    const list = at.get(p.position);
    if (list) list.push(p.term);
    else at.set(p.position, [p.term]);
  }
  const ordered = [...at.keys()].sort((a, b) => a - b);
  for (let i = 0; i < ordered.length; i++) {
    let k = 0;
    for (let j = i; j < ordered.length && k < terms.length; j++) {
      if (!at.get(ordered[j]!)!.includes(terms[k]!)) break;
      k++;
    }
    if (k === terms.length) return true;
  }
  return false;
}
