/**
 * The PostgreSQL batch writer's bulk path (src/adapters/postgres/copy-in.ts, paper-batch.ts): new
 * papers and categories go in by COPY FROM STDIN in the text format, stored papers by an upsert.
 * Values COPY must escape come back unchanged on both paths; a row the server refuses fails the
 * whole batch and leaves the store and the pool usable.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { PoolClient } from 'pg';
import { copyIn, copyJson, copyNumber, copyRow, copyText } from '../src/adapters/postgres/copy-in.ts';
import { openPostgresPaperStore } from '../src/adapters/postgres/paper-store.ts';
import { mergePaper } from '../src/core/merge.ts';
import type { PaperInput } from '../src/core/paper.ts';
import { readFeed } from './contract/paper-store.contract.ts';
import { postgresSkip, startPgCluster, type PgCluster } from './pg-cluster.ts';

const NOW = '2024-01-10T00:00:00.000Z';
const merge = (existing: Parameters<typeof mergePaper>[0], input: PaperInput) => mergePaper(existing, input, NOW);
const paper = (n: number, extra: Partial<PaperInput> = {}): PaperInput => ({
  id: `2401.${String(n).padStart(5, '0')}`, title: `Paper number ${n}`, abstract: `About ${n}`, authors: ['Ada Lovelace'],
  categories: ['cs.IR'], source: 'test', ...extra,
});

// Everything the text format gives a meaning to, alone and together.
const AWKWARD = ['back\\slash', 'tab\there', 'line\nbreak', 'carriage\rreturn', '\\.', '\\N', 'end\\', '\\\\n', 'a\t\\t\n\\n', 'Gödel ∀ 🙂', ''];

describe('COPY text format', () => {
  it('escapes backslash, tab, newline and carriage return, and writes NULL as \\N', () => {
    assert.equal(copyText('plain'), 'plain');
    assert.equal(copyText('a\\b\tc\nd\re'), 'a\\\\b\\tc\\nd\\re');
    assert.equal(copyText('\\N'), '\\\\N', 'the text \\N is not NULL');
    assert.equal(copyText(null), '\\N');
    assert.equal(copyNumber(null), '\\N');
    assert.equal(copyNumber(2 ** 52 + 1), '4503599627370497');
    assert.equal(copyJson(['x\ty', 'q"\\']), '["x\\\\ty","q\\\\"\\\\\\\\"]');
    assert.equal(copyRow(['1', '\\N', copyText('a\nb')]), '1\t\\N\ta\\nb\n');
  });
  it('stops building and sending rows once the server refuses the COPY, and rejects with its error', async () => {
    // pg's side of the protocol, faked: the COPY is accepted, the socket takes one chunk and then
    // stalls while the server's error arrives (as when the server refuses a row it has parsed).
    let copy: { submit(connection: unknown): void; handleCopyInResponse(): void; handleError(error: Error): void } | undefined;
    const sent: Buffer[] = [];
    const socket = new Writable({
      write(chunk: Buffer, _encoding, done) {
        sent.push(chunk);
        if (sent.length < 4) return done(); // the first chunk's header and data, and more
        setImmediate(() => copy!.handleError(new Error('refused by the server')));
      },
    });
    const client = {
      query(query: typeof copy) {
        copy = query;
        copy!.submit({ query() {}, stream: socket });
        setImmediate(() => copy!.handleCopyInResponse());
        return query;
      },
    };
    let built = 0;
    function* rows() {
      for (let i = 0; i < 100_000; i++, built++) yield copyRow([String(i), copyText('x'.repeat(100))]);
    }
    await assert.rejects(copyIn(client as never, 't', rows()), /^Error: refused by the server$/);
    assert.ok(built < 10_000, `rows after the error were not built (${built})`);
  });
});

describe('PostgreSQL batch writer: COPY path', { skip: postgresSkip() }, () => {
  let cluster: PgCluster;
  before(async () => {
    cluster = await startPgCluster();
  });
  after(() => cluster?.stop());

  /** A store whose connections record every statement they are sent (COPY ones by their text). */
  async function recordingStore() {
    const store = await openPostgresPaperStore(await cluster.createDatabase(), { now: () => NOW, max: 2 });
    const sent: string[] = [];
    const seen = new WeakSet<PoolClient>();
    store.pool.on('acquire', (client: PoolClient) => {
      if (seen.has(client)) return;
      seen.add(client);
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as { query: unknown }).query = (...args: unknown[]) => {
        const q = args[0] as string | { name?: string; text?: string };
        sent.push(typeof q === 'string' ? q : (q.name ?? q.text ?? '?'));
        return query(...args);
      };
    });
    return { store, sent };
  }

  it('copies new papers and their categories, upserts stored ones, and both keep every character', async () => {
    const { store, sent } = await recordingStore();
    const inputs = AWKWARD.map((text, i) => paper(i + 1, {
      title: `Title ${i} ${text}`, abstract: text, authors: [text, `Author ${i}`], comments: text || null, journalRef: text,
      categories: [`cs.${i}`, text ? `x.${text}` : 'cs.IR'], links: { code: `https://example.org/${encodeURIComponent(text)}` },
    }));
    const added = await store.upsertPapers(inputs, merge);
    assert.deepEqual(added.map((r) => r.outcome), inputs.map(() => 'added'));
    assert.ok(sent.some((s) => s.startsWith('COPY papers (')), 'new papers go in by COPY');
    assert.ok(sent.some((s) => s.startsWith('COPY paper_categories (')), 'and so do their categories');
    assert.ok(!sent.includes('batch-upsert-papers'), 'nothing was stored before: no upsert');
    for (const [i, input] of inputs.entries()) {
      const stored = await store.getPaper(input.id);
      assert.equal(stored?.title, input.title);
      assert.equal(stored?.abstract, input.abstract);
      assert.deepEqual(stored?.authors, input.authors);
      assert.equal(stored?.comments, input.comments);
      assert.equal(stored?.journalRef, input.journalRef);
      assert.deepEqual(stored?.categories, input.categories);
      assert.equal(stored?.links.code, input.links!.code, `paper ${i}`);
    }
    const byCategory = new Map((await store.stats()).byCategory.map((c) => [c.category, c.papers]));
    for (const text of AWKWARD.filter(Boolean)) assert.equal(byCategory.get(`x.${text}`), 1, `category x.${JSON.stringify(text)}`);

    // The same papers again, changed: stored ones take the upsert; their categories are replaced.
    sent.length = 0;
    const changed = inputs.map((input) => ({ ...input, version: 2, abstract: `${input.abstract}\t\\.\n`, categories: ['cs.DB', ...input.categories!] }));
    assert.deepEqual((await store.upsertPapers(changed, merge)).map((r) => r.outcome), inputs.map(() => 'updated'));
    assert.ok(sent.includes('batch-upsert-papers'));
    assert.ok(!sent.some((s) => s.startsWith('COPY papers')), 'no paper is new');
    for (const input of changed) {
      const stored = await store.getPaper(input.id);
      assert.equal(stored?.abstract, input.abstract);
      assert.deepEqual(stored?.categories, input.categories);
    }
    assert.equal((await store.stats()).byCategory.find((c) => c.category === 'cs.DB')?.papers, AWKWARD.length);
    await store.close();
  });

  it('fails the COPY with our error when building a row throws, and the connection rolls back and goes on', async () => {
    const { store } = await recordingStore();
    const client = await store.pool.connect();
    try {
      await client.query('CREATE TEMP TABLE copied (a text)');
      await client.query('BEGIN');
      function* rows() {
        for (let i = 0; i < 40_000; i++) yield copyRow([copyText(`row ${i} ${'y'.repeat(20)}`)]); // past one chunk
        throw new Error('a row could not be built');
      }
      await assert.rejects(copyIn(client, 'copied (a)', rows()), /a row could not be built/);
      // Without CopyFail the server would wait for rows and this ROLLBACK would never answer.
      const rolledBack = await Promise.race([client.query('ROLLBACK').then(() => true), new Promise((r) => setTimeout(() => r(false), 10_000))]);
      assert.equal(rolledBack, true, 'the connection answers after the failed COPY');
      assert.equal((await client.query('SELECT count(*)::int AS n FROM copied')).rows[0].n, 0);
      assert.equal(await copyIn(client, 'copied (a)', [copyRow([copyText('one')])]), 1, 'and copies again');
    } finally {
      client.release();
    }
    await store.close();
  });

  it('fails the whole batch when the server refuses a copied row, and the store and its pool go on', async () => {
    const { store } = await recordingStore();
    await store.upsertPapers([paper(1)], merge);
    const mark = await store.lastChangeSeq();
    // PostgreSQL text cannot hold NUL: the server refuses the row early in a COPY of several
    // megabytes, while the client is still sending the rest (which the server then drops).
    const long = 'x'.repeat(2000);
    const batch = Array.from({ length: 3000 }, (_, i) => paper(100 + i, { abstract: i === 200 ? 'nul \u0000 here' : `${long} ${i}` }));
    await assert.rejects(store.upsertPapers(batch, merge), /0x00|invalid byte sequence/);
    assert.equal(await store.countPapers(), 1, 'nothing of the batch was kept');
    assert.equal(await store.lastChangeSeq(), mark, 'and its change numbers were not used');
    for (let round = 0; round < 3; round++) {
      // More rounds than connections: a connection the failed COPY left behind would show here.
      const ok = await store.upsertPapers(batch.map((p, i) => (i === 200 ? { ...p, abstract: 'fixed' } : p)).slice(round * 1000, round * 1000 + 1000), merge);
      assert.equal(ok.filter((r) => r.outcome === 'added').length, 1000);
    }
    assert.equal(await store.countPapers(), 3001);
    const feed = await readFeed(store);
    assert.deepEqual(feed.map((c) => c.changeSeq), feed.map((_, i) => i + 1), 'the feed has no gap and no repeat');
    assert.equal((await store.getPaper(paper(300).id))?.abstract, 'fixed');
    await store.close();
  });
});
