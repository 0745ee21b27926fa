// The real `paperboy serve` for bench:http, in a child process on a free port: started, waited for
// until it answers keyword searches quickly (every worker has its index) and then until GET /readyz
// answers 200 (every worker has read its index ahead, loaded the model and warmed up: what a load
// balancer waits for), and stopped.

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const freePort = () => new Promise((resolvePromise) => {
  const probe = createServer().listen(0, '127.0.0.1', () => { const { port } = probe.address(); probe.close(() => resolvePromise(port)); });
});

/**
 * @param {{ root: string, dataDir: string, modelDir: string, workers: number, nodeArgs?: string[], env?: Record<string, string>, log: (...a: unknown[]) => void }} opts
 * @returns {Promise<{ url: string, readyS: number, keywordReadyS: number, stop: () => Promise<void> }>}
 */
export async function startService({ root, dataDir, modelDir, workers, nodeArgs = [], env = {}, log }) {
  const port = await freePort();
  const server = spawn(process.execPath, [...nodeArgs, join(root, 'bin', 'paperboy.js'), 'serve', '--port', String(port), '--workers', String(workers), '--data', dataDir], {
    env: { ...process.env, PAPERBOY_DATA: '', PAPERBOY_RATE_LIMITS: '0', PAPERBOY_LOG_LEVEL: 'warn', PAPERBOY_MODEL_DOWNLOAD: '0', PAPERBOY_MODEL_DIR: modelDir, ...env },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  const exited = new Promise((resolvePromise) => server.once('exit', resolvePromise));
  const started = performance.now();
  const url = await new Promise((resolvePromise, reject) => {
    let text = '';
    server.stderr.on('data', (d) => { text += d; const m = /listening on (http:\/\/\S+)/.exec(text); if (m) resolvePromise(m[1]); });
    void exited.then((code) => reject(new Error(`serve exited ${code}: ${text}`)));
  });
  // Ready when every worker has its index: 20 answers in a row, each quick.
  for (let quick = 0; quick < 20;) {
    const t = performance.now();
    const res = await fetch(`${url}/api/search?q=warm&mode=keyword`).catch(() => null);
    quick = res?.ok && performance.now() - t < 200 ? quick + 1 : 0;
    if (!res?.ok) await new Promise((r) => setTimeout(r, 500));
  }
  const keywordReadyS = Math.round((performance.now() - started) / 100) / 10;
  let gone = false;
  void exited.then(() => { gone = true; });
  for (const deadline = performance.now() + 600_000; ;) {
    if (gone) throw new Error('serve exited before it was ready');
    if (performance.now() > deadline) throw new Error(`serve was not ready (GET /readyz) within 10 minutes of answering searches`);
    const res = await fetch(`${url}/readyz`).catch(() => null);
    if (res?.status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const readyS = Math.round((performance.now() - started) / 100) / 10;
  log(`service ready at ${url} (keyword searches answered quickly after ${keywordReadyS} s, /readyz 200 after ${readyS} s)`);
  return {
    url,
    readyS,
    keywordReadyS,
    stop: async () => {
      server.kill('SIGTERM');
      await exited;
    },
  };
}

/** Load average and CPU steal over an interval (this VM's 2 cores are shared with other work). */
export function machineLoad(readFileSync) {
  const read = () => {
    try {
      const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
      return { total: f.reduce((a, b) => a + b, 0), idle: (f[3] ?? 0) + (f[4] ?? 0), steal: f[7] ?? 0 };
    } catch {
      return null;
    }
  };
  const before = read();
  return () => {
    const after = read();
    const load = (() => { try { return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number); } catch { return null; } })();
    if (!before || !after) return { loadavg: load };
    const total = Math.max(1, after.total - before.total);
    return { loadavg: load, busyPct: Math.round((1000 * (total - (after.idle - before.idle))) / total) / 10, stealPct: Math.round((1000 * (after.steal - before.steal)) / total) / 10 };
  };
}
