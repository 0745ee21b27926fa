// Writers in a process of their own, for the change-feed tests (test/feed-race.test.ts):
//   writer <db> <rounds>            imports, updates and signal-only updates, round after round
//   slow-embed <db> <dir> <seq>     saves an embedding, stalling (on its clock read) until <dir>/go exists
//   embed <db> <dir> <seq>          saves an embedding; writes <dir>/blocked first when the write lock is taken
// Each prints "done" when its writes are committed.
import Database from 'better-sqlite3';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSqlitePaperStore } from '../src/adapters/sqlite/paper-store.ts';
import { mergePaper } from '../src/core/merge.ts';
import type { PaperInput } from '../src/core/paper.ts';

const [mode, file, arg1, arg2] = process.argv.slice(2) as [string, string, string, string?];
const NOW = '2024-01-10T00:00:00.000Z';
const merge = (existing: Parameters<typeof mergePaper>[0], input: PaperInput) => mergePaper(existing, input, NOW);
const vector = (seed: number) => Float32Array.from({ length: 4 }, (_, i) => seed + i / 10);

/** Sleeps without giving the event loop a turn: the caller stays inside its synchronous transaction. */
function waitForFile(path: string): void {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  while (!existsSync(path)) Atomics.wait(cell, 0, 0, 5);
}

if (mode === 'writer') {
  const store = createSqlitePaperStore(file, { now: () => NOW });
  store.db.pragma('busy_timeout = 60000');
  const rounds = Number(arg1);
  for (let round = 0; round < rounds; round++) {
    const batch: PaperInput[] = [];
    for (let i = 0; i < 4; i++) {
      const n = round * 4 + i;
      batch.push({ id: `2402.${String(n).padStart(5, '0')}`, title: `Written by the child ${n}`, abstract: 'a', authors: ['C'], categories: ['cs.DB'], source: 'child' });
    }
    if (round > 0) {
      // An update of an earlier paper's text and a signal-only update of another.
      batch.push({ id: `2402.${String((round - 1) * 4).padStart(5, '0')}`, title: `Retitled in round ${round}`, abstract: 'a', authors: ['C'], categories: ['cs.DB'], source: 'child' });
      batch.push({ id: `2402.${String((round - 1) * 4 + 1).padStart(5, '0')}`, signals: [{ source: 'huggingface', name: 'upvotes', value: round }], source: 'child' });
    }
    await store.upsertPapers(batch, merge);
    // Other writers get the lock between rounds.
    await new Promise((resolve) => setImmediate(resolve));
  }
  await store.close();
} else if (mode === 'slow-embed') {
  const dir = arg1;
  // The clock read of saveEmbeddings is where this writer stalls: `stamped` says it got that far.
  let armed = false;
  const now = () => {
    if (armed) {
      armed = false;
      writeFileSync(join(dir, 'stamped'), '');
      waitForFile(join(dir, 'go'));
    }
    return '2024-01-10T00:00:20.000Z';
  };
  const slow = createSqlitePaperStore(file, { now });
  armed = true;
  await slow.saveEmbeddings('m', [{ seq: Number(arg2), textHash: 'slow', vector: vector(Number(arg2)) }]);
  await slow.close();
} else if (mode === 'embed') {
  const dir = arg1;
  const probe = new Database(file);
  probe.pragma('busy_timeout = 0');
  try {
    probe.exec('BEGIN IMMEDIATE');
    probe.exec('ROLLBACK');
  } catch (error) {
    if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
    writeFileSync(join(dir, 'blocked'), '');
  }
  probe.close();
  const store = createSqlitePaperStore(file, { now: () => '2024-01-10T00:00:30.000Z' });
  store.db.pragma('busy_timeout = 60000');
  await store.saveEmbeddings('m', [{ seq: Number(arg2), textHash: 'fast', vector: vector(Number(arg2)) }]);
  await store.close();
} else {
  throw new Error(`feed-child: unknown mode ${mode}`);
}
process.stdout.write('done\n');
