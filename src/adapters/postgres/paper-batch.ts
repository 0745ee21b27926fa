import type { Paper, PaperInput, Signal, StoredPaper } from '../../core/paper.ts';
import { isArxivId } from '../../core/paper-id.ts';
import { titleKey } from '../../core/title-key.ts';
import type { MergeFn, UpsertResult } from '../../ports/paper-store.ts';
import { hashTitleKey, indexedTextChanged } from '../sqlite/paper-rows.ts';
import { takeChangeCounter } from './change-counter.ts';
import { copyBoolean, copyIn, copyJson, copyNumber, copyRow, copyText } from './copy-in.ts';
import type { PoolClient } from './database.ts';
import { asStored, rowToPaper, storedLinks, type PgPaperRow, type PgSignalRow } from './paper-rows.ts';

const isUnidentified = (id: string) => id.startsWith('content:');

type TitleKeys = (title: string) => { key: string; hash: number };

/**
 * titleKey and its hash per title, each computed once a batch: a record's title is looked up,
 * matched against twins and written, and titleKey (TeX, Unicode folding) was the costliest step of
 * a batch in JavaScript when computed at each of those.
 */
function titleKeyCache(): TitleKeys {
  const cache = new Map<string, { key: string; hash: number }>();
  return (title) => {
    let known = cache.get(title);
    if (!known) {
      const key = titleKey(title);
      known = { key, hash: hashTitleKey(key) };
      cache.set(title, known);
    }
    return known;
  };
}

/** A paper of the batch as it stands after the records so far. */
interface Entry {
  /** The stored seq, or null for a paper this batch adds (its seq is drawn when it is written). */
  seq: number | null;
  /** Order among the batch's papers: the stored seq, new papers after every stored one. */
  order: number;
  /** The id stored before this batch (null for a new paper): a change is a rename. */
  storedId: string | null;
  paper: StoredPaper;
  changeSeq: number;
  textSeq: number;
  written: boolean;
  categoriesChanged: boolean;
  signals: Map<string, Signal>;
}

/**
 * Applies a batch of records inside `client`'s transaction: one read of every paper the batch can
 * touch (by id and by title key, for twins), the merges in memory in record order (a later record
 * sees an earlier one's result, as it would reading the table), then bulk writes per table (COPY
 * for new rows; INSERT ... SELECT FROM json_to_recordset or unnest with named, prepared statements
 * for the rest: the same statement text for any batch size). Returns the per-record outcomes.
 */
export async function applyPaperBatch(client: PoolClient, inputs: readonly PaperInput[], merge: MergeFn, now: () => string): Promise<UpsertResult[]> {
  // First, before reading anything: writers of the feed commit one at a time (change-counter.ts).
  const counter = await takeChangeCounter(client);
  const stamp = now();
  const keys = titleKeyCache();
  const state = await loadBatchState(client, inputs, keys);
  const results: UpsertResult[] = [];
  let fresh = 0;
  for (const input of inputs) {
    const stored = state.byId.get(input.id) ?? state.twinOf(input);
    const decision = merge(stored?.paper, input);
    if (decision.outcome === 'unchanged') {
      results.push({ id: stored?.paper.id ?? input.id, outcome: 'unchanged', ...(decision.reason ? { reason: decision.reason } : {}) });
      continue;
    }
    const paper = decision.paper;
    const changeSeq = counter.next();
    if (decision.outcome === 'added') {
      if (isUnidentified(paper.id)) state.unidentifiedStored = true;
      const entry: Entry = {
        seq: null, order: Number.MAX_SAFE_INTEGER / 2 + fresh++, storedId: null, paper: asStored(paper, stamp, stamp), changeSeq, textSeq: changeSeq,
        written: true, categoriesChanged: true, signals: new Map(paper.signals.map((s) => [`${s.source}\0${s.name}`, s])),
      };
      state.add(entry);
      results.push({ id: paper.id, outcome: 'added' });
      continue;
    }
    const entry = stored!;
    const before = entry.paper;
    entry.textSeq = indexedTextChanged(before, paper) ? changeSeq : entry.textSeq;
    entry.changeSeq = changeSeq;
    entry.written = true;
    if (JSON.stringify(before.categories) !== JSON.stringify(paper.categories)) entry.categoriesChanged = true;
    for (const signal of paper.signals) {
      const old = before.signals.find((s) => s.source === signal.source && s.name === signal.name);
      if (!old || old.observedAt !== signal.observedAt) entry.signals.set(`${signal.source}\0${signal.name}`, signal);
    }
    state.rename(entry, before.id, paper.id);
    entry.paper = asStored(paper, before.firstSeenAt, stamp);
    results.push(decision.outcome === 'updated' ? { id: paper.id, outcome: 'updated', changed: decision.changed } : { id: paper.id, outcome: 'deleted' });
  }
  await writeEntries(client, state.entries.filter((e) => e.written), keys);
  await counter.store();
  return results;
}

/** The papers a batch can touch, read once, and the lookups its records make among them. */
async function loadBatchState(client: PoolClient, inputs: readonly PaperInput[], titleKeys: TitleKeys) {
  const ids = [...new Set(inputs.map((i) => i.id))];
  const keys = [...new Set(inputs.filter((i) => !i.deleted && i.title && titleKeys(i.title).key).map((i) => titleKeys(i.title!).hash))];
  const { rows } = await client.query<PgPaperRow>({
    name: 'batch-load-papers',
    text: 'SELECT * FROM papers WHERE id = ANY($1::text[]) OR title_key = ANY($2::bigint[]) ORDER BY seq',
    values: [ids, keys],
  });
  const signals = await client.query<PgSignalRow>({
    name: 'batch-load-signals',
    text: 'SELECT paper_seq, source, name, value, observed_at FROM paper_signals WHERE paper_seq = ANY($1::bigint[]) ORDER BY paper_seq, source COLLATE "C", name COLLATE "C"',
    values: [rows.map((r) => r.seq)],
  });
  const signalsOf = new Map<number, PgSignalRow[]>();
  for (const s of signals.rows) signalsOf.set(s.paper_seq, [...(signalsOf.get(s.paper_seq) ?? []), s]);

  const entries: Entry[] = [];
  const byId = new Map<string, Entry>();
  const add = (entry: Entry) => {
    entries.push(entry);
    byId.set(entry.paper.id, entry);
  };
  for (const row of rows) {
    add({
      seq: row.seq, order: row.seq, storedId: row.id, paper: rowToPaper(row, signalsOf.get(row.seq) ?? []), changeSeq: row.change_seq,
      textSeq: row.text_seq, written: false, categoriesChanged: false, signals: new Map(),
    });
  }
  const state = {
    entries,
    byId,
    add,
    /**
     * Whether a paper without id may be among the entries: only then can an arXiv record have a
     * twin. Every paper that can be a twin of a record of the batch is loaded (same title key), so
     * the loaded rows tell; no query over the whole table (an `id LIKE 'content:%'` could not use
     * the index under a non-C collation and read every row, every batch).
     */
    unidentifiedStored: rows.some((row) => isUnidentified(row.id)),
    rename(entry: Entry, from: string, to: string) {
      if (from === to) return;
      if (isUnidentified(to)) state.unidentifiedStored = true;
      byId.delete(from);
      byId.set(to, entry);
    },
    /**
     * The twin of a record, as the SQLite store finds it: for a record without id the first live
     * arXiv paper (by seq) with the same title key; for an arXiv record the first paper without id.
     */
    twinOf(input: PaperInput): Entry | undefined {
      if (input.deleted || !input.title) return undefined;
      const wanted = isUnidentified(input.id)
        ? (p: Paper) => !p.deleted && !p.id.includes(':')
        : state.unidentifiedStored && isArxivId(input.id)
          ? (p: Paper) => isUnidentified(p.id)
          : null;
      if (!wanted) return undefined;
      const { key } = titleKeys(input.title);
      if (!key) return undefined;
      return entries
        .filter((e) => wanted(e.paper) && titleKeys(e.paper.title).key === key)
        .sort((a, b) => a.order - b.order)[0];
    },
  };
  return state;
}

const PAPER_COLUMNS = [
  ['seq', 'bigint'], ['id', 'text'], ['version', 'integer'], ['title', 'text'], ['abstract', 'text'], ['authors', 'jsonb'],
  ['categories', 'jsonb'], ['primary_category', 'text'], ['submitted_at', 'text'], ['updated_at', 'text'], ['announced_at', 'text'],
  ['comments', 'text'], ['journal_ref', 'text'], ['doi', 'text'], ['license', 'text'], ['links', 'jsonb'], ['deleted', 'boolean'],
  ['source', 'text'], ['title_key', 'bigint'], ['first_seen_at', 'text'], ['last_changed_at', 'text'], ['change_seq', 'bigint'], ['text_seq', 'bigint'],
] as const;

// The rows travel as one JSON document: JSON.stringify is native, where pg's encoding of 23 text
// arrays escaped every element in JavaScript (the costliest step of a batch after the merges).
const UPSERT_PAPERS = `INSERT INTO papers (${PAPER_COLUMNS.map(([c]) => c).join(', ')})
  SELECT ${PAPER_COLUMNS.map(([c]) => `u.${c}`).join(', ')}
  FROM json_to_recordset($1::json) AS u(${PAPER_COLUMNS.map(([c, type]) => `${c} ${type}`).join(', ')})
  ON CONFLICT (seq) DO UPDATE SET ${PAPER_COLUMNS.filter(([c]) => c !== 'seq' && c !== 'first_seen_at').map(([c]) => `${c} = excluded.${c}`).join(', ')}`;

/** A paper's row for {@link UPSERT_PAPERS}: one key per column of PAPER_COLUMNS. */
function paperRow(entry: Entry, titleKeys: TitleKeys): Record<(typeof PAPER_COLUMNS)[number][0], unknown> {
  const p = entry.paper;
  return {
    seq: entry.seq, id: p.id, version: p.version, title: p.title, abstract: p.abstract, authors: p.authors, categories: p.categories,
    primary_category: p.primaryCategory, submitted_at: p.submittedAt, updated_at: p.updatedAt, announced_at: p.announcedAt,
    comments: p.comments, journal_ref: p.journalRef, doi: p.doi, license: p.license, links: storedLinks(p), deleted: p.deleted,
    source: p.source, title_key: titleKeys(p.title).hash, first_seen_at: p.firstSeenAt, last_changed_at: p.lastChangedAt,
    change_seq: entry.changeSeq, text_seq: entry.textSeq,
  };
}

/** The same row as a COPY line (copy-in.ts), fields in PAPER_COLUMNS order. */
function paperCopyRow(entry: Entry, titleKeys: TitleKeys): string {
  const p = entry.paper;
  return copyRow([
    copyNumber(entry.seq), copyText(p.id), copyNumber(p.version), copyText(p.title), copyText(p.abstract), copyJson(p.authors),
    copyJson(p.categories), copyText(p.primaryCategory), copyText(p.submittedAt), copyText(p.updatedAt), copyText(p.announcedAt),
    copyText(p.comments), copyText(p.journalRef), copyText(p.doi), copyText(p.license), copyJson(storedLinks(p)), copyBoolean(p.deleted),
    copyText(p.source), copyNumber(titleKeys(p.title).hash), copyText(p.firstSeenAt), copyText(p.lastChangedAt),
    copyNumber(entry.changeSeq), copyNumber(entry.textSeq),
  ]);
}

function* mapRows<T>(items: readonly T[], row: (item: T) => string): Generator<string> {
  for (const item of items) yield row(item);
}

/**
 * Writes the batch's papers, categories and signals: a fixed number of statements whatever the
 * batch size. Papers already stored are upserted from one JSON document; new papers, which
 * nothing can conflict with (their seqs are drawn here, their ids were not found under the counter
 * lock), and the categories of every written paper go in by COPY (copy-in.ts), the cheaper path
 * on both sides, and the one a fresh import takes for every row.
 */
async function writeEntries(client: PoolClient, written: Entry[], titleKeys: TitleKeys): Promise<void> {
  if (written.length === 0) return;
  // New papers: no stored id (their seq is still null; it is drawn below).
  const isNew = (e: Entry) => e.storedId === null;
  const fresh = written.filter(isNew);
  if (fresh.length > 0) {
    const { rows } = await client.query<{ seq: number }>({
      name: 'batch-draw-seqs',
      text: "SELECT nextval(pg_get_serial_sequence('papers', 'seq')) AS seq FROM generate_series(1, $1::integer)",
      values: [fresh.length],
    });
    const seqs = rows.map((r) => r.seq).sort((a, b) => a - b);
    fresh.forEach((entry, i) => (entry.seq = seqs[i]!));
  }
  // Stored papers first: one renamed away from an id frees it before a new paper takes it.
  const ordered = [...written].sort((a, b) => a.order - b.order);
  const stored = ordered.filter((e) => !isNew(e));
  if (stored.length > 0) {
    const rows = JSON.stringify(stored.map((entry) => paperRow(entry, titleKeys)));
    await client.query({ name: 'batch-upsert-papers', text: UPSERT_PAPERS, values: [rows] });
  }
  if (fresh.length > 0) {
    await copyIn(client, `papers (${PAPER_COLUMNS.map(([c]) => c).join(', ')})`, mapRows(ordered.filter(isNew), (e) => paperCopyRow(e, titleKeys)));
  }

  // Votes, library and hidden papers followed the id (ON UPDATE CASCADE); mailed papers keep a
  // record under the new id too, and the vote count is read again (as the SQLite store does).
  const renamed = ordered.filter((e) => !isNew(e) && e.storedId !== e.paper.id);
  if (renamed.length > 0) {
    await client.query({
      name: 'batch-rename-sent',
      text: `UPDATE digest_papers_sent d SET paper_id = r.new_id FROM unnest($1::text[], $2::text[]) AS r(old_id, new_id)
        WHERE d.paper_id = r.old_id AND NOT EXISTS (SELECT 1 FROM digest_papers_sent x WHERE x.subscriber_id = d.subscriber_id AND x.paper_id = r.new_id)`,
      values: [renamed.map((e) => e.storedId), renamed.map((e) => e.paper.id)],
    });
    await client.query({
      name: 'batch-recount-votes',
      text: 'UPDATE papers SET local_votes = (SELECT COUNT(*) FROM votes v WHERE v.paper_id = papers.id) WHERE seq = ANY($1::bigint[])',
      values: [renamed.map((e) => e.seq)],
    });
  }

  const recategorised = ordered.filter((e) => e.categoriesChanged);
  if (recategorised.length > 0) {
    // A new paper has no categories yet: only stored ones are cleared.
    const cleared = recategorised.filter((e) => !isNew(e));
    if (cleared.length > 0) {
      await client.query({ name: 'batch-clear-categories', text: 'DELETE FROM paper_categories WHERE paper_seq = ANY($1::bigint[])', values: [cleared.map((e) => e.seq)] });
    }
    const cats = recategorised.flatMap((e) => [...new Set(e.paper.categories)].map((category) => copyRow([copyNumber(e.seq), copyText(category), String(e.paper.categories.indexOf(category))])));
    if (cats.length > 0) await copyIn(client, 'paper_categories (paper_seq, category, position)', cats);
  }

  const signals = ordered.flatMap((e) => [...e.signals.values()].map((s) => ({ seq: e.seq!, s })));
  if (signals.length > 0) {
    await client.query({
      name: 'batch-upsert-signals',
      text: `INSERT INTO paper_signals (paper_seq, source, name, value, observed_at)
        SELECT u.seq, u.source, u.name, u.value::jsonb, u.observed_at FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[]) AS u(seq, source, name, value, observed_at)
        ON CONFLICT (paper_seq, source, name) DO UPDATE SET value = excluded.value, observed_at = excluded.observed_at`,
      values: [signals.map((x) => x.seq), signals.map((x) => x.s.source), signals.map((x) => x.s.name), signals.map((x) => JSON.stringify(x.s.value)), signals.map((x) => x.s.observedAt)],
    });
  }
}
