import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createSqliteAccountStore } from '../src/adapters/sqlite/account-store.ts';
import { openDatabase } from '../src/adapters/sqlite/database.ts';
import { migrations } from '../src/adapters/sqlite/migrations.ts';
import { createSqlitePaperStore } from '../src/adapters/sqlite/paper-store.ts';
import { mergePaper } from '../src/core/merge.ts';
import type { PaperInput } from '../src/core/paper.ts';
import type { PaperChange, PaperStore } from '../src/ports/paper-store.ts';
import { tempDir } from './helpers.ts';

const NOW = '2024-01-10T00:00:00.000Z';
const merge = (existing: Parameters<typeof mergePaper>[0], input: PaperInput) => mergePaper(existing, input, NOW);
const paper = (n: number, extra: Partial<PaperInput> = {}): PaperInput => ({
  id: `2401.${String(n).padStart(5, '0')}`, title: `Paper number ${n}`, abstract: `About ${n}`, authors: ['Ada Lovelace'],
  categories: ['cs.IR'], announcedAt: '2024-01-02', source: 'test', ...extra,
});
const openStore = (file: string) => createSqlitePaperStore(file, { now: () => NOW });

/** Every change after `after`, read in pages of `limit`. */
async function readFeed(store: PaperStore, after = 0, limit = 1000): Promise<PaperChange[]> {
  const all: PaperChange[] = [];
  for (;;) {
    const page = await store.changesSince(after, limit);
    if (page.length === 0) return all;
    all.push(...page);
    after = page[page.length - 1]!.changeSeq;
  }
}
const latest = async (store: PaperStore, id: string) => (await readFeed(store)).find((c) => c.id === id);

describe('change feed (SQLite)', () => {
  it('hands out every paper once, in commit order, with what the index needs', async () => {
    const store = openStore(join(tempDir(), 'p.db'));
    assert.equal(await store.lastChangeSeq(), 0);
    await store.upsertPapers([paper(1), paper(2)], merge);
    await store.upsertPapers([paper(3)], merge);
    await store.upsertPapers([paper(1, { title: 'Paper number one, retitled' })], merge);
    const feed = await readFeed(store);
    assert.deepEqual(feed.map((c) => c.id), ['2401.00002', '2401.00003', '2401.00001'], 'paper 1 appears once, at its latest change');
    assert.deepEqual(feed.map((c) => c.changeSeq), [...feed.map((c) => c.changeSeq)].sort((a, b) => a - b));
    assert.equal(new Set(feed.map((c) => c.changeSeq)).size, 3);
    assert.equal(await store.lastChangeSeq(), feed[2]!.changeSeq);
    const one = feed[2]!;
    assert.equal(one.title, 'Paper number one, retitled');
    assert.equal(one.textSeq, one.changeSeq);
    assert.deepEqual({ authors: one.authors, categories: one.categories, date: one.date, deleted: one.deleted, localVotes: one.localVotes },
      { authors: ['Ada Lovelace'], categories: ['cs.IR'], date: '2024-01-02', deleted: false, localVotes: 0 });
    assert.deepEqual(await store.changesSince(one.changeSeq, 10), [], 'nothing after the last change');
    await store.close();
  });

  it('orders changes of two connections to one file by commit, papers and embeddings on one counter', async () => {
    const file = join(tempDir(), 'p.db');
    const a = openStore(file);
    const b = openStore(file);
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
    await a.close();
    await b.close();
  });

  it('moves change_seq but not text_seq on a signal-only import; text changes move both', async () => {
    const store = openStore(join(tempDir(), 'p.db'));
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
    assert.ok(recategorised.textSeq > after.changeSeq);
    await store.close();
  });

  it('hands out deletions, and an unchanged re-import adds nothing to the feed', async () => {
    const store = openStore(join(tempDir(), 'p.db'));
    await store.upsertPapers([paper(1), paper(2)], merge);
    const mark = await store.lastChangeSeq();
    await store.upsertPapers([paper(2)], merge);
    assert.deepEqual(await store.changesSince(mark, 10), []);
    await store.upsertPapers([{ id: '2401.00001', deleted: true, source: 'oai' }], merge);
    const changes = await store.changesSince(mark, 10);
    assert.deepEqual(changes.map((c) => [c.id, c.deleted, c.textSeq === c.changeSeq]), [['2401.00001', true, true]]);
    await store.close();
  });

  it('hands out votes with the new count, from the vote transaction of the account store', async () => {
    const store = openStore(join(tempDir(), 'p.db'));
    const accounts = createSqliteAccountStore(store.db);
    await store.upsertPapers([paper(1), paper(2)], merge);
    const ada = await accounts.findOrCreateUser('ada@example.org', NOW);
    const kurt = await accounts.findOrCreateUser('kurt@example.org', NOW);
    const mark = await store.lastChangeSeq();
    assert.equal(await accounts.setVote(ada.id, '2401.00002', true, NOW), 1);
    assert.equal(await accounts.setVote(kurt.id, '2401.00002', true, NOW), 2);
    let changes = await store.changesSince(mark, 10);
    assert.deepEqual(changes.map((c) => [c.id, c.localVotes]), [['2401.00002', 2]]);
    assert.ok(changes[0]!.textSeq <= mark, 'a vote is not a text change');
    const afterVotes = changes[0]!.changeSeq;
    assert.equal(await accounts.setVote(ada.id, '2401.00002', true, NOW), 2, 'voting twice counts once');
    assert.deepEqual(await store.changesSince(afterVotes, 10), [], 'a vote that changes nothing is no change');
    await accounts.setVote(ada.id, '2401.00002', false, NOW);
    changes = await store.changesSince(afterVotes, 10);
    assert.deepEqual(changes.map((c) => [c.id, c.localVotes]), [['2401.00002', 1]]);
    assert.equal((await store.readIndexed([2])).get(2)?.localVotes, 1);
    await store.close();
  });

  it('hands out embeddings per model in commit order, replaced ones at their new place', async () => {
    const store = openStore(join(tempDir(), 'p.db'));
    await store.upsertPapers([paper(1), paper(2), paper(3)], merge);
    await store.saveEmbeddings('m', [1, 2, 3].map((seq) => ({ seq, textHash: 'h', vector: Float32Array.of(seq, 0.5) })));
    await store.saveEmbeddings('other', [{ seq: 1, textHash: 'h', vector: Float32Array.of(9, 9) }]);
    await store.saveEmbeddings('m', [{ seq: 1, textHash: 'h2', vector: Float32Array.of(7, 7) }]);
    const pages: number[][] = [];
    const seen: { seq: number; vector: number[] }[] = [];
    for (let after = 0; ;) {
      const page = await store.embeddingChangesSince('m', after, 2);
      if (page.length === 0) break;
      pages.push(page.map((e) => e.seq));
      seen.push(...page.map((e) => ({ seq: e.seq, vector: [...e.vector] })));
      after = page[page.length - 1]!.changeSeq;
    }
    assert.deepEqual(pages, [[2, 3], [1]]);
    assert.deepEqual(seen.find((e) => e.seq === 1)?.vector, [7, 7]);
    await assert.rejects(store.changesSince(0, 0), /limit must be a positive integer, got 0/);
    await store.close();
  });

  it('reads the indexable rows of a page of hits in one call, by seq', async () => {
    const store = openStore(join(tempDir(), 'p.db'));
    await store.upsertPapers([paper(1), paper(2), paper(3)], merge);
    const rows = await store.readIndexed([3, 1, 99]);
    assert.deepEqual([...rows.keys()].sort(), [1, 3]);
    assert.equal(rows.get(3)?.title, 'Paper number 3');
    assert.equal(rows.get(1)?.localVotes, 0);
    assert.equal((await store.readIndexed([])).size, 0);
    await store.close();
  });

  it('keeps the vote count when a paper without id merges into its arXiv twin', async () => {
    const store = openStore(join(tempDir(), 'p.db'));
    const accounts = createSqliteAccountStore(store.db);
    await store.upsertPapers([{ id: 'content:abc', title: 'A twin paper about ranking', abstract: 'x', source: 'hf' }], merge);
    const user = await accounts.findOrCreateUser('ada@example.org', NOW);
    await accounts.setVote(user.id, 'content:abc', true, NOW);
    const mark = await store.lastChangeSeq();
    await store.upsertPapers([paper(7, { title: 'A twin paper about ranking' })], merge);
    const changes = await store.changesSince(mark, 10);
    assert.deepEqual(changes.map((c) => [c.id, c.localVotes, c.textSeq === c.changeSeq]), [['2401.00007', 1, true]]);
    await store.close();
  });

  it('migrates a store made before the feed: every paper and embedding once, votes counted, new changes after them', async () => {
    const file = join(tempDir(), 'p.db');
    const old = openDatabase(file, { migrations: migrations.filter((m) => m.version < 8) });
    const insert = old.prepare(`INSERT INTO papers (id, title, source, first_seen_at, last_changed_at) VALUES (?, ?, 'test', ?, ?)`);
    for (let n = 1; n <= 5; n++) insert.run(`2401.0000${n}`, `Old paper ${n}`, NOW, NOW);
    old.prepare(`INSERT INTO paper_embeddings (paper_seq, model, text_hash, vector, embedded_at) VALUES (2, 'm', 'h', ?, ?)`).run(Buffer.from(Float32Array.of(1, 2).buffer), NOW);
    old.prepare(`INSERT INTO users (email, created_at) VALUES ('a@b.org', ?), ('c@d.org', ?)`).run(NOW, NOW);
    old.prepare(`INSERT INTO votes (user_id, paper_id, created_at) VALUES (1, '2401.00004', ?), (2, '2401.00004', ?)`).run(NOW, NOW);
    old.close();

    const store = openStore(file);
    const feed = await readFeed(store, 0, 2);
    assert.deepEqual(feed.map((c) => c.id), ['2401.00001', '2401.00002', '2401.00003', '2401.00004', '2401.00005']);
    assert.equal(feed.find((c) => c.id === '2401.00004')?.localVotes, 2);
    assert.ok(feed.every((c) => c.textSeq === c.changeSeq));
    assert.deepEqual((await store.embeddingChangesSince('m', 0, 10)).map((e) => [e.seq, [...e.vector]]), [[2, [1, 2]]]);
    const mark = await store.lastChangeSeq();
    assert.equal(mark, 5);
    await store.upsertPapers([paper(1, { title: 'Old paper 1, revised' }), paper(9)], merge);
    const changes = await store.changesSince(mark, 10);
    assert.deepEqual(changes.map((c) => c.id), ['2401.00001', '2401.00009']);
    assert.ok(changes.every((c) => c.changeSeq > mark));
    await store.close();
  });
});
