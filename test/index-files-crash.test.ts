import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { manifestFiles, parseManifest, type Manifest } from '../src/adapters/index-files/manifest.ts';
import { ROOT, tempDir } from './helpers.ts';
import { crashBatch, crashState, directory, EXPECT, lexicalOf } from './index-files-helpers.ts';
import { random, randomQuery } from './unit/segment-helpers.ts';

/** Starts the writer child, lets it commit `after` more writes plus a random delay, then kills it with SIGKILL. */
function writeAndKill(dir: string, after: number, delayMs: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'index-files-writer.ts'), dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    let seen = 0;
    let last = 0;
    let killing = false;
    child.stdout.on('data', (chunk: Buffer) => {
      for (const match of chunk.toString().matchAll(/wrote (\d+)/g)) {
        last = Number(match[1]);
        if (++seen >= after && !killing) {
          killing = true;
          setTimeout(() => child.kill('SIGKILL'), delayMs);
        }
      }
    });
    child.on('close', (code, signal) => (signal === 'SIGKILL' ? resolve(last) : reject(new Error(`writer exited (${code}) before it was killed: ${stderr}`))));
  });
}

describe('kill -9 during index writes', () => {
  it('leaves a folder that opens to the previous or the new generation, with right results', { timeout: 600_000 }, async () => {
    const path = tempDir();
    const rand = random(77);
    let reported = 0;
    for (let kill = 0; kill < 12; kill++) {
      // Killed at random moments: inside a segment write, a merge, a graph save or the manifest swap.
      const last = await writeAndKill(path, 1 + Math.floor(rand() * 3), Math.floor(rand() * 40));
      assert.ok(last > reported, `the writer made progress after kill ${kill}`);
      reported = last;
      const snapshot = await directory(path).open(EXPECT);
      if ('rebuild' in snapshot) assert.fail(`after kill ${kill} the index does not open: ${snapshot.rebuild}`);
      try {
        // The last write it reported, or the one it was committing when killed.
        assert.ok(snapshot.feedSeq === reported || snapshot.feedSeq === reported + 1, `feedSeq ${snapshot.feedSeq} after reporting ${reported}`);
        const state = crashState(snapshot.feedSeq);
        assert.deepEqual([...snapshot.seqs()], [...state.docs.keys()].sort((a, b) => a - b));
        const reference = lexicalOf(state.docs.values());
        const stats = snapshot.stats();
        for (let q = 0; q < 25; q++) {
          const query = randomQuery(rand);
          if (query.should.some((c) => stats.docFreq(c.term) > 0.95 * stats.docs || reference.docFreq(c.term) > 0.95 * reference.size)) continue;
          assert.deepEqual(new Set(snapshot.search(query, { limit: 1000 }).map((h) => h.docId)), new Set(reference.search(query, { limit: 1000 }).map((h) => h.docId)), JSON.stringify(query));
        }
        for (const [seq, hf] of state.hf) if (state.docs.has(seq)) assert.equal(snapshot.signals(seq).hfUpvotes, hf, `signals of ${seq}`);
        assert.equal(snapshot.vectorCount, state.vectors.size);
        for (const [seq, vector] of state.vectors) assert.deepEqual(snapshot.vector(seq), vector, `vector of ${seq}`);
        const doc = [...state.docs.values()][0]!;
        assert.equal(snapshot.seqOf(doc.id), doc.seq);
      } finally {
        snapshot.close();
      }
    }
    // The next write (after the last kill) leaves no file outside the manifest behind.
    const dir = directory(path, { maxSegments: 3, graphAbove: 30 });
    const next = await dir.write(crashBatch(reported + 2), EXPECT);
    next.close();
    const manifest = parseManifest(readFileSync(join(path, 'MANIFEST'), 'utf8')) as Manifest;
    const named = new Set([...manifestFiles(manifest).map((f) => f.file), 'MANIFEST']);
    assert.deepEqual(readdirSync(path).filter((f) => !named.has(f)), []);
  });
});
