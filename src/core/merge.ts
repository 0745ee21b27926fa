import { COMPARED_FIELDS, type Paper, type PaperInput, type Signal } from './paper.ts';

export type MergeOutcome = 'added' | 'updated' | 'unchanged' | 'deleted';

/** What to do with one incoming record, given what is stored. */
export type MergeDecision =
  | { outcome: 'added'; paper: Paper }
  | { outcome: 'updated'; paper: Paper; changed: string[] }
  | { outcome: 'deleted'; paper: Paper }
  | { outcome: 'unchanged'; reason?: string };

/**
 * Decides how an incoming record changes a stored paper. The rules, in order:
 * - a deletion marks a stored paper deleted (and is a no-op for an unknown one);
 * - a record of an older version than the stored one never touches the bibliographic fields, and
 *   neither does one whose `updatedAt` is older when the versions are equal or unknown;
 * - otherwise every field the record carries replaces the stored one and fields it lacks are kept,
 *   so that a Hugging Face record never erases arXiv's categories;
 * - external signals merge by (source, name) whatever the version; a value keeps its observedAt
 *   until it changes;
 * - when nothing compared differs, the outcome is 'unchanged', so re-importing changes nothing.
 * A stored paper under another id is the record's twin found by title (see {@link mergeTwins}).
 * `now` (ISO) stamps new signal observations.
 */
export function mergePaper(existing: Paper | undefined, input: PaperInput, now: string): MergeDecision {
  if (existing && existing.id !== input.id && !input.deleted) return mergeTwins(existing, input, now);
  if (input.deleted) {
    if (!existing) return { outcome: 'unchanged', reason: 'deletion of a paper that is not stored' };
    if (existing.deleted) return { outcome: 'unchanged', reason: 'already deleted' };
    return { outcome: 'deleted', paper: { ...existing, deleted: true, updatedAt: input.updatedAt ?? existing.updatedAt, source: input.source } };
  }
  if (!existing) return { outcome: 'added', paper: newPaper(input, now) };

  const stale = staleness(existing, input);
  const merged: Paper = stale ? { ...existing } : applyFields(existing, input);
  const signals = mergeSignals(existing.signals, input.signals, now);
  merged.signals = signals.list;

  const changed: string[] = [];
  for (const field of COMPARED_FIELDS) {
    if (!sameValue(existing[field], merged[field])) changed.push(field);
  }
  if (signals.changed) changed.push('signals');
  if (changed.length === 0) return stale ? { outcome: 'unchanged', reason: stale } : { outcome: 'unchanged' };
  merged.source = input.source;
  return { outcome: 'updated', paper: merged, changed };
}

/**
 * One paper known twice: a record without an id (`content:` id, e.g. title + abstract only) and an
 * arXiv paper with the same normalised title. The arXiv id and arXiv's metadata win, whichever came
 * first; the record without id only fills what arXiv left empty; signals of both are kept.
 * - arXiv record onto a stored record without id: the paper takes the arXiv id and every field the
 *   arXiv record carries (the stored paper keeps its seq, signals, embeddings, votes);
 * - record without id onto a stored arXiv paper: the paper keeps its id and fields, and gains only
 *   what it lacked (an abstract, authors, dates) and the record's signals.
 */
export function mergeTwins(existing: Paper, input: PaperInput, now: string): MergeDecision {
  if (input.id.startsWith('content:') && !existing.id.startsWith('content:')) {
    const fill: PaperInput = { id: existing.id, source: existing.source };
    for (const key of ['title', 'abstract'] as const) if (!existing[key] && input[key]) fill[key] = input[key];
    if (existing.authors.length === 0 && input.authors?.length) fill.authors = input.authors;
    if (existing.categories.length === 0 && input.categories?.length) fill.categories = input.categories;
    for (const key of ['submittedAt', 'updatedAt', 'announcedAt', 'comments', 'journalRef', 'doi', 'license'] as const) {
      if (existing[key] === null && input[key]) fill[key] = input[key];
    }
    const links = Object.fromEntries(Object.entries(input.links ?? {}).filter(([key]) => !existing.links[key as keyof Paper['links']]));
    if (Object.keys(links).length > 0) fill.links = links;
    if (input.signals) fill.signals = input.signals;
    const decision = mergePaper(existing, fill, now);
    return decision.outcome === 'unchanged' ? { outcome: 'unchanged', reason: `same title as ${existing.id}, which is kept` } : decision;
  }
  // The arXiv record wins: merged as if the paper had always had its id.
  const renamed: Paper = { ...existing, id: input.id };
  const decision = mergePaper(renamed, input, now);
  if (decision.outcome === 'updated') return { ...decision, changed: ['id', ...decision.changed] };
  return { outcome: 'updated', paper: { ...renamed, source: input.source }, changed: ['id'] };
}

function staleness(existing: Paper, input: PaperInput): string | null {
  const inV = input.version ?? null;
  const exV = existing.version;
  if (inV !== null && exV !== null) {
    if (inV < exV) return `older version v${inV} than the stored v${exV}`;
    if (inV > exV) return null;
  }
  if (input.updatedAt && existing.updatedAt && input.updatedAt.slice(0, 10) < existing.updatedAt.slice(0, 10)) {
    return `updated ${input.updatedAt.slice(0, 10)}, older than the stored ${existing.updatedAt.slice(0, 10)}`;
  }
  return null;
}

function newPaper(input: PaperInput, now: string): Paper {
  const categories = input.categories ?? [];
  return {
    id: input.id,
    version: input.version ?? null,
    title: input.title ?? '',
    abstract: input.abstract ?? '',
    authors: input.authors ?? [],
    categories,
    primaryCategory: categories[0] ?? null,
    submittedAt: input.submittedAt ?? null,
    updatedAt: input.updatedAt ?? null,
    announcedAt: input.announcedAt ?? null,
    comments: input.comments ?? null,
    journalRef: input.journalRef ?? null,
    doi: input.doi ?? null,
    license: input.license ?? null,
    links: { ...input.links },
    signals: mergeSignals([], input.signals, now).list,
    deleted: false,
    source: input.source,
  };
}

function applyFields(existing: Paper, input: PaperInput): Paper {
  const out: Paper = { ...existing, deleted: false };
  if (input.version !== undefined && input.version !== null) out.version = Math.max(input.version, existing.version ?? 0);
  if (input.title !== undefined) out.title = input.title;
  if (input.abstract !== undefined) out.abstract = input.abstract;
  if (input.authors !== undefined && input.authors.length > 0) out.authors = input.authors;
  if (input.categories !== undefined && input.categories.length > 0) {
    out.categories = input.categories;
    out.primaryCategory = input.categories[0] ?? null;
  }
  for (const key of ['submittedAt', 'updatedAt', 'announcedAt', 'comments', 'journalRef', 'doi', 'license'] as const) {
    const value = input[key];
    if (value !== undefined && value !== null) out[key] = value;
  }
  // The first submission and the first announcement never move later.
  if (existing.submittedAt && out.submittedAt && existing.submittedAt < out.submittedAt) out.submittedAt = existing.submittedAt;
  if (existing.announcedAt && out.announcedAt && existing.announcedAt < out.announcedAt) out.announcedAt = existing.announcedAt;
  if (input.links) out.links = { ...existing.links, ...input.links };
  return out;
}

function mergeSignals(existing: Signal[], incoming: PaperInput['signals'], now: string): { list: Signal[]; changed: boolean } {
  if (!incoming || incoming.length === 0) return { list: existing, changed: false };
  const list = existing.map((s) => ({ ...s }));
  let changed = false;
  for (const signal of incoming) {
    const found = list.find((s) => s.source === signal.source && s.name === signal.name);
    if (!found) {
      list.push({ ...signal, observedAt: now });
      changed = true;
    } else if (!sameValue(found.value, signal.value)) {
      found.value = signal.value;
      found.observedAt = now;
      changed = true;
    }
  }
  list.sort((a, b) => (a.source + '\u0000' + a.name < b.source + '\u0000' + b.name ? -1 : 1));
  return { list, changed };
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
