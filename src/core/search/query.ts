import { parsePaperId } from '../paper-id.ts';

export type SearchField = 'title' | 'abstract' | 'authors';

/** One element of a query: a word or a quoted phrase, maybe fielded, maybe negated. */
export interface QueryPart {
  kind: 'word' | 'phrase';
  text: string;
  fields?: SearchField[];
  negated: boolean;
}

export interface ParsedQuery {
  /** Set when the whole query is an arXiv id (with or without version): jump to the paper. */
  paperId: string | null;
  /** Groups of alternatives joined by OR; a group of one is a plain part. */
  groups: QueryPart[][];
  /** `cat:` filters (exact category like `cs.CL`, or an archive like `cs`). */
  categories: string[];
  /** Free text for the semantic side: words and phrases, without operators and negated parts. */
  text: string;
}

const FIELDS: Record<string, SearchField[] | 'cat'> = {
  ti: ['title'],
  title: ['title'],
  au: ['authors'],
  author: ['authors'],
  abs: ['abstract'],
  abstract: ['abstract'],
  cat: 'cat',
};

/**
 * Parses the search syntax: `"exact phrase"`, `-excluded` (words or phrases), `a OR b`, field
 * prefixes `ti:` `au:` `abs:` (also on phrases: `ti:"graph neural"`), `cat:cs.CL` filters, and a bare
 * arXiv id (`2401.01234`, `2401.01234v2`, `arXiv:hep-th/9901001`). Plain words are OR-ed and ranked by
 * BM25F (a document matching more of them ranks higher); phrases outside OR groups are required.
 * Never throws: unbalanced quotes close at the end, unknown prefixes are plain words.
 */
export function parseQuery(input: string): ParsedQuery {
  const trimmed = input.trim();
  const asId = parsePaperId(trimmed.replace(/^id:/i, ''));
  if (asId && (asId.kind === 'arxiv-new' || asId.kind === 'arxiv-old')) {
    return { paperId: asId.id, groups: [], categories: [], text: '' };
  }
  const categories: string[] = [];
  const parts: (QueryPart | 'OR')[] = [];
  const re = /(-?)(?:([a-zA-Z]+):)?(?:"([^"]*)"?|(\S+))/g;
  for (const match of trimmed.matchAll(re)) {
    const [, minus, prefix, phrase, word] = match;
    if (word === 'OR' && !prefix && !minus) {
      parts.push('OR');
      continue;
    }
    const field = prefix ? FIELDS[prefix.toLowerCase()] : undefined;
    if (field === 'cat') {
      const value = (phrase ?? word ?? '').trim();
      if (value) categories.push(value);
      continue;
    }
    // An unknown prefix is part of the word (`foo:bar`).
    const text = (phrase ?? (prefix && !field ? `${prefix}:${word}` : word) ?? '').trim();
    if (!text) continue;
    parts.push({
      kind: phrase !== undefined ? 'phrase' : 'word',
      text,
      ...(field ? { fields: field } : {}),
      negated: minus === '-',
    });
  }
  const groups: QueryPart[][] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === 'OR') continue;
    if (parts[i - 1] === 'OR' && groups.length > 0 && !part.negated) groups[groups.length - 1]!.push(part);
    else groups.push([part]);
  }
  const text = groups.flat().filter((p) => !p.negated).map((p) => p.text).join(' ');
  return { paperId: null, groups, categories, text };
}

/** The query as plain words, no syntax (evaluation, "more like this"). */
export function plainQuery(input: string): ParsedQuery {
  const words = input.split(/\s+/).filter(Boolean);
  return { paperId: null, groups: words.map((text) => [{ kind: 'word', text, negated: false }]), categories: [], text: input.trim() };
}
