import { parsePaperId } from './paper-id.ts';

/**
 * The arXiv ids in what a reader pastes as "my papers": a list of ids (arXiv ids, `arXiv:` ids,
 * abs/pdf URLs, separated by spaces, commas or lines) or a BibTeX file. In BibTeX, an entry's arXiv
 * id is where reference managers and arXiv's own export put it: `eprint` (arXiv's "Export
 * BibTeX", Zotero, Google Scholar's `journal={arXiv preprint arXiv:...}`), an arxiv.org URL, or the
 * arXiv DOI (10.48550/arXiv.ID), in the fields that locate the entry itself: an id cited in its
 * abstract or note is not taken for the entry's own. Entries without one are named, not guessed: matching a published
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
/** "arXiv:ID", "arXiv.ID" (the DOI 10.48550/arXiv.ID) or "arxiv.org/abs/ID" in a field's value. */
const IN_VALUE = new RegExp([String.raw`arxiv\s*[:.]\s*${ANY_ID}`, String.raw`arxiv\.org\/(?:abs|pdf)\/${ANY_ID}`].join('|'), 'gi');
/** Fields whose whole value is an arXiv id. */
const ID_FIELDS = new Set(['eprint', 'arxivid', 'arxiv']);
/**
 * Fields that say where the entry itself is published or found. Not the abstract, note, title or
 * annotations: an "arXiv:ID" there is usually a paper the entry cites, not the entry.
 */
const WHERE_FIELDS = new Set(['url', 'pdf', 'doi', 'journal', 'journaltitle', 'howpublished', 'archiveprefix', 'eprinttype', 'publisher', 'series']);

/**
 * The fields of an entry (the text after `@type{key,`), name in lower case → value without its
 * braces or quotes (the first of a repeated name). Braces nest; a quoted value ends at the next quote.
 */
function entryFields(body: string): Map<string, string> {
  const out = new Map<string, string>();
  const name = /([A-Za-z][\w:-]*)\s*=\s*/g;
  for (let m = name.exec(body); m; m = name.exec(body)) {
    const start = name.lastIndex;
    let end: number;
    let value: string;
    if (body[start] === '{') {
      let depth = 0;
      for (end = start; end < body.length; end++) {
        if (body[end] === '{') depth++;
        else if (body[end] === '}' && --depth === 0) break;
      }
      value = body.slice(start + 1, end);
      end++;
    } else if (body[start] === '"') {
      end = body.indexOf('"', start + 1);
      if (end < 0) end = body.length;
      value = body.slice(start + 1, end);
      end++;
    } else {
      value = /^[^,}\s]*/.exec(body.slice(start))![0];
      end = start + value.length;
    }
    name.lastIndex = end;
    const key = m[1]!.toLowerCase();
    if (!out.has(key)) out.set(key, value);
  }
  return out;
}

/** The arXiv ids an entry names for itself (see {@link ID_FIELDS}, {@link WHERE_FIELDS}). */
function entryIds(body: string): (string | null)[] {
  const found: (string | null)[] = [];
  for (const [field, value] of entryFields(body)) {
    if (ID_FIELDS.has(field)) found.push(canonical(value.trim().replace(/^arxiv:\s*/i, '')));
    else if (WHERE_FIELDS.has(field)) for (const m of value.matchAll(IN_VALUE)) found.push(canonical(m[1] ?? m[2]!));
  }
  return found;
}

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
      const body = text.slice(entry.index + entry[0].length, entries[i + 1]?.index ?? text.length);
      let found = false;
      for (const id of entryIds(body)) found = push(ids, seen, id) || found;
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
