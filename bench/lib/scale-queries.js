// The fixed query set of bench:search (bench/search.js): 2-5 content words from the title of every
// 149th paper of the real corpus, chosen with the same seeded generator, so every run and every
// scale asks the same queries (the synthetic corpora draw their words from the same unigrams).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export function fixedQueries(corpusFile, count = 500) {
  const titles = gunzipSync(readFileSync(corpusFile)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l).title);
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const queries = [];
  for (let i = 0; queries.length < count; i++) {
    const words = titles[(i * 149) % titles.length].split(/\s+/).filter((w) => /^[A-Za-z][A-Za-z-]{2,}$/.test(w));
    if (words.length < 2) continue;
    const n = Math.min(words.length, 2 + Math.floor(rand() * 4));
    const start = Math.floor(rand() * (words.length - n + 1));
    queries.push(words.slice(start, start + n).join(' '));
  }
  return queries;
}

/** p50/p95/p99 (ms, 2 decimals) of a list of samples, as bench:search computes them. */
export function percentiles(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
  return { p50: +at(50).toFixed(2), p95: +at(95).toFixed(2), p99: +at(99).toFixed(2), n: s.length };
}
