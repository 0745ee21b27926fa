import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openDatabase, schemaVersion } from '../src/adapters/sqlite/database.ts';
import { migrations } from '../src/adapters/sqlite/migrations.ts';
import { createSqlitePaperStore } from '../src/adapters/sqlite/paper-store.ts';
import { mergePaper } from '../src/core/merge.ts';
import type { PaperInput } from '../src/core/paper.ts';
import { tempDir } from './helpers.ts';

const merge = (now: string) => (existing: Parameters<typeof mergePaper>[0], input: PaperInput) => mergePaper(existing, input, now);

const full: PaperInput = {
  id: '2401.00001', version: 2, title: 'T', abstract: 'A', authors: ['Ada Lovelace', 'Kurt Gödel'], categories: ['cs.IR', 'cs.DB'],
  submittedAt: '2024-01-01T10:00:00.000Z', updatedAt: '2024-01-08T09:30:00.000Z', announcedAt: '2024-01-02', comments: 'c',
  journalRef: 'j', doi: '10.1/x', license: 'CC-BY', links: { code: 'https://github.com/x/y', project: 'https://x.org/' },
  signals: [{ source: 'github', name: 'stars', value: 3 }, { source: 'huggingface', name: 'aiKeywords', value: ['a', 'b'] }], source: 'test',
};

describe('SQLite paper store', () => {
  it('creates the schema with WAL and foreign keys, and records the migration', () => {
    const db = openDatabase(join(tempDir(), 'p.db'));
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    assert.deepEqual(migrations.map((m) => m.version), migrations.map((_, i) => i + 1), 'migrations are numbered 1..n in order');
    assert.equal(schemaVersion(db), migrations.length);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    assert.deepEqual(tables, ['change_counter', 'digest_outbox', 'digest_papers_sent', 'github_repos', 'harvest_checkpoints', 'hidden_papers', 'library', 'mail_requests', 'my_papers', 'paper_categories', 'paper_embeddings', 'paper_signal_days', 'paper_signals', 'papers', 'schema_migrations', 'sessions', 'sign_in_links', 'subscriber_topics', 'subscribers', 'users', 'votes']);
    db.close();
  });

  it('applies only pending migrations and refuses a database from a newer Paperboy', () => {
    const file = join(tempDir(), 'p.db');
    openDatabase(file).close();
    const extra = [...migrations, { version: 99, name: 'future', sql: 'CREATE TABLE future (x INTEGER) STRICT;' }];
    const db = openDatabase(file, { migrations: extra });
    assert.equal(schemaVersion(db), 99);
    db.close();
    assert.throws(() => openDatabase(file), new RegExp(`schema version 99, but this Paperboy knows only up to ${Math.max(...migrations.map((m) => m.version))}`));
  });

  it('saves and loads every field of a paper unchanged, with derived arXiv links', async () => {
    const dir = tempDir();
    const store = createSqlitePaperStore(join(dir, 'p.db'), { now: () => '2024-01-10T00:00:00.000Z' });
    const [result] = await store.upsertPapers([full], merge('2024-01-10T00:00:00.000Z'));
    assert.equal(result?.outcome, 'added');
    await store.close();
    const reopened = createSqlitePaperStore(join(dir, 'p.db'));
    const paper = await reopened.getPaper('2401.00001');
    assert.ok(paper);
    const { signals, links, ...rest } = paper;
    assert.deepEqual(rest, {
      id: '2401.00001', version: 2, title: 'T', abstract: 'A', authors: ['Ada Lovelace', 'Kurt Gödel'], categories: ['cs.IR', 'cs.DB'],
      primaryCategory: 'cs.IR', submittedAt: '2024-01-01T10:00:00.000Z', updatedAt: '2024-01-08T09:30:00.000Z', announcedAt: '2024-01-02',
      comments: 'c', journalRef: 'j', doi: '10.1/x', license: 'CC-BY', deleted: false, source: 'test',
      firstSeenAt: '2024-01-10T00:00:00.000Z', lastChangedAt: '2024-01-10T00:00:00.000Z',
    });
    assert.deepEqual(links, {
      abs: 'https://arxiv.org/abs/2401.00001', pdf: 'https://arxiv.org/pdf/2401.00001', html: 'https://arxiv.org/html/2401.00001',
      code: 'https://github.com/x/y', project: 'https://x.org/',
    });
    assert.deepEqual(signals, [
      { source: 'github', name: 'stars', value: 3, observedAt: '2024-01-10T00:00:00.000Z' },
      { source: 'huggingface', name: 'aiKeywords', value: ['a', 'b'], observedAt: '2024-01-10T00:00:00.000Z' },
    ]);
    assert.equal(await reopened.getPaper('2401.99999'), null);
    await reopened.close();
  });

  it('keeps first-seen and moves last-changed only when something changes; categories follow updates', async () => {
    let now = '2024-01-10T00:00:00.000Z';
    const store = createSqlitePaperStore(join(tempDir(), 'p.db'), { now: () => now });
    await store.upsertPapers([full], merge(now));
    now = '2024-02-01T00:00:00.000Z';
    const same = await store.upsertPapers([full], merge(now));
    assert.deepEqual(same.map((r) => r.outcome), ['unchanged']);
    assert.equal((await store.getPaper(full.id))?.lastChangedAt, '2024-01-10T00:00:00.000Z');
    const updated = await store.upsertPapers([{ ...full, version: 3, categories: ['cs.LG'] }], merge(now));
    assert.deepEqual(updated[0], { id: full.id, outcome: 'updated', changed: ['version', 'categories', 'primaryCategory'] });
    const paper = await store.getPaper(full.id);
    assert.equal(paper?.firstSeenAt, '2024-01-10T00:00:00.000Z');
    assert.equal(paper?.lastChangedAt, now);
    const stats = await store.stats();
    assert.deepEqual(stats.byCategory, [{ category: 'cs.LG', papers: 1 }]);
    await store.close();
  });

  it('applies records of one batch in order and rolls the whole batch back when a write fails', async () => {
    const dir = tempDir();
    const store = createSqlitePaperStore(join(dir, 'p.db'));
    const results = await store.upsertPapers([{ ...full, version: 1 }, { ...full, version: 2 }, { ...full, version: 1 }], merge('2024-01-10T00:00:00.000Z'));
    assert.deepEqual(results.map((r) => r.outcome), ['added', 'updated', 'unchanged']);
    await assert.rejects(
      store.upsertPapers([{ ...full, id: '2402.00002' }, { ...full, id: '2402.00003' }], (existing, input) => {
        if (input.id === '2402.00003') throw new Error('boom');
        return mergePaper(existing, input, '2024-01-10T00:00:00.000Z');
      }),
      /boom/,
    );
    assert.equal(await store.getPaper('2402.00002'), null, 'the batch was rolled back');
    assert.equal(await store.countPapers(), 1);
    await store.close();
    const db = new Database(join(dir, 'p.db'));
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    db.close();
  });

  it('stores and returns harvest checkpoints', async () => {
    const store = createSqlitePaperStore(join(tempDir(), 'p.db'));
    assert.equal(await store.getCheckpoint('cs|arXivRaw'), null);
    const checkpoint = { key: 'cs|arXivRaw', windowFrom: '2024-01-01', windowUntil: null, windowStartedOn: '2024-01-10', resumptionToken: 'tok', cursor: 100, harvestedThrough: null, updatedAt: '2024-01-10T00:00:00.000Z' };
    await store.saveCheckpoint(checkpoint);
    assert.deepEqual(await store.getCheckpoint('cs|arXivRaw'), checkpoint);
    await store.saveCheckpoint({ ...checkpoint, resumptionToken: null, harvestedThrough: '2024-01-10' });
    assert.equal((await store.getCheckpoint('cs|arXivRaw'))?.harvestedThrough, '2024-01-10');
    await store.close();
  });
});
