import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ROOT, runPaperboy, STARTER_CORPUS, tempDir, testStore } from './helpers.ts';
import { storeEnv } from './test-store.ts';
import { ids, oaiPage, startOaiServer } from './oai-server.ts';

/**
 * A corpus large enough to be killed in the middle of: the starter corpus's real papers twelve
 * times over, each copy under other arXiv ids (2501.00001 ... 2512.04232), gzip like the real files.
 */
function largeCorpus(dir: string): { file: string; papers: number } {
  const lines = gunzipSync(readFileSync(STARTER_CORPUS)).toString('utf8').trim().split('\n');
  const out: string[] = [];
  for (let month = 1; month <= 12; month++) {
    lines.forEach((line, i) => {
      const record = JSON.parse(line) as { id: string };
      out.push(JSON.stringify({ ...record, id: `25${String(month).padStart(2, '0')}.${String(i + 1).padStart(5, '0')}` }));
    });
  }
  const file = join(dir, 'large-corpus.jsonl.gz');
  writeFileSync(file, gzipSync(out.join('\n') + '\n'));
  return { file, papers: out.length };
}

/** The papers stored in `data` (SQLite: after checking the file's integrity and foreign keys). */
async function countPapers(data: string): Promise<number> {
  const { store, stores } = await testStore(data);
  try {
    if (stores.kind === 'sqlite') {
      assert.equal(stores.papers.db.pragma('integrity_check', { simple: true }), 'ok');
      assert.deepEqual(stores.papers.db.pragma('foreign_key_check'), []);
    }
    return await store.countPapers();
  } finally {
    await stores.close();
  }
}

describe('crashes', () => {
  it('kill -9 during an import leaves a consistent database, and the rerun completes it', async () => {
    const data = tempDir();
    const { file: corpus, papers } = largeCorpus(data);
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'paperboy.js'), '--data', data, 'import', '--batch-size', '1000', corpus], {
      env: await storeEnv(data, { ...process.env, PAPERBOY_PROGRESS_INTERVAL_MS: '100' }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        const match = /([\d,]+) records/.exec(chunk.toString());
        if (match && Number(match[1]!.replace(/,/g, '')) >= 10_000) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', (code) => reject(new Error(`import finished (code ${code}) before it could be killed`)));
    });
    await new Promise((resolve) => child.on('close', resolve));
    const partial = await countPapers(data);
    assert.ok(partial >= 9_000 && partial < papers, `partial import holds ${partial} papers`);
    assert.equal(partial % 1000, 0, 'only whole batches were committed');

    // The rerun also builds the search index for the whole corpus when it ends (docs/search.md).
    const rerun = await runPaperboy(['--data', data, 'import', '--json', corpus], { timeoutMs: 300_000 });
    assert.equal(rerun.code, 0, rerun.stderr);
    const counts = JSON.parse(rerun.stdout).counts;
    assert.equal(counts.unchanged, partial);
    assert.equal(counts.added, papers - partial);
    assert.equal(await countPapers(data), papers);
  });

  it('kill -9 during a harvest resumes from the saved resumption token', async () => {
    const pages = 6;
    let killChild: (() => void) | undefined;
    const server = await startOaiServer((params) => {
      const n = params.resumptionToken ? Number(params.resumptionToken.slice(4)) : 1;
      if (n === 3 && killChild) {
        killChild();
        killChild = undefined;
      }
      return { body: oaiPage(ids((n - 1) * 50 + 1, 50), { token: n < pages ? `page${n + 1}` : null, cursor: (n - 1) * 50, completeListSize: pages * 50 }) };
    });
    try {
      const data = tempDir();
      const env = { ...process.env, PAPERBOY_DATA: data, PAPERBOY_OAI_URL: server.url, PAPERBOY_HARVEST_INTERVAL_MS: '100' };
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'paperboy.js'), 'harvest', '--from', '2024-01-01'], { env: await storeEnv(data, env), stdio: 'ignore' });
      killChild = () => child.kill('SIGKILL');
      const code = await new Promise((resolve) => child.on('close', (c, signal) => resolve(signal ?? c)));
      assert.equal(code, 'SIGKILL');
      assert.equal(await countPapers(data), 100, 'pages 1 and 2 were stored');

      const before = server.requests.length;
      const rerun = await runPaperboy(['harvest', '--json'], { env: { PAPERBOY_DATA: data, PAPERBOY_OAI_URL: server.url, PAPERBOY_HARVEST_INTERVAL_MS: '100' } });
      assert.equal(rerun.code, 0, rerun.stderr);
      const report = JSON.parse(rerun.stdout);
      assert.equal(report.sets[0].resumed, true);
      assert.equal(server.requests[before]?.params.resumptionToken, 'page3');
      assert.equal(await countPapers(data), pages * 50);
    } finally {
      await server.close();
    }
  });
});
