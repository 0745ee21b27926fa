// Process helpers for bench/scale.js: run a CLI command with a timeout and its peak RSS, start
// `paperboy serve` and wait for its first search answer, and sum RSS and PSS over a process tree.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Runs `node <installRoot>/bin/paperboy.js ...args` under /usr/bin/time. Resolves with
 * { seconds, peakRssMb, code, stdout, stderr, timedOut }; never rejects on a non-zero exit.
 */
export async function paperboy(installRoot, args, { env = {}, timeoutMs = 3_600_000 } = {}) {
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-f', 'PEAK_RSS_KB=%M', process.execPath, join(installRoot, 'bin', 'paperboy.js'), ...args], {
    env: { ...process.env, PAPERBOY_MODEL_DOWNLOAD: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '', stderr = '', timedOut = false;
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
  const [code] = await once(child, 'close');
  clearTimeout(timer);
  const m = /PEAK_RSS_KB=(\d+)/.exec(stderr);
  return { seconds: (performance.now() - started) / 1000, peakRssMb: m ? Math.round(Number(m[1]) / 1024) : null, code, stdout, stderr: stderr.replace(/PEAK_RSS_KB=\d+\n?/, ''), timedOut };
}

/** Pids of `pid` and all its descendants. */
export function processTree(pid) {
  const all = [pid];
  for (let i = 0; i < all.length; i++) {
    let children = '';
    try { children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(all[i])], { encoding: 'utf8' }); } catch { /* none */ }
    for (const c of children.split('\n').map((s) => Number(s.trim())).filter(Boolean)) all.push(c);
  }
  return all;
}

/** RSS and PSS (MB) summed over `pid` and its descendants, from /proc/<pid>/smaps_rollup. */
export function treeMemory(pid) {
  let rss = 0, pss = 0;
  const pids = processTree(pid);
  for (const p of pids) {
    try {
      const text = readFileSync(`/proc/${p}/smaps_rollup`, 'utf8');
      rss += Number(/^Rss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
      pss += Number(/^Pss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
    } catch { /* exited meanwhile */ }
  }
  return { processes: pids.length, rssMb: Math.round(rss / 1024), pssMb: Math.round(pss / 1024) };
}

/**
 * Starts `paperboy serve --workers N --port 0` on `dataDir` and waits until a keyword search for
 * `probe` answers with at least one hit. Returns { url, child, listenSeconds, firstSearchSeconds,
 * waitReady() (resolves with the seconds from spawn to GET /readyz 200, null without /readyz), logs() (the stderr so far), stop() }.
 */
export async function startServe(installRoot, dataDir, workers, probe, { timeoutMs = 3_600_000, env = {} } = {}) {
  const started = performance.now();
  const child = spawn(process.execPath, [join(installRoot, 'bin', 'paperboy.js'), 'serve', '--port', '0', '--workers', String(workers)], {
    env: { ...process.env, PAPERBOY_DATA: dataDir, PAPERBOY_RATE_LIMITS: '0', PAPERBOY_MODEL_DOWNLOAD: '0', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let logs = '';
  child.stderr.on('data', (d) => { logs += d; if (logs.length > 4_000_000) logs = logs.slice(-2_000_000); });
  const stop = async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => { for (const p of processTree(child.pid).reverse()) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }, 20_000);
    await once(child, 'exit');
    clearTimeout(killer);
  };
  try {
    const url = await new Promise((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not listen within ${timeoutMs / 1000} s`)), timeoutMs);
      child.stderr.on('data', () => { const m = /listening on (http:\/\/\S+)/.exec(logs); if (m) { clearTimeout(timer); resolveUrl(m[1]); } });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`serve exited ${code}: ${logs.slice(-2000)}`)); });
    });
    const listenSeconds = (performance.now() - started) / 1000;
    const deadline = started + timeoutMs;
    for (;;) {
      const res = await fetch(`${url}/api/search?q=${encodeURIComponent(probe)}&mode=keyword&limit=10`).catch(() => null);
      const body = res?.ok ? await res.json().catch(() => null) : null;
      if (body?.items?.length > 0) break;
      if (performance.now() > deadline) throw new Error(`serve gave no search answer within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // Ready as a balancer sees it (GET /readyz 200: index read ahead, model loaded, warm-up done, every
    // worker): the latency and memory figures are taken from then on, as traffic would reach it.
    // An installation from before readiness (a peer) answers 404: null, and the figures go on at once.
    const waitReady = async () => {
      for (;;) {
        const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(10_000) }).catch(() => null);
        await res?.arrayBuffer().catch(() => null);
        if (res?.status === 200) return (performance.now() - started) / 1000;
        if (res?.status === 404) return null;
        if (performance.now() > deadline) throw new Error(`serve was not ready within ${timeoutMs / 1000} s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    return { url, child, listenSeconds, firstSearchSeconds: (performance.now() - started) / 1000, waitReady, logs: () => logs, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
