// An open-loop (constant arrival rate) HTTP load generator, as wrk2 or k6's constant-arrival-rate:
// request i is due at start + i / rate, whether or not earlier ones have answered, and its latency
// is measured from that due time, so queueing anywhere (our sockets, the server) counts
// (no coordinated omission). At most `connections` requests are in flight; the rest wait their
// turn, with the clock running.
//
// Why not autocannon's overallRate: each of its connections sends its share of a second's
// requests back to back when the second starts and then idles, so "500 req/s" arrives as a burst
// at the top of every second (node_modules/autocannon/lib/httpClient.js, rateInterval) and the
// measured tail is the burst's queue, not the service's.

import { Agent, request } from 'node:http';
import { clearInterval, setInterval } from 'node:timers';

/**
 * With `windowSeconds`, `windows` also gives the percentiles of the requests due in each window of
 * that length (a request belongs to the window of its due time, however late it answers).
 * @param {{ url: string, rate: number, seconds: number, connections: number, pathFor: (i: number) => string, windowSeconds?: number }} opts
 * @returns {Promise<{ offered: number, requestsPerS: number, p50Ms: number, p90Ms: number, p99Ms: number, maxMs: number, non2xx: number, errors: number, total: number, lateStartMs: number, windows?: { fromS: number, p50Ms: number, p90Ms: number, p99Ms: number, maxMs: number, total: number }[] }>}
 */
export async function openLoop({ url, rate, seconds, connections, pathFor, windowSeconds }) {
  const { hostname, port } = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const total = Math.round(rate * seconds);
  const latencies = new Float64Array(total);
  const byDue = new Float64Array(total).fill(NaN); // latency of request i, in due order (for windows)
  let done = 0;
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  let worstStart = 0; // how late (ms) the generator itself issued a request: it must stay small
  const intervalMs = 1000 / rate;

  return new Promise((resolvePromise) => {
    const start = performance.now() + 20;
    const finish = () => {
      clearInterval(timer);
      agent.destroy();
      const elapsed = (performance.now() - start) / 1000;
      const percentiles = (values) => {
        const sorted = values.sort();
        const at = (q) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 10) / 10;
        return { p50Ms: at(0.5), p90Ms: at(0.9), p99Ms: at(0.99), maxMs: at(1) };
      };
      const windows = [];
      if (windowSeconds) {
        const perWindow = Math.round(rate * windowSeconds);
        for (let from = 0; from < total; from += perWindow) {
          const answered = byDue.slice(from, from + perWindow).filter((x) => !Number.isNaN(x));
          windows.push({ fromS: Math.round((from / rate) * 10) / 10, ...percentiles(answered), total: answered.length });
        }
      }
      resolvePromise({
        offered: rate, requestsPerS: Math.round(done / elapsed), ...percentiles(latencies.slice(0, done)),
        non2xx, errors, total: done, lateStartMs: Math.round(worstStart * 10) / 10, ...(windowSeconds ? { windows } : {}),
      });
    };
    const fire = (i) => {
      const due = start + i * intervalMs;
      const req = request({ agent, hostname, port, path: pathFor(i), method: 'GET' }, (res) => {
        res.on('data', () => {});
        res.on('end', () => {
          const latency = performance.now() - due;
          latencies[done++] = latency;
          byDue[i] = latency;
          if (res.statusCode < 200 || res.statusCode > 299) non2xx++;
          if (done + errors === total) finish();
        });
      });
      req.on('error', () => { errors++; if (done + errors === total) finish(); });
      req.end();
    };
    // A 1 ms tick issues every request that has come due (timers cannot wake every 2 ms exactly).
    const timer = setInterval(() => {
      const now = performance.now();
      while (sent < total && start + sent * intervalMs <= now) {
        worstStart = Math.max(worstStart, now - (start + sent * intervalMs));
        fire(sent++);
      }
    }, 1);
  });
}

/**
 * Runs {@link openLoop} in a child process with a fresh heap, so that the parent's garbage
 * collections and work never delay the requests. `paths` are requested in order, cycling.
 * @param {{ url: string, rate: number, seconds: number, connections: number, paths: string[] }} opts
 */
export async function openLoopInChild({ paths, ...opts }) {
  const { fork } = await import('node:child_process');
  const child = fork(new URL(import.meta.url), ['--open-loop-child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolvePromise, reject) => {
    child.once('message', (result) => { child.disconnect(); resolvePromise(result); });
    child.once('exit', (code) => { if (code !== 0) reject(new Error(`open-loop generator exited ${code}`)); });
    child.send({ ...opts, paths });
  });
}

if (process.argv.includes('--open-loop-child')) {
  process.once('message', async ({ paths, ...opts }) => {
    const result = await openLoop({ ...opts, pathFor: (i) => paths[i % paths.length] });
    process.send(result);
  });
}
