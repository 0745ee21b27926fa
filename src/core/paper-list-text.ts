import { parsePaperId } from './paper-id.ts';

/**
 * The arXiv ids in what a reader pastes as "my papers": a list of ids (arXiv ids, `arXiv:` ids,
 * abs/pdf URLs, separated by spaces, commas or lines) or a BibTeX file. In BibTeX, an entry's arXiv
 * id is where reference managers and arXiv's own export put it: `eprint` (arXiv's "Export
 * BibTeX", Zotero, Google Scholar's `journal={arXiv preprint arXiv:...}`), an arxiv.org URL, or the
 * arXiv DOI (10.48550/arXiv.ID). Entries without one are named, not guessed: matching a published
 * paper by its title would take the wrong paper as often as the right one.
 */
export interface PastedPapers {
  /** Paper ids found, in order of appearance, without versions, each once. */
  ids: string[];
  /** BibTeX: the keys of entries in which no arXiv id was found. */
  entriesWithoutId: string[];
  /** A plain list: the words that are not paper ids. */
  notIds: string[];
  /** How the text was read. */
  format: 'bibtex' | 'list';
}

const NEW_ID = String.raw`\d{4}\.\d{4,5}(?:v\d+)?`;
const OLD_ID = String.raw`[a-z][a-z-]*(?:\.[A-Z]{2})?\/\d{7}(?:v\d+)?`;
const ANY_ID = `(${NEW_ID}|${OLD_ID})`;
/** Where an arXiv id sits in an entry: a field `eprint = {ID}`, "arXiv:ID", "arxiv.org/abs/ID", the arXiv DOI. */
const IN_ENTRY = new RegExp(
  [String.raw`eprint\s*=\s*[{"]\s*(?:arxiv:)?${ANY_ID}`, String.raw`arxiv\s*[:.]\s*${ANY_ID}`, String.raw`arxiv\.org\/(?:abs|pdf)\/${ANY_ID}`].join('|'),
  'gi',
);
/** A BibTeX entry's start: `@article{key,` (comments, strings and preambles are not entries). */
const ENTRY = /@\s*([A-Za-z]+)\s*[{(]\s*([^,\s]*)\s*,/g;

const canonical = (raw: string): string | null => parsePaperId(raw.replace(/\.pdf$/i, ''))?.id ?? null;

function push(ids: string[], seen: Set<string>, id: string | null): boolean {
  if (id === null) return false;
  if (!seen.has(id)) {
    seen.add(id);
    ids.push(id);
  }
  return true;
}

/** Reads a BibTeX file or a list of ids (see {@link PastedPapers}). */
export function readPastedPapers(text: string): PastedPapers {
  const ids: string[] = [];
  const seen = new Set<string>();
  const entries = [...text.matchAll(ENTRY)].filter((m) => !/^(comment|string|preamble)$/i.test(m[1]!));
  if (entries.length > 0) {
    const entriesWithoutId: string[] = [];
    entries.forEach((entry, i) => {
      const body = text.slice(entry.index, entries[i + 1]?.index ?? text.length);
      let found = false;
      for (const m of body.matchAll(IN_ENTRY)) found = push(ids, seen, canonical(m[1] ?? m[2] ?? m[3]!)) || found;
      if (!found) entriesWithoutId.push(entry[2] || `entry ${i + 1}`);
    });
    return { ids, entriesWithoutId, notIds: [], format: 'bibtex' };
  }
  const notIds: string[] = [];
  for (const word of text.split(/[\s,;]+/).filter(Boolean)) {
    if (!push(ids, seen, canonical(word))) notIds.push(word.slice(0, 80));
  }
  return { ids, entriesWithoutId: [], notIds, format: 'list' };
}
