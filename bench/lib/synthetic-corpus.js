// A synthetic corpus shaped like a real one (bench/scale.js). fitCorpus() reads the real corpus
// (arxiv-75k.jsonl.gz) and keeps its empirical distributions: title and abstract lengths in tokens,
// author counts, category lists (whole lists, so co-occurrence is the real one), dates, first and
// last names, the unigram distributions of title and abstract tokens, and Heaps' law V = K n^beta
// fitted on its token stream. syntheticRecords() draws papers from that model: each paper copies the
// shape (lengths, author count, categories, date +-14 days) of a random real paper and fills it with
// tokens drawn from the real unigram distributions, plus new synthetic words at the rate that keeps
// the vocabulary on the fitted Heaps curve as the corpus grows past the real one (sampling the real
// unigrams alone would saturate at the real vocabulary). Deterministic for a given seed.
//
// Tokens are whitespace-separated, as in the real text (punctuation, LaTeX and capitals kept), so
// the analyzer sees text like the real one. Ids are `synth:p<number>` (a source id: never an arXiv id).
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';

/** sfc32: a small, fast, seeded PRNG returning floats in [0, 1). */
export function seededRandom(seed) {
  let a = 0x9e3779b9, b = 0x243f6a88, c = 0xb7e15162, d = seed >>> 0;
  const next = () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 16; i++) next();
  return next;
}

/** Walker's alias table over counts: O(1) draws from a discrete distribution. */
function aliasTable(counts) {
  const n = counts.length;
  const total = counts.reduce((s, c) => s + c, 0);
  const prob = new Float64Array(n);
  const alias = new Int32Array(n);
  const scaled = counts.map((c) => (c * n) / total);
  const small = [], large = [];
  scaled.forEach((p, i) => (p < 1 ? small : large).push(i));
  while (small.length && large.length) {
    const s = small.pop(), l = large.pop();
    prob[s] = scaled[s];
    alias[s] = l;
    scaled[l] = scaled[l] + scaled[s] - 1;
    (scaled[l] < 1 ? small : large).push(l);
  }
  for (const i of [...small, ...large]) prob[i] = 1;
  return (random) => {
    const i = Math.floor(random() * n);
    return random() < prob[i] ? i : alias[i];
  };
}

const DAY = 86_400_000;
const splitTokens = (text) => (text ? text.split(/\s+/).filter(Boolean) : []);

/** Least squares of log V on log n over the checkpoints: Heaps' K and beta. */
function fitHeaps(points) {
  const xs = points.map(([n]) => Math.log(n)), ys = points.map(([, v]) => Math.log(v));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length, my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0, sxx = 0;
  xs.forEach((x, i) => { sxy += (x - mx) * (ys[i] - my); sxx += (x - mx) ** 2; });
  const beta = sxy / sxx;
  return { K: Math.exp(my - beta * mx), beta };
}

/** Reads the real corpus and returns the model that syntheticRecords() draws from. */
export async function fitCorpus(file) {
  const titleCounts = new Map(), abstractCounts = new Map(), seen = new Set();
  const shapes = []; // [titleLen, abstractLen, authorCount, categoriesIndex, day]
  const categoryLists = new Map(), firstNames = [], lastNames = [];
  const checkpoints = [];
  let tokens = 0, nextCheckpoint = 1000;
  const count = (map, token) => {
    map.set(token, (map.get(token) ?? 0) + 1);
    seen.add(token);
    if (++tokens >= nextCheckpoint) { checkpoints.push([tokens, seen.size]); nextCheckpoint = Math.ceil(nextCheckpoint * 1.25); }
  };
  const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    const r = JSON.parse(line);
    const title = splitTokens(r.title), abstract = splitTokens(r.abstract);
    for (const t of title) count(titleCounts, t);
    for (const t of abstract) count(abstractCounts, t);
    const key = (r.categories ?? []).join(' ');
    if (!categoryLists.has(key)) categoryLists.set(key, categoryLists.size);
    const authors = r.authors ?? [];
    for (const a of authors) {
      const cut = a.lastIndexOf(' ');
      if (cut > 0) { firstNames.push(a.slice(0, cut)); lastNames.push(a.slice(cut + 1)); } else lastNames.push(a);
    }
    const day = r.date ? Math.floor(Date.parse(r.date) / DAY) : NaN;
    shapes.push([title.length, abstract.length, authors.length, categoryLists.get(key), Number.isFinite(day) ? day : -1]);
  }
  checkpoints.push([tokens, seen.size]);
  const heaps = fitHeaps(checkpoints.filter(([n]) => n >= 100_000));
  const days = shapes.map((s) => s[4]).filter((d) => d >= 0);
  const ids = new Map([...seen].map((w, i) => [w, i]));
  // `ids`: a number per distinct real token, so that the generator tracks its vocabulary in a flag array.
  const toTable = (map) => { const words = [...map.keys()]; return { words, ids: Int32Array.from(words, (w) => ids.get(w)), draw: aliasTable(words.map((w) => map.get(w))) }; };
  // The discovery rate of i.i.d. draws from the real unigrams after n tokens: sum_w q_w (1 - q_w)^n.
  const q = [...seen].map((w) => ((titleCounts.get(w) ?? 0) + (abstractCounts.get(w) ?? 0)) / tokens);
  const logRest = q.map((p) => Math.log1p(-p));
  const discoveryRate = (n) => { let s = 0; for (let i = 0; i < q.length; i++) s += q[i] * Math.exp(n * logRest[i]); return s; };
  return {
    file,
    papers: shapes.length,
    tokens,
    vocabulary: seen.size,
    heaps,
    checkpoints,
    shapes,
    categoryLists: [...categoryLists.keys()].map((k) => (k ? k.split(' ') : [])),
    firstNames,
    lastNames,
    minDay: Math.min(...days),
    maxDay: Math.max(...days),
    title: toTable(titleCounts),
    abstract: toTable(abstractCounts),
    discoveryRate,
  };
}

const SYLLABLES = 'b d f g k l m n p r t v z'.split(' ').flatMap((c) => 'a e i o u'.split(' ').map((v) => c + v));

/** The j-th synthetic word: at least two consonant-vowel syllables and a closing 'x' (never an English word). */
export function syntheticWord(j) {
  let word = '';
  let n = j + SYLLABLES.length; // at least two syllables
  while (n > 0) { word = SYLLABLES[n % SYLLABLES.length] + word; n = Math.floor(n / SYLLABLES.length); }
  return word + 'x';
}

/** The paper id of the i-th synthetic paper (i from 0). */
export const syntheticId = (i) => `synth:p${String(i + 1).padStart(8, '0')}`;

/**
 * Yields `count` synthetic records (the JSONL importer's schema) drawn from `model`. The stream for
 * a seed is fixed: the first n records of a larger run equal those of a smaller one. `stats` (an
 * object) receives tokens, vocabulary (distinct tokens: real ones drawn + synthetic words, which
 * never collide with real tokens) and synthetic words created.
 */
export function* syntheticRecords(model, count, seed = 1, stats = {}) {
  const random = seededRandom(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const { K, beta } = model.heaps;
  const seenReal = new Uint8Array(model.vocabulary);
  let realSeen = 0, tokens = 0, created = 0, pNew = 0, nextRefresh = 0;
  const refresh = () => {
    // Over the next window, as many new synthetic words as keep the vocabulary on the Heaps curve
    // K n^beta, less the unseen real words that drawing from the real unigrams still finds.
    const window = Math.max(100_000, Math.floor(tokens / 50));
    const deficit = K * (tokens + window) ** beta - (realSeen + created) - model.discoveryRate(tokens) * window;
    pNew = Math.min(0.5, Math.max(0, deficit / window));
    nextRefresh = tokens + window;
  };
  const word = (table, capitalise) => {
    if (tokens >= nextRefresh) refresh();
    tokens++;
    const u = random();
    let w;
    if (u < pNew) {
      w = syntheticWord(created++);
      if (capitalise) w = w[0].toUpperCase() + w.slice(1);
    } else if (u < 2 * pNew && created > 0) {
      w = syntheticWord(Math.floor(random() * created)); // rare words come back now and then
    } else {
      const k = table.draw(random);
      const id = table.ids[k];
      if (!seenReal[id]) { seenReal[id] = 1; realSeen++; }
      w = table.words[k];
    }
    return w;
  };
  for (let i = 0; i < count; i++) {
    const [titleLen, abstractLen, authorCount, categoriesIndex, day] = pick(model.shapes);
    const title = [];
    for (let k = 0; k < Math.max(1, titleLen); k++) title.push(word(model.title, random() < 0.5));
    const abstract = [];
    for (let k = 0; k < abstractLen; k++) abstract.push(word(model.abstract, false));
    const authors = [];
    for (let k = 0; k < authorCount; k++) authors.push(`${pick(model.firstNames)} ${pick(model.lastNames)}`);
    const categories = model.categoryLists[categoriesIndex];
    const base = day >= 0 ? day : model.minDay + Math.floor(random() * (model.maxDay - model.minDay + 1));
    const when = Math.min(model.maxDay, Math.max(model.minDay, base + Math.floor(random() * 29) - 14));
    yield {
      id: syntheticId(i),
      title: title.join(' '),
      abstract: abstract.join(' '),
      authors,
      categories,
      primary_category: categories[0] ?? null,
      date: new Date(when * DAY).toISOString().slice(0, 10),
      comment: null,
    };
  }
  Object.assign(stats, { tokens, vocabulary: realSeen + created, syntheticWords: created, heapsPredicted: Math.round(K * tokens ** beta) });
}
