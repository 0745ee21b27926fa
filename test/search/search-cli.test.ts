import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { fixture, runPaperboy, tempDir } from '../helpers.ts';
import { MODEL_DIR } from './model-dir.ts';

describe('search commands', () => {
  it('embeds, searches with explanations, finds similar papers', async () => {
    const data = tempDir();
    const imported = await runPaperboy(['--data', data, 'import', fixture('oai-arxivraw.xml'), fixture('atom.xml'), fixture('seed-papers.jsonl')]);
    assert.equal(imported.code, 0, imported.stderr);
    const embed = await runPaperboy(['--data', data, 'embed', '--no-progress'], { timeoutMs: 300_000 });
    assert.equal(embed.code, 0, embed.stderr);
    // 2 + 2 + 46 records; the seed copy of 2401.00001 (same title) is merged into it, not stored twice.
    assert.match(embed.stdout, /^BAAI\/bge-small-en-v1\.5@onnx-int8: 49 papers embedded, 0 remaining$/m);
    assert.doesNotMatch(embed.stdout, /model changed/);

    const search = await runPaperboy(['--data', data, 'search', 'compressed indices nearest neighbour', '--json', '-n', '3']);
    assert.equal(search.code, 0, search.stderr);
    const response = JSON.parse(search.stdout);
    assert.equal(response.mode, 'hybrid');
    assert.equal(response.hits.length, 3);
    const top = response.hits[0];
    assert.match(top.title, /compressed indices/);
    assert.ok(top.explanation.lexical.rank >= 1 && typeof top.explanation.semantic.score === 'number');
    assert.ok(top.explanation.matchedTerms.includes('compress'));

    const text = await runPaperboy(['--data', data, 'search', 'gpt-4', '--mode', 'lexical', '-n', '1']);
    assert.match(text.stdout, /^1\. \[2402\.01234\] Attention Is Still All You Need: GPT-4 & k-NN$/m);

    const similar = await runPaperboy(['--data', data, 'similar', '2401.00001v2', '--json', '-n', '2']);
    assert.equal(similar.code, 0, similar.stderr);
    const sim = JSON.parse(similar.stdout);
    assert.equal(sim.mode, 'semantic');
    assert.equal(sim.hits.length, 2);
    assert.ok(!sim.hits.some((h: { id: string; title: string }) => h.id === '2401.00001' || /blink of an eye/.test(h.title)), 'neither the paper nor a copy of it');
    const missing = await runPaperboy(['--data', data, 'similar', '2412.99999']);
    assert.equal(missing.code, 2);
  });

  it('says clearly when there is no model, and still searches lexically', async () => {
    const data = tempDir();
    await runPaperboy(['--data', data, 'import', fixture('atom.xml')]);
    const env = { PAPERBOY_MODEL_DIR: join(data, 'no-model'), PAPERBOY_MODEL_DOWNLOAD: '0' };
    const search = await runPaperboy(['--data', data, 'search', 'attention'], { env });
    assert.equal(search.code, 0, search.stderr);
    assert.match(search.stderr, /note: semantic search is unavailable: no embedding model is loaded/);
    assert.match(search.stdout, /1 results \(lexical\)/);
    const embed = await runPaperboy(['--data', data, 'embed'], { env });
    assert.equal(embed.code, 2);
    assert.match(embed.stderr, /no embedding model in .*no-model; run `npm run model:fetch`/);
  });

  it('evaluates a BEIR folder with trec_eval metrics per mode', async () => {
    const data = tempDir();
    const result = await runPaperboy(['--data', data, 'eval', fixture('beir-mini'), '--split', 'test', '--json'], { timeoutMs: 300_000 });
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.documents, 8);
    assert.equal(report.queries, 3, 'the query without judgments is left out');
    assert.deepEqual(report.rows.map((r: { mode: string; fusion?: string }) => `${r.mode}${r.fusion ? `/${r.fusion}` : ''}`), ['lexical', 'semantic', 'hybrid/convex', 'hybrid/rrf']);
    const semantic = report.rows[1].metrics;
    assert.ok(semantic.ndcg10 > 0.9, `semantic nDCG@10 ${semantic.ndcg10}`);
    for (const row of report.rows) for (const v of Object.values(row.metrics) as number[]) assert.ok(v >= 0 && v <= 1);
    const text = await runPaperboy(['--data', data, 'eval', fixture('beir-mini'), '--split', 'test', '-m', 'lexical']);
    assert.match(text.stdout, /^lexical\s+0\.\d{4}\s+\d\.\d{4}\s+0?\.?\d/m);
    const badSplit = await runPaperboy(['--data', data, 'eval', fixture('beir-mini'), '--split', 'dev']);
    assert.equal(badSplit.code, 2);
    assert.match(badSplit.stderr, /is not a BEIR folder for split 'dev': missing qrels\/dev\.tsv \(splits here: test\)/);
  });

  it('says so when a model switch re-embeds, naming both models and the papers', async () => {
    const data = tempDir();
    await runPaperboy(['--data', data, 'import', fixture('atom.xml')]);
    // Another model: the same weights under another id (the loader keeps a folder's own settings when its id is not the catalog's).
    const other = join(data, 'other-model');
    mkdirSync(join(other, 'onnx'), { recursive: true });
    symlinkSync(join(MODEL_DIR, 'onnx', 'model_quantized.onnx'), join(other, 'onnx', 'model_quantized.onnx'));
    symlinkSync(join(MODEL_DIR, 'tokenizer.json'), join(other, 'tokenizer.json'));
    writeFileSync(join(other, 'paperboy-model.json'), JSON.stringify({ id: 'test/other-model', pooling: 'cls', maxTokens: 128 }));
    const first = await runPaperboy(['--data', data, 'embed', '--no-progress'], { env: { PAPERBOY_MODEL_DIR: other }, timeoutMs: 120_000 });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^test\/other-model: 2 papers embedded, 0 remaining$/m);
    const second = await runPaperboy(['--data', data, 'embed', '--no-progress', '--model', 'bge-small-en-v1.5'], { timeoutMs: 120_000 });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^model changed: 2 papers were embedded with test\/other-model, not yet with BAAI\/bge-small-en-v1\.5@onnx-int8; re-embedding them$/m);
    assert.match(second.stdout, /^BAAI\/bge-small-en-v1\.5@onnx-int8: 2 papers embedded, 0 remaining$/m);
    const third = await runPaperboy(['--data', data, 'embed', '--no-progress'], { timeoutMs: 120_000 });
    assert.doesNotMatch(third.stdout, /model changed/, 'said once the switch is done');
    const unknown = await runPaperboy(['--data', data, 'embed', '--model', 'gpt-17']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--model <name>' argument 'gpt-17' is invalid\. Allowed choices are bge-small-en-v1\.5, all-MiniLM-L6-v2/);
    const badEnv = await runPaperboy(['--data', data, 'embed'], { env: { PAPERBOY_MODEL: 'gpt-17' } });
    assert.equal(badEnv.code, 2);
    assert.match(badEnv.stderr, /model \(PAPERBOY_MODEL\): must be one of bge-small-en-v1\.5, all-MiniLM-L6-v2/);
  });

  it('downloads a missing model on first use from the pinned archive (here a mirror), and reports a refused download clearly', async () => {
    const requests: string[] = [];
    const mirror = createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/wrong.jar') res.writeHead(200).end('not the jar');
      else res.writeHead(404).end('not found');
    });
    await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}`;
    try {
      const data = tempDir();
      await runPaperboy(['--data', data, 'import', fixture('atom.xml')]);
      const missing = await runPaperboy(['--data', data, 'embed'], { env: { PAPERBOY_MODEL_DIR: join(data, 'model'), PAPERBOY_MODEL_URL: `${url}/gone.jar` } });
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /no embedding model in .*model \(download failed: cannot download http:\/\/127\.0\.0\.1:\d+\/gone\.jar: HTTP 404\); run `npm run model:fetch`/);
      const wrong = await runPaperboy(['--data', data, 'embed'], { env: { PAPERBOY_MODEL_DIR: join(data, 'model'), PAPERBOY_MODEL_URL: `${url}/wrong.jar` } });
      assert.equal(wrong.code, 2);
      assert.match(wrong.stderr, /download failed: http:\/\/127\.0\.0\.1:\d+\/wrong\.jar: sha256 [0-9a-f]{64}, expected 942d8b1f[0-9a-f]{56}; refusing it/);
      assert.ok(!existsSync(join(data, 'model')), 'nothing half-downloaded looks like a model');
      assert.deepEqual(requests, ['/gone.jar', '/wrong.jar']);
      const off = await runPaperboy(['--data', data, 'embed'], { env: { PAPERBOY_MODEL_DIR: join(data, 'model'), PAPERBOY_MODEL_URL: `${url}/gone.jar`, PAPERBOY_MODEL_DOWNLOAD: '0' } });
      assert.equal(off.code, 2);
      assert.equal(requests.length, 2, 'PAPERBOY_MODEL_DOWNLOAD=0: no download');
    } finally {
      mirror.close();
    }
  });
});
