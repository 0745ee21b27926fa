import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load-config.ts';
import { DEFAULT_MODEL, findModel, manifestOf, MODELS } from '../../src/config/models.ts';

const load = (env: Record<string, string>, overrides = {}) => loadConfig({ env, installDir: '/opt/paperboy', overrides });

describe('choosing the embedding model by name', () => {
  it('defaults to bge-small-en-v1.5 in models/<name>, and PAPERBOY_MODEL, the config key or --model pick another', () => {
    const base = load({});
    assert.equal(DEFAULT_MODEL, 'bge-small-en-v1.5');
    assert.equal(base.model, 'bge-small-en-v1.5');
    assert.equal(base.modelDir, join('/opt/paperboy', 'models', 'bge-small-en-v1.5'));
    assert.equal(base.modelSpec.settings.pooling, 'cls');
    const minilm = load({ PAPERBOY_MODEL: 'all-minilm-l6-v2' });
    assert.equal(minilm.model, 'all-MiniLM-L6-v2', 'names are case-insensitive and come back canonical');
    assert.equal(minilm.modelDir, join('/opt/paperboy', 'models', 'all-MiniLM-L6-v2'));
    assert.equal(minilm.modelSpec.settings.pooling, 'mean');
    assert.equal(load({ PAPERBOY_MODEL: 'all-MiniLM-L6-v2' }, { model: 'bge-small-en-v1.5' }).model, 'bge-small-en-v1.5', 'the flag wins');
    assert.equal(load({ PAPERBOY_MODEL_DIR: '/srv/model' }).modelDir, '/srv/model');
    assert.equal(load({ PAPERBOY_MODEL_URL: 'https://mirror.example/bge.jar' }).modelUrl, 'https://mirror.example/bge.jar');
    assert.throws(() => load({ PAPERBOY_MODEL: 'gpt-17' }), /model \(PAPERBOY_MODEL\): must be one of bge-small-en-v1\.5, all-MiniLM-L6-v2/);
  });

  it('declares every model once: pooling, prefixes, limits, floor, fusion and a pinned source', () => {
    for (const spec of MODELS) {
      assert.equal(findModel(spec.name), spec);
      assert.ok(spec.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256)));
      assert.ok(spec.files.some((f) => f.path === 'tokenizer.json') && spec.files.some((f) => f.path.endsWith('.onnx')));
      const manifest = manifestOf(spec);
      assert.equal(manifest.id, spec.settings.id);
      assert.ok(manifest.minRelevance > 0 && manifest.fusion.alpha > 0);
    }
    const bge = findModel('bge-small-en-v1.5')!;
    assert.equal(bge.source.kind, 'archive');
    assert.equal(bge.source.kind === 'archive' && bge.source.sha256, '942d8b1fbae0e237d232a265356ec7244dcf5f598037329e00de6633a43f6b56');
    assert.equal(bge.settings.queryPrefix, 'Represent this sentence for searching relevant passages: ');
    assert.equal(bge.settings.maxTokens, 512);
  });
});
