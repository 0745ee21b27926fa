import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSqlitePaperStore } from '../src/adapters/sqlite/paper-store.ts';
import { mergePaper } from '../src/core/merge.ts';
import type { PaperInput } from '../src/core/paper.ts';
import type { PaperChange, PaperStore } from '../src/ports/paper-store.ts';
import { ROOT, tempDir } from './helpers.ts';

const NOW = '2024-01-10T00:00:00.000Z';
const merge = (existing: Parameters<typeof mergePaper>[0], input: PaperInput) => mergePaper(existing, input, NOW);

/** A writer in a process of its own (test/feed-child.ts). */
function child(...args: string[]): { process: ChildProcess; exited: Promise<string> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'feed-child.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (chunk) => (out += chunk));
  proc.stderr!.on('data', (chunk) => (out += chunk));
  const exited = new Promise<string>((resolve, reject) => {
    proc.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`feed-child ${args[0]} exited with ${code}: ${out}`))));
  });
  return { process: proc, exited };
}

/** Resolves when the file exists (polled; the bound only stops a broken test from hanging). */
async function fileAppears(path: string): Promise<void> {
  for (let i = 0; i < 6000; i++) {
    if (existsSync(path)) return;
    await sleep(10);
  }
  throw new Error(`${path} never appeared`);
}

/** What a running index does: applies the embedding changes of the feed after its position. */
function embeddingFollower(store: PaperStore, model: string) {
  let position = 0;
  const vectors = new Map<number, number[]>();
  return {
    vectors,
    async catchUp(): Promise<void> {
      for (;;) {
        const page = await store.embeddingChangesSince(model, position, 2);
        if (page.length === 0) return;
        for (const { seq, vector } of page) vectors.set(seq, [...vector]);
        position = page[page.length - 1]!.changeSeq;
      }
    },
  };
}

describe('change feed across processes', () => {
  it('a follower sees the vectors of an embed run that committed after a later writer (embed beside serve)', async () => {
    const dir = tempDir();
    const file = join(dir, 'paperboy.db');
    const store = createSqlitePaperStore(file, { now: () => NOW });
    await store.upsertPapers([1, 2, 3].map((n) => ({ id: `2401.0000${n}`, title: `Paper ${n}`, abstract: 'a', source: 'test' })), merge);
    await store.saveEmbeddings('m', [{ seq: 3, textHash: 'h', vector: Float32Array.of(3, 3, 3, 3) }]);
    const follower = embeddingFollower(store, 'm');
    await follower.catchUp();
    assert.deepEqual([...follower.vectors.keys()], [3]);

    // The slow writer (`paperboy embed`) stalls in the middle of saving paper 1's vector.
    const slow = child('slow-embed', file, dir, '1');
    await fileAppears(join(dir, 'stamped'));
    // Meanwhile another writer (serve's own embed loop) saves paper 2's vector: it commits at once
    // if the slow writer does not hold the write lock, or it waits for it.
    const fast = child('embed', file, dir, '2');
    await Promise.race([fast.exited, fileAppears(join(dir, 'blocked'))]);
    // The running index catches up with whatever has committed so far...
    await follower.catchUp();
    // ...then the slow writer finishes, and so does the other one if it was waiting.
    writeFileSync(join(dir, 'go'), '');
    await Promise.all([slow.exited, fast.exited]);
    await follower.catchUp();

    assert.deepEqual([...follower.vectors.keys()].sort(), [1, 2, 3], 'every committed vector reaches the follower');
    assert.deepEqual(follower.vectors.get(1), [...Float32Array.of(1, 1.1, 1.2, 1.3)], 'the vector of the slow writer');
    await store.close();
  });

  it('pages through the feed with small limits, every change once, while this and another process write', async () => {
    const dir = tempDir();
    const file = join(dir, 'paperboy.db');
    const store = createSqlitePaperStore(file, { now: () => NOW });
    await store.upsertPapers([{ id: '2401.00001', title: 'Before the writer', abstract: 'a', source: 'test' }], merge);
    const rounds = 60;
    const writer = child('writer', file, String(rounds));
    let done = false;
    void writer.exited.then(() => (done = true), () => (done = true));

    const seen: PaperChange[] = [];
    let position = 0;
    let ownWrites = 0;
    store.db.pragma('busy_timeout = 60000');
    for (let pages = 0; ; pages++) {
      const finished = done; // read before the page: a page read after the writer ended sees all of it
      if (!finished && pages % 5 === 0) {
        // This process writes too: its commits interleave with the child's.
        await store.upsertPapers([{ id: `2403.${String(ownWrites++).padStart(5, '0')}`, title: `Written by the parent ${ownWrites}`, abstract: 'a', source: 'test' }], merge);
      }
      const page = await store.changesSince(position, 3);
      seen.push(...page);
      if (page.length > 0) position = page[page.length - 1]!.changeSeq;
      else if (finished) break;
      else await sleep(2);
    }
    await writer.exited;

    const positions = seen.map((c) => c.changeSeq);
    assert.deepEqual(positions, [...new Set(positions)].sort((a, b) => a - b), 'strictly increasing: no change handed out twice');
    assert.equal(positions[positions.length - 1], await store.lastChangeSeq());
    // Applying the changes in order gives exactly the store's state.
    const applied = new Map<number, string>();
    for (const change of seen) applied.set(change.seq, `${change.id} ${change.title} ${change.hfUpvotes}`);
    const stored = new Map<number, string>();
    for (const change of await store.changesSince(0, 10_000)) stored.set(change.seq, `${change.id} ${change.title} ${change.hfUpvotes}`);
    assert.equal(stored.size, 1 + rounds * 4 + ownWrites);
    assert.deepEqual(applied, stored);
    await store.close();
  });
});
