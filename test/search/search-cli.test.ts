import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createReadStream, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { fixture, ROOT, runPaperboy, tempDir } from '../helpers.ts';

describe('search commands', () => {
  it('embeds, searches with explanations, finds similar papers', async () => {
    const data = tempDir();
    const imported = await runPaperboy(['--data', data, 'import', fixture('oai-arxivraw.xml'), fixture('atom.xml'), fixture('seed-papers.jsonl')]);
    assert.equal(imported.code, 0, imported.stderr);
    const embed = await runPaperboy(['--data', data, 'embed', '--no-progress'], { timeoutMs: 300_000 });
    assert.equal(embed.code, 0, embed.stderr);
    assert.match(embed.stdout, /all-MiniLM-L6-v2@onnx-int8: 50 papers embedded, 0 remaining/);

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
    assert.ok(!sim.hits.some((h: { id: string }) => h.id === '2401.00001'));
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

  it('downloads a missing model from the hub on first use, once, and reports a hub failure clearly', async () => {
    const source = join(ROOT, 'models', 'all-MiniLM-L6-v2');
    const requests: string[] = [];
    const hub = createServer((req, res) => {
      requests.push(req.url ?? '');
      const match = /^\/Xenova\/all-MiniLM-L6-v2\/resolve\/main\/(.+)$/.exec(req.url ?? '');
      const file = match ? join(source, match[1]!) : '';
      if (!match || !existsSync(file)) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200);
      createReadStream(file).pipe(res);
    });
    await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(hub.address() as AddressInfo).port}`;
    try {
      const data = tempDir();
      await runPaperboy(['--data', data, 'import', fixture('atom.xml')]);
      const env = { PAPERBOY_MODEL_DIR: join(data, 'model'), PAPERBOY_MODEL_HUB_URL: url };
      const first = await runPaperboy(['--data', data, 'embed', '--no-progress'], { env, timeoutMs: 120_000 });
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /Xenova\/all-MiniLM-L6-v2@onnx-int8: 2 papers embedded/);
      assert.ok(requests.some((r) => r.endsWith('/onnx/model_quantized.onnx')));
      const count = requests.length;
      const search = await runPaperboy(['--data', data, 'search', 'attention', '--json'], { env });
      assert.equal(JSON.parse(search.stdout).mode, 'hybrid');
      assert.equal(requests.length, count, 'cached: no second download');

      const broken = await runPaperboy(['--data', data, 'embed'], { env: { PAPERBOY_MODEL_DIR: join(data, 'other'), PAPERBOY_MODEL_HUB_URL: url, PAPERBOY_MODEL_REPO: 'nobody/nothing' } });
      assert.equal(broken.code, 2);
      assert.match(broken.stderr, /no embedding model in .*other \(download from the hub failed: cannot download http:\/\/127\.0\.0\.1:\d+\/nobody\/nothing\/resolve\/main\/config\.json: HTTP 404\)/);
      assert.ok(!existsSync(join(data, 'other', 'onnx')), 'nothing half-downloaded looks like a model');
    } finally {
      hub.close();
    }
  });
});
