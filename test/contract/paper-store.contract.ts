/**
 * The contract of the PaperStore port (src/ports/paper-store.ts): one suite, run against every
 * adapter (paper-store.test.ts). A new adapter starts by passing it. Only the port is used here;
 * what an adapter does beyond it (SQLite's file migrations, PostgreSQL's pool) is tested beside it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { it } from 'node:test';
import { mergePaper } from '../../src/core/merge.ts';
import type { PaperInput } from '../../src/core/paper.ts';
import { contentId } from '../../src/core/paper-id.ts';
import { paperEmbeddingText } from '../../src/ports/embedder.ts';
import type { PaperChange, PaperStore } from '../../src/ports/paper-store.ts';

/** How the suite gets stores of one adapter. */
export interface PaperStoreHarness {
  /** A new, empty database; `open` connects a store to it (call it twice for two connections). */
  newDatabase(): Promise<{ open(now: () => string): Promise<PaperStore> }>;
}

const NOW = '2024-01-10T00:00:00.000Z';
const mergeAt = (now: string) => (existing: Parameters<typeof mergePaper>[0], input: PaperInput) => mergePaper(existing, input, now);
const merge = mergeAt(NOW);
const paper = (n: number, extra: Partial<PaperInput> = {}): PaperInput => ({
  id: `2401.${String(n).padStart(5, '0')}`, title: `Paper number ${n}`, abstract: `About ${n}`, authors: ['Ada Lovelace'],
  categories: ['cs.IR'], announcedAt: '2024-01-02', source: 'test', ...extra,
});
const full: PaperInput = {
  id: '2401.00001', version: 2, title: 'T', abstract: 'A', authors: ['Ada Lovelace', 'Kurt Gödel'], categories: ['cs.IR', 'cs.DB'],
  submittedAt: '2024-01-01T10:00:00.000Z', updatedAt: '2024-01-08T09:30:00.000Z', announcedAt: '2024-01-02', comments: 'c "quoted" \\ back',
  journalRef: 'j', doi: '10.1/x', license: 'CC-BY', links: { code: 'https://github.com/x/y', project: 'https://x.org/' },
  signals: [{ source: 'huggingface', name: 'aiKeywords', value: ['a', 'b'] }, { source: 'github', name: 'stars', value: 3 }], source: 'test',
};

/** Every change after `after`, read in pages of `limit`. */
export async function readFeed(store: PaperStore, after = 0, limit = 1000): Promise<PaperChange[]> {
  const all: PaperChange[] = [];
  for (;;) {
    const page = await store.changesSince(after, limit);
    if (page.length === 0) return all;
    all.push(...page);
    after = page[page.length - 1]!.changeSeq;
  }
}
const latest = async (store: PaperStore, id: string) => (await readFeed(store)).find((c) => c.id === id);
const collect = async <T>(rows: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const row of rows) out.push(row);
  return out;
};
const hashOf = (text: string) => createHash('sha1').update(text).digest('base64url');

/** Registers the contract's tests in the current describe block. */
export function paperStoreContract(harness: PaperStoreHarness): void {
  const stores: PaperStore[] = [];
  /** A store on a new database (closed by the test through `done`). */
  async function fresh(now: () => string = () => NOW) {
    const db = await harness.newDatabase();
    const open = async (clock = now) => {
      const store = await db.open(clock);
      stores.push(store);
      return store;
    };
    return { store: await open(), open };
  }
  const done = async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  };

  it('saves and loads every field of a paper unchanged, with derived arXiv links, through another connection', async () => {
    const { store, open } = await fresh();
    const [result] = await store.upsertPapers([full], merge);
    assert.deepEqual(result, { id: '2401.00001', outcome: 'added' });
    const other = await open();
    const loaded = await other.getPaper('2401.00001');
    assert.ok(loaded);
    const { signals, links, ...rest } = loaded;
    assert.deepEqual(rest, {
      id: '2401.00001', version: 2, title: 'T', abstract: 'A', authors: ['Ada Lovelace', 'Kurt Gödel'], categories: ['cs.IR', 'cs.DB'],
      primaryCategory: 'cs.IR', submittedAt: '2024-01-01T10:00:00.000Z', updatedAt: '2024-01-08T09:30:00.000Z', announcedAt: '2024-01-02',
      comments: 'c "quoted" \\ back', journalRef: 'j', doi: '10.1/x', license: 'CC-BY', deleted: false, source: 'test', firstSeenAt: NOW, lastChangedAt: NOW,
    });
    assert.deepEqual(links, {
      abs: 'https://arxiv.org/abs/2401.00001', pdf: 'https://arxiv.org/pdf/2401.00001', html: 'https://arxiv.org/html/2401.00001',
      code: 'https://github.com/x/y', project: 'https://x.org/',
    });
    assert.deepEqual(signals, [
      { source: 'github', name: 'stars', value: 3, observedAt: NOW },
      { source: 'huggingface', name: 'aiKeywords', value: ['a', 'b'], observedAt: NOW },
    ], 'signals by source, then name');
    assert.equal(await other.getPaper('2401.99999'), null);
    await done();
  });

  it('keeps first-seen and moves last-changed only when something changes; categories follow updates', async () => {
    let now = NOW;
    const { store } = await fresh(() => now);
    await store.upsertPapers([full], mergeAt(now));
    now = '2024-02-01T00:00:00.000Z';
    assert.deepEqual((await store.upsertPapers([full], mergeAt(now))).map((r) => r.outcome), ['unchanged']);
    assert.equal((await store.getPaper(full.id))?.lastChangedAt, NOW);
    const updated = await store.upsertPapers([{ ...full, version: 3, categories: ['cs.LG'] }], mergeAt(now));
    assert.deepEqual(updated[0], { id: full.id, outcome: 'updated', changed: ['version', 'categories', 'primaryCategory'] });
    const stored = await store.getPaper(full.id);
    assert.equal(stored?.firstSeenAt, NOW);
    assert.equal(stored?.lastChangedAt, now);
    assert.deepEqual((await store.stats()).byCategory, [{ category: 'cs.LG', papers: 1 }]);
    await done();
  });

  it('applies records of one batch in order and rolls the whole batch back when a merge fails', async () => {
    const { store } = await fresh();
    const results = await store.upsertPapers([{ ...full, version: 1 }, { ...full, version: 2 }, { ...full, version: 1 }, { ...full, id: '2401.00002', version: 1 }], merge);
    assert.deepEqual(results.map((r) => r.outcome), ['added', 'updated', 'unchanged', 'added']);
    assert.equal((await store.getPaper(full.id))?.version, 2);
    const mark = await store.lastChangeSeq();
    await assert.rejects(
      store.upsertPapers([{ ...full, id: '2402.00002' }, { ...full, id: '2402.00003' }], (existing, input) => {
        if (input.id === '2402.00003') throw new Error('boom');
        return merge(existing, input);
      }),
      /boom/,
    );
    assert.equal(await store.getPaper('2402.00002'), null, 'the batch was rolled back');
    assert.equal(await store.countPapers(), 2);
    assert.equal(await store.lastChangeSeq(), mark, 'and its change numbers were not used');
    await done();
  });

  it('marks deleted papers: out of the count and the statistics, in the feed, and a second deletion is unchanged', async () => {
    const { store } = await fresh();
    await store.upsertPapers([paper(1), paper(2, { categories: ['cs.DB'] })], merge);
    const [deleted] = await store.upsertPapers([{ id: '2401.00002', deleted: true, source: 'oai' }], merge);
    assert.deepEqual(deleted, { id: '2401.00002', outcome: 'deleted' });
    assert.equal((await store.getPaper('2401.00002'))?.deleted, true);
    assert.equal(await store.countPapers(), 1);
    const stats = await store.stats();
    assert.deepEqual([stats.papers, stats.deleted], [1, 1]);
    assert.deepEqual(stats.byCategory, [{ category: 'cs.IR', papers: 1 }]);
    const again = await store.upsertPapers([{ id: '2401.00002', deleted: true, source: 'oai' }, { id: '2401.09999', deleted: true, source: 'oai' }], merge);
    assert.deepEqual(again.map((r) => r.outcome), ['unchanged', 'unchanged']);
    await done();
  });

  it('counts papers per category, primary category and month, largest first', async () => {
    const { store } = await fresh();
    assert.deepEqual(await store.stats(), { papers: 0, deleted: 0, byCategory: [], byPrimaryCategory: [], byMonth: [] });
    await store.upsertPapers([
      paper(1, { categories: ['cs.IR', 'cs.DB'], announcedAt: '2024-01-02' }),
      paper(2, { categories: ['cs.DB'], announcedAt: '2024-02-05' }),
      paper(3, { categories: ['cs.DB', 'cs.IR'], announcedAt: null, submittedAt: '2023-12-30T10:00:00Z' }),
      paper(4, { categories: ['math.CO'], announcedAt: null }),
    ], merge);
    const stats = await store.stats();
    assert.equal(stats.papers, 4);
    assert.deepEqual(stats.byCategory, [{ category: 'cs.DB', papers: 3 }, { category: 'cs.IR', papers: 2 }, { category: 'math.CO', papers: 1 }]);
    assert.deepEqual(stats.byPrimaryCategory, [{ category: 'cs.DB', papers: 2 }, { category: 'cs.IR', papers: 1 }, { category: 'math.CO', papers: 1 }]);
    assert.deepEqual(stats.byMonth, [
      { month: '2023-12', papers: 1 }, { month: '2024-01', papers: 1 }, { month: '2024-02', papers: 1 }, { month: 'unknown', papers: 1 },
    ]);
    await done();
  });

  it('stores and returns harvest checkpoints', async () => {
    const { store } = await fresh();
    assert.equal(await store.getCheckpoint('cs|arXivRaw'), null);
    const checkpoint = { key: 'cs|arXivRaw', windowFrom: '2024-01-01', windowUntil: null, windowStartedOn: '2024-01-10', resumptionToken: 'tok', cursor: 100, harvestedThrough: null, updatedAt: NOW };
    await store.saveCheckpoint(checkpoint);
    assert.deepEqual(await store.getCheckpoint('cs|arXivRaw'), checkpoint);
    await store.saveCheckpoint({ ...checkpoint, resumptionToken: null, harvestedThrough: '2024-01-10' });
    assert.deepEqual(await store.getCheckpoint('cs|arXivRaw'), { ...checkpoint, resumptionToken: null, harvestedThrough: '2024-01-10' });
    await done();
  });

  it('merges a record without id and its arXiv twin into one paper, whichever comes first, in one batch or two', async () => {
    const title = 'A twin paper about ranking';
    const seed: PaperInput = { id: contentId(title), title, abstract: 'from elsewhere', source: 'hf', signals: [{ source: 'github', name: 'stars', value: 42 }] };
    const arxiv = paper(7, { title, abstract: 'the arXiv abstract' });
    for (const batches of [[[seed], [arxiv]], [[seed, arxiv]]]) {
      const { store } = await fresh();
      const results = [];
      for (const batch of batches) results.push(...(await store.upsertPapers(batch, merge)));
      assert.deepEqual(results.map((r) => [r.id, r.outcome]), [[seed.id, 'added'], ['2401.00007', 'updated']]);
      assert.equal(await store.countPapers(), 1);
      assert.equal(await store.getPaper(seed.id), null, 'no copy under the content id');
      const merged = await store.getPaper('2401.00007');
      assert.equal(merged?.abstract, 'the arXiv abstract');
      assert.deepEqual(merged?.signals.map((s) => [s.source, s.name, s.value]), [['github', 'stars', 42]], 'the signal is kept');
      const feed = await readFeed(store);
      assert.deepEqual(feed.map((c) => [c.seq, c.id]), [[1, '2401.00007']], 'the paper keeps its seq under its new id');
    }
    const { store } = await fresh();
    await store.upsertPapers([arxiv], merge);
    const [twin] = await store.upsertPapers([seed], merge);
    assert.equal(twin?.outcome, 'updated', 'the record without id adds its signal to the arXiv paper');
    assert.equal(twin?.id, '2401.00007');
    assert.deepEqual((await store.upsertPapers([{ ...seed, signals: [] }], merge)).map((r) => [r.id, r.outcome]), [['2401.00007', 'unchanged']]);
    assert.equal(await store.countPapers(), 1);
    await done();
  });

  it('hands out every paper once, in commit order, with what the index needs', async () => {
    const { store } = await fresh();
    assert.equal(await store.lastChangeSeq(), 0);
    await store.upsertPapers([paper(1), paper(2)], merge);
    await store.upsertPapers([paper(3)], merge);
    await store.upsertPapers([paper(1, { title: 'Paper number one, retitled' })], merge);
    const feed = await readFeed(store, 0, 2);
    assert.deepEqual(feed.map((c) => c.id), ['2401.00002', '2401.00003', '2401.00001'], 'paper 1 appears once, at its latest change');
    assert.deepEqual(feed.map((c) => c.changeSeq), [...feed.map((c) => c.changeSeq)].sort((a, b) => a - b));
    assert.equal(new Set(feed.map((c) => c.changeSeq)).size, 3);
    assert.equal(await store.lastChangeSeq(), feed[2]!.changeSeq);
    const one = feed[2]!;
    assert.equal(one.title, 'Paper number one, retitled');
    assert.equal(one.textSeq, one.changeSeq);
    assert.deepEqual({ authors: one.authors, categories: one.categories, date: one.date, deleted: one.deleted, localVotes: one.localVotes, hf: one.hfUpvotes },
      { authors: ['Ada Lovelace'], categories: ['cs.IR'], date: '2024-01-02', deleted: false, localVotes: 0, hf: null });
    assert.deepEqual(await store.changesSince(one.changeSeq, 10), [], 'nothing after the last change');
    await assert.rejects(store.changesSince(0, 0), /limit must be a positive integer, got 0/);
    await done();
  });

  it('gives each database its own store id, the same through every connection', async () => {
    const a = await fresh();
    const again = await a.open();
    const b = await fresh();
    const id = await a.store.storeId();
    assert.match(id, /^[0-9a-f]{32}$/);
    assert.equal(await again.storeId(), id);
    assert.notEqual(await b.store.storeId(), id);
    await done();
  });

  it('orders changes of two connections by commit, papers and embeddings on one counter', async () => {
    const { store: a, open } = await fresh();
    const b = await open();
    await a.upsertPapers([paper(1)], merge);
    await b.upsertPapers([paper(2)], merge);
    await a.saveEmbeddings('m', [{ seq: 1, textHash: 'h', vector: Float32Array.of(1, 0) }]);
    await b.upsertPapers([paper(3)], merge);
    await a.upsertPapers([paper(1, { abstract: 'changed' })], merge);
    const feed = await readFeed(b);
    assert.deepEqual(feed.map((c) => c.id), ['2401.00002', '2401.00003', '2401.00001']);
    const [vector] = await b.embeddingChangesSince('m', 0, 10);
    assert.ok(vector && vector.changeSeq > feed[0]!.changeSeq && vector.changeSeq < feed[1]!.changeSeq, 'the embedding sits between the commits around it');
    assert.equal(await a.lastChangeSeq(), feed[2]!.changeSeq);
    await done();
  });

  it('skips no change while two connections write at once and a reader pages the feed', async () => {
    const { store: reader, open } = await fresh();
    const writers = [await open(), await open()];
    const rounds = 15;
    let writing = true;
    const writes = Promise.all(writers.map(async (w, k) => {
      for (let i = 0; i < rounds; i++) {
        const n = 10 + k * 1000 + i;
        await w.upsertPapers([paper(n), paper(n + 500), paper(1, { abstract: `by ${k} at ${i}` })], merge);
        if (i % 3 === 0) await w.upsertPapers([paper(n, { signals: [{ source: 'huggingface', name: 'upvotes', value: i }] })], merge);
      }
    })).finally(() => (writing = false));
    const seen: PaperChange[] = [];
    let position = 0;
    for (;;) {
      const finished = !writing; // read before the page: a page read after the writers ended sees all of it
      const page = await reader.changesSince(position, 3);
      seen.push(...page);
      if (page.length > 0) position = page[page.length - 1]!.changeSeq;
      else if (finished) break;
      else await new Promise((resolve) => setImmediate(resolve));
    }
    await writes;
    const positions = seen.map((c) => c.changeSeq);
    assert.deepEqual(positions, [...new Set(positions)].sort((a, b) => a - b), 'strictly increasing: no change handed out twice');
    assert.equal(positions.at(-1), await reader.lastChangeSeq());
    const applied = new Map<number, string>();
    for (const c of seen) applied.set(c.seq, `${c.id} ${c.abstract} ${c.hfUpvotes}`);
    const stored = new Map<number, string>();
    for (const c of await readFeed(reader)) stored.set(c.seq, `${c.id} ${c.abstract} ${c.hfUpvotes}`);
    assert.equal(stored.size, 1 + 2 * rounds * 2);
    assert.deepEqual(applied, stored, 'applying the feed in order gives the stored state');
    await done();
  });

  it('moves change_seq but not text_seq on a signal-only change; text changes move both', async () => {
    const { store } = await fresh();
    await store.upsertPapers([paper(1)], merge);
    const before = (await latest(store, '2401.00001'))!;
    const [signalOnly] = await store.upsertPapers([{ id: '2401.00001', source: 'hf', signals: [{ source: 'huggingface', name: 'upvotes', value: 42 }] }], merge);
    assert.deepEqual(signalOnly?.changed, ['signals']);
    const after = (await latest(store, '2401.00001'))!;
    assert.ok(after.changeSeq > before.changeSeq);
    assert.equal(after.textSeq, before.textSeq, 'a signal-only change keeps text_seq');
    assert.equal(after.hfUpvotes, 42);
    await store.upsertPapers([paper(1, { categories: ['cs.IR', 'cs.DB'] })], merge);
    const recategorised = (await latest(store, '2401.00001'))!;
    assert.equal(recategorised.textSeq, recategorised.changeSeq, 'a category change is a text change');
    await store.upsertPapers([paper(1, { categories: ['cs.IR', 'cs.DB'], comments: '12 pages' })], merge);
    const commented = (await latest(store, '2401.00001'))!;
    assert.ok(commented.changeSeq > recategorised.changeSeq);
    assert.equal(commented.textSeq, recategorised.textSeq, 'a field the index does not hold is no text change');
    await done();
  });

  it('hands out deletions, and an unchanged re-import adds nothing to the feed', async () => {
    const { store } = await fresh();
    await store.upsertPapers([paper(1), paper(2)], merge);
    const mark = await store.lastChangeSeq();
    await store.upsertPapers([paper(2)], merge);
    assert.deepEqual(await store.changesSince(mark, 10), []);
    assert.equal(await store.lastChangeSeq(), mark);
    await store.upsertPapers([{ id: '2401.00001', deleted: true, source: 'oai' }], merge);
    const changes = await store.changesSince(mark, 10);
    assert.deepEqual(changes.map((c) => [c.id, c.deleted, c.textSeq === c.changeSeq]), [['2401.00001', true, true]]);
    await done();
  });

  it('hands out embeddings per model in commit order, replaced ones at their new place', async () => {
    const { store } = await fresh();
    await store.upsertPapers([paper(1), paper(2), paper(3)], merge);
    await store.saveEmbeddings('m', [1, 2, 3].map((seq) => ({ seq, textHash: 'h', vector: Float32Array.of(seq, 0.5) })));
    await store.saveEmbeddings('other', [{ seq: 1, textHash: 'h', vector: Float32Array.of(9, 9) }]);
    await store.saveEmbeddings('m', [{ seq: 1, textHash: 'h2', vector: Float32Array.of(7, 7) }]);
    const pages: number[][] = [];
    const seen = new Map<number, number[]>();
    for (let after = 0; ;) {
      const page = await store.embeddingChangesSince('m', after, 2);
      if (page.length === 0) break;
      pages.push(page.map((e) => e.seq));
      for (const e of page) seen.set(e.seq, [...e.vector]);
      after = page[page.length - 1]!.changeSeq;
    }
    assert.deepEqual(pages, [[2, 3], [1]]);
    assert.deepEqual(seen.get(1), [7, 7]);
    assert.deepEqual((await store.embeddingChangesSince('other', 0, 10)).map((e) => [e.seq, [...e.vector]]), [[1, [9, 9]]]);
    await assert.rejects(store.embeddingChangesSince('m', 0, 1.5), /limit must be a positive integer/);
    await done();
  });

  it('lists the papers that need an embedding, newest first, and forgets those saved until their text changes', async () => {
    const { store } = await fresh();
    const days = ['2023-05-01', '2026-11-30', '2024-02-10', '2026-06-01'];
    await store.upsertPapers(days.map((d, i) => paper(i, { announcedAt: d })), merge);
    await store.upsertPapers([{ id: '2401.00099', deleted: true, source: 'oai' }, paper(98), { id: '2401.00098', deleted: true, source: 'oai' }], merge);
    const first = await store.embeddingsNeeded('m', paperEmbeddingText, 3);
    assert.equal(first.remaining, 4, 'deleted papers need none');
    assert.deepEqual(first.jobs.map((j) => j.text), ['Paper number 1. About 1', 'Paper number 3. About 3', 'Paper number 2. About 2']);
    assert.ok(first.jobs.every((j) => j.textHash === hashOf(j.text)));
    await store.saveEmbeddings('m', first.jobs.map((j) => ({ seq: j.seq, textHash: j.textHash, vector: Float32Array.of(j.seq) })));
    const rest = await store.embeddingsNeeded('m', paperEmbeddingText);
    assert.deepEqual(rest.jobs.map((j) => j.text), ['Paper number 0. About 0']);
    assert.equal((await store.embeddingsNeeded('another/model', paperEmbeddingText)).remaining, 4, 'per model');
    await store.upsertPapers([paper(3, { announcedAt: '2026-06-01', abstract: 'Rewritten' })], merge);
    const changed = await store.embeddingsNeeded('m', paperEmbeddingText);
    assert.deepEqual(changed.jobs.map((j) => j.text).sort(), ['Paper number 0. About 0', 'Paper number 3. Rewritten']);
    await store.upsertPapers([paper(2, { announcedAt: '2024-02-10', comments: 'no text change' })], merge);
    assert.equal((await store.embeddingsNeeded('m', paperEmbeddingText)).remaining, 2, 'a change outside the text needs no new embedding');
    await done();
  });

  it('scans indexable rows and embeddings, all or changed since a time, skipping what the caller has', async () => {
    let now = NOW;
    const { store } = await fresh(() => now);
    await store.upsertPapers([paper(1), paper(2, { signals: [{ source: 'github', name: 'stars', value: 5 }] })], mergeAt(now));
    await store.saveEmbeddings('m', [{ seq: 1, textHash: 'h', vector: Float32Array.of(1, 2) }, { seq: 2, textHash: 'h', vector: Float32Array.of(3, 4) }]);
    now = '2024-01-11T00:00:00.000Z';
    await store.upsertPapers([paper(3), { id: '2401.00001', deleted: true, source: 'oai' }], mergeAt(now));
    await store.saveEmbeddings('m', [{ seq: 2, textHash: 'h2', vector: Float32Array.of(5, 6) }]);
    const all = await collect(store.scanIndexable());
    assert.deepEqual(all.map((r) => [r.seq, r.id, r.deleted, r.githubStars, r.lastChangedAt]), [
      [1, '2401.00001', true, null, now], [2, '2401.00002', false, 5, NOW], [3, '2401.00003', false, null, now],
    ]);
    assert.deepEqual(all[1], {
      seq: 2, id: '2401.00002', title: 'Paper number 2', abstract: 'About 2', authors: ['Ada Lovelace'], categories: ['cs.IR'],
      date: '2024-01-02', deleted: false, lastChangedAt: NOW, hfUpvotes: null, githubStars: 5,
    });
    assert.deepEqual((await collect(store.scanIndexable(now))).map((r) => r.seq), [1, 3]);
    assert.deepEqual((await collect(store.scanIndexable(undefined, (seq) => seq === 2))).map((r) => r.seq), [1, 3]);
    const vectors = await collect(store.scanEmbeddings('m'));
    assert.deepEqual(vectors.map((v) => [v.seq, [...v.vector], v.embeddedAt]), [[1, [1, 2], NOW], [2, [5, 6], now]]);
    assert.deepEqual((await collect(store.scanEmbeddings('m', now))).map((v) => v.seq), [2]);
    assert.deepEqual((await collect(store.scanEmbeddings('m', undefined, (seq) => seq === 1))).map((v) => v.seq), [2]);
    assert.deepEqual(await collect(store.scanEmbeddings('none')), []);
    await done();
  });

  it('reads the indexable rows of a page of hits in one call, by seq', async () => {
    const { store } = await fresh();
    await store.upsertPapers([paper(1), paper(2), paper(3, { signals: [{ source: 'huggingface', name: 'upvotes', value: 7 }] })], merge);
    const rows = await store.readIndexed([3, 1, 99]);
    assert.deepEqual([...rows.keys()].sort(), [1, 3]);
    assert.equal(rows.get(3)?.title, 'Paper number 3');
    assert.equal(rows.get(3)?.hfUpvotes, 7);
    assert.equal(rows.get(1)?.localVotes, 0);
    assert.equal((await store.readIndexed([])).size, 0);
    await done();
  });

  it('imports a large batch in one call and counts it', async () => {
    const { store } = await fresh();
    const batch = Array.from({ length: 2500 }, (_, i) => paper(10_000 + i, { categories: ['cs.IR', `x.${i % 7}`] }));
    const results = await store.upsertPapers(batch, merge);
    assert.equal(results.filter((r) => r.outcome === 'added').length, 2500);
    assert.equal(await store.countPapers(), 2500);
    assert.equal((await store.stats()).byCategory[0]?.papers, 2500);
    assert.equal((await readFeed(store, 0, 10_000)).length, 2500);
    assert.deepEqual((await store.upsertPapers(batch, merge)).filter((r) => r.outcome !== 'unchanged'), []);
    await done();
  });
}
