import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { fixture, tempDir, testStore } from './helpers.ts';

describe('importing each format', () => {
  it('detects and imports Paperboy JSON Lines, the arxiv-75k shape and the seed shape in one file', async () => {
    const { store, importFiles } = await testStore();
    const { report, rejected } = await importFiles([fixture('paperboy.jsonl')]);
    assert.deepEqual(rejected, []);
    assert.equal(report.files[0]?.format, 'jsonl');
    assert.equal(report.counts.added, 3);
    const own = await store.getPaper('2403.00007');
    assert.equal(own?.version, 2);
    assert.equal(own?.links.code, 'https://github.com/example/own');
    assert.equal(own?.signals[0]?.value, 10);
    const s75k = await store.getPaper('2503.11677');
    assert.equal(s75k?.announcedAt, '2025-03-17');
    assert.deepEqual(s75k?.categories, ['cs.CV', 'eess.IV']);
    assert.equal(s75k?.comments, '10 pages');
    const seedRow = report.counts.added === 3 ? (await store.stats()).byPrimaryCategory.find((c) => c.category === 'unknown') : undefined;
    assert.equal(seedRow?.papers, 1, 'the seed record has no category');
  });

  it('imports the seed-shaped list: 46 papers, then 0 added and 0 updated on the second run', async () => {
    const { store, importFiles } = await testStore();
    const first = await importFiles([fixture('seed-papers.jsonl')]);
    assert.deepEqual(first.report.counts, { added: 46, updated: 0, unchanged: 0, deleted: 0, rejected: 0 });
    const second = await importFiles([fixture('seed-papers.jsonl')]);
    assert.deepEqual(second.report.counts, { added: 0, updated: 0, unchanged: 46, deleted: 0, rejected: 0 });
    assert.equal(await store.countPapers(), 46);
  });

  it('reads gzip directly, whatever the file name', async () => {
    const dir = tempDir();
    const file = join(dir, 'papers.data');
    writeFileSync(file, gzipSync(readFileSync(fixture('paperboy.jsonl'))));
    const { importFiles } = await testStore();
    const { report } = await importFiles([file]);
    assert.equal(report.counts.added, 3);
  });

  it('imports the Kaggle arXiv snapshot with versions, dates and parsed authors', async () => {
    const { store, importFiles } = await testStore();
    const { report, rejected } = await importFiles([fixture('arxiv-snapshot.jsonl')]);
    assert.deepEqual(rejected, []);
    assert.equal(report.files[0]?.format, 'arxiv-snapshot');
    const paper = await store.getPaper('0704.0001');
    assert.equal(paper?.version, 2);
    assert.deepEqual(paper?.authors, ['C. Balázs', 'E. L. Berger', 'P. M. Nadolsky', 'C. -P. Yuan']);
    assert.equal(paper?.title, 'Calculation of prompt diphoton production cross sections at Tevatron and LHC energies');
    assert.equal(paper?.submittedAt, '2007-04-02T19:18:42.000Z');
    assert.equal(paper?.updatedAt, '2007-07-24T20:10:27.000Z');
    assert.equal(paper?.journalRef, 'Phys.Rev.D76:013009,2007');
    assert.deepEqual((await store.getPaper('math/0309136'))?.categories, ['math.GT', 'math.AT']);
  });

  it('imports an arXiv API Atom feed, taking the version from the entry id', async () => {
    const { store, importFiles } = await testStore();
    const { report, rejected } = await importFiles([fixture('atom.xml')]);
    assert.deepEqual(rejected, []);
    assert.equal(report.files[0]?.format, 'arxiv-atom');
    const paper = await store.getPaper('2402.01234');
    assert.equal(paper?.version, 3);
    assert.equal(paper?.title, 'Attention Is Still All You Need: GPT-4 & k-NN');
    assert.equal(paper?.abstract, 'We revisit attention with <b>CDATA</b> markup and $O(n^2)$ cost.');
    assert.deepEqual(paper?.authors, ['Grace Hopper', 'Alan Turing']);
    assert.deepEqual(paper?.categories, ['cs.CL', 'cs.LG']);
    assert.equal(paper?.doi, '10.5555/attn.2024');
    assert.equal(paper?.comments, 'Accepted at NeurIPS');
    assert.equal(paper?.journalRef, 'NeurIPS 2024');
    assert.equal(paper?.submittedAt, '2024-02-02T17:00:00.000Z');
    assert.equal((await store.getPaper('hep-th/9901001'))?.primaryCategory, 'hep-th');
  });

  it('imports OAI-PMH in arXivRaw (versions, TeX authors, deletions) and arXiv formats', async () => {
    const { store, importFiles } = await testStore();
    const raw = await importFiles([fixture('oai-arxivraw.xml')]);
    assert.equal(raw.report.files[0]?.format, 'oai-pmh');
    assert.deepEqual(raw.report.counts, { added: 2, updated: 0, unchanged: 1, deleted: 0, rejected: 0 });
    const paper = await store.getPaper('2401.00001');
    assert.equal(paper?.version, 2);
    assert.deepEqual(paper?.authors, ['Ada Lovelace', 'Kurt Gödel', 'Paul Erdős']);
    assert.equal(paper?.abstract, 'Nearest-neighbour search over $\\mathbb{R}^d$ & compressed codes: we show that product quantization <beats> scans.');
    assert.equal(paper?.submittedAt, '2024-01-01T10:00:00.000Z');
    assert.equal(paper?.updatedAt, '2024-01-08T09:30:00.000Z');
    assert.equal(paper?.license, 'http://creativecommons.org/licenses/by/4.0/');
    assert.ok(await store.getPaper('cs/9901001'));

    const arxiv = await importFiles([fixture('oai-arxiv.xml')]);
    assert.equal(arxiv.report.counts.added, 1);
    const old = await store.getPaper('0704.0001');
    assert.deepEqual(old?.authors, ['C. Balázs', 'E. L. Berger']);
    assert.equal(old?.updatedAt, '2007-07-24');
  });

  it('marks a stored paper deleted when OAI-PMH says status="deleted"', async () => {
    const dir = tempDir();
    const { store, importFiles } = await testStore();
    const seed = join(dir, 'seed.jsonl');
    writeFileSync(seed, JSON.stringify({ id: '2312.99999', title: 'Soon withdrawn' }) + '\n');
    await importFiles([seed]);
    const { report } = await importFiles([fixture('oai-arxivraw.xml')]);
    assert.equal(report.counts.deleted, 1);
    assert.equal((await store.getPaper('2312.99999'))?.deleted, true);
    assert.equal((await store.stats()).deleted, 1);
  });

  it('imports Hugging Face daily_papers keeping upvotes, GitHub, project page and keywords, without erasing arXiv data', async () => {
    const { store, importFiles } = await testStore();
    await importFiles([fixture('oai-arxivraw.xml')]);
    const { report, rejected } = await importFiles([fixture('hf-daily.json')]);
    assert.deepEqual(rejected, []);
    assert.equal(report.files[0]?.format, 'hf-daily');
    assert.deepEqual(report.counts, { added: 1, updated: 1, unchanged: 0, deleted: 0, rejected: 0 });
    const paper = await store.getPaper('2401.00001');
    assert.deepEqual(paper?.categories, ['cs.IR', 'cs.DB'], 'arXiv categories kept');
    assert.equal(paper?.version, 2);
    assert.equal(paper?.links.code, 'https://github.com/example/pq');
    assert.equal(paper?.links.project, 'https://example.org/pq');
    const signal = (source: string, name: string) => paper?.signals.find((s) => s.source === source && s.name === name)?.value;
    assert.equal(signal('huggingface', 'upvotes'), 42);
    assert.equal(signal('huggingface', 'submittedOnDailyAt'), '2024-01-02T08:00:00.000Z');
    assert.deepEqual(signal('huggingface', 'aiKeywords'), ['product quantization', 'ANN']);
    assert.equal(signal('github', 'stars'), 1234);
    assert.equal(signal('github', 'repo'), 'https://github.com/example/pq');
    const again = await importFiles([fixture('hf-daily.json')]);
    assert.deepEqual(again.report.counts, { added: 0, updated: 0, unchanged: 2, deleted: 0, rejected: 0 });
  });

  it('lets a newer version replace an older one across formats, never the reverse', async () => {
    const { store, importFiles } = await testStore();
    await importFiles([fixture('arxiv-snapshot.jsonl')]);
    assert.equal((await store.getPaper('2401.00001'))?.version, 1);
    const newer = await importFiles([fixture('oai-arxivraw.xml')]);
    assert.equal(newer.items.find((i) => i.id === '2401.00001')?.outcome, 'updated');
    assert.equal((await store.getPaper('2401.00001'))?.title, 'Similarity search in the blink of an eye with compressed indices');
    const older = await importFiles([fixture('arxiv-snapshot.jsonl')]);
    const item = older.items.find((i) => i.id === '2401.00001');
    assert.equal(item?.outcome, 'unchanged');
    assert.equal(item?.reason, 'older version v1 than the stored v2');
    assert.equal((await store.getPaper('2401.00001'))?.version, 2);
  });

  it('honours --format over detection', async () => {
    const dir = tempDir();
    const file = join(dir, 'snapshot.txt');
    copyFileSync(fixture('arxiv-snapshot.jsonl'), file);
    const { importFiles } = await testStore();
    const forced = await importFiles([file], { format: 'jsonl' });
    assert.equal(forced.report.files[0]?.format, 'jsonl');
    assert.equal(forced.report.counts.added, 3, 'the generic reader also understands these records');
    const wrong = await importFiles([fixture('paperboy.jsonl')], { format: 'arxiv-snapshot' });
    assert.equal(wrong.report.counts.rejected, 3);
    assert.match(wrong.rejected[0]!.reason!, /^line 1: field 'authors': Invalid input: expected string, received array$/);
  });
});
