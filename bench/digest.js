// npm run bench:digest — composes personalised digests for 10,000 subscribers with topic alerts
// over the 75k corpus and hands them to an SMTP server on 127.0.0.1 (smtp-server, a sink that
// accepts everything). Prints digests/s for composing (plan) and for sending, in the same run.
// Uses the corpus of bench:http (.bench/http, imported and embedded or with stand-in vectors) in a
// copy. BENCH_DIGEST_SUBSCRIBERS (default 10000).
//
// Second part (issue 17; BENCH_DIGEST_RECOMMEND=0 skips it): the next day's digests, whose window is
// the last day's papers, composed without storing (dry run) for every subscriber twice: as they are,
// then with each subscriber linked to an account that saved 3-10 papers (likes drawn around a
// random paper's category) and the "Recommended for you" section on. The difference is what scoring
// a day's papers for every reader adds to a digest run; then that day is planned and sent for real.

import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { SMTPServer } from 'smtp-server';

const root = resolve(import.meta.dirname, '..');
const dist = (p) => import(join(root, 'dist', p));
const { createSqlitePaperStore } = await dist('adapters/sqlite/paper-store.js');
const { createSqliteAccountStore } = await dist('adapters/sqlite/account-store.js');
const { createSqliteSubscriptionStore } = await dist('adapters/sqlite/subscription-store.js');
const { createSearchService } = await dist('app/search/search-service.js');
const { createCatalog } = await dist('app/catalog.js');
const { createDigestService, DIGEST_DEFAULTS, DEFAULT_PREFERENCES, RECOMMENDED_TITLE } = await dist('app/digests.js');
const { createForYouService } = await dist('app/for-you-service.js');
const { TermCountCache } = await dist('core/recommend/tfidf.js');
const { addDays } = await dist('core/periods.js');
const { createSmtpMailer } = await dist('adapters/mail/smtp-mailer.js');
const { createUsearchAnn } = await dist('adapters/vector/usearch-ann.js');
const { hasModel, loadOnnxEmbedder } = await dist('adapters/embedding/onnx-embedder.js');
const { silentLogger } = await dist('ports/logger.js');

const SUBSCRIBERS = Number(process.env.BENCH_DIGEST_SUBSCRIBERS ?? 10_000);
const modelDir = process.env.PAPERBOY_MODEL_DIR ?? join(root, 'models', 'bge-small-en-v1.5'); // the default model (src/config/models.ts)
const source = join(root, '.bench', 'http', 'paperboy.db');
if (!existsSync(source)) throw new Error('run npm run bench:http first (it prepares the 75k corpus in .bench/http)');
const dir = join(root, '.bench', 'digest');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
{
  const db = new Database(source);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}
copyFileSync(source, join(dir, 'paperboy.db'));
const log = (...a) => console.error('[bench:digest]', ...a);
let seed = 11;
const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = (list) => list[Math.floor(rand() * list.length)];

// An SMTP sink on loopback.
let accepted = 0;
const smtp = new SMTPServer({ secure: false, authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false, onData(stream, _s, cb) { stream.on('data', () => {}); stream.on('end', () => { accepted++; cb(); }); } });
await new Promise((r) => smtp.listen(0, '127.0.0.1', r));
const smtpPort = smtp.server.address().port;

const clockMs = { now: Date.now() };
const clock = { now: () => clockMs.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
const store = createSqlitePaperStore(join(dir, 'paperboy.db'));
const embedder = hasModel(modelDir) ? await loadOnnxEmbedder(modelDir) : null;
const service = createSearchService({ store, embedder, logger: silentLogger }, { ann: (d) => createUsearchAnn(d) });
let t = performance.now();
await service.refresh();
log(`index: ${service.engine.size} papers, ${service.engine.embedded} vectors in ${((performance.now() - t) / 1000).toFixed(1)} s`);
const engine = service.engine;
const { docs: table } = engine.view();
const period = new Date(table.latestDay(2 ** 31 - 1) * 86_400_000).toISOString().slice(0, 10);
clockMs.now = Date.parse(`${period}T12:00:00Z`);

// Topic pools from the corpus: title words, categories, frequent authors (texts read from the store).
const seqs = table.datedBetween(-(2 ** 31), 2 ** 31 - 1);
const texts = await engine.readTexts(seqs);
const docs = seqs.map((seq) => texts.get(seq)).filter(Boolean);
const categories = new Map();
const authors = new Map();
for (const d of docs) {
  for (const c of d.categories) categories.set(c, (categories.get(c) ?? 0) + 1);
  for (const a of d.authors.slice(0, 3)) authors.set(a, (authors.get(a) ?? 0) + 1);
}
const topCategories = [...categories].sort((a, b) => b[1] - a[1]).slice(0, 60).map(([c]) => c);
const topAuthors = [...authors].sort((a, b) => b[1] - a[1]).slice(0, 200).map(([a]) => a);
const searches = [];
for (let i = 0; searches.length < 400; i += 97) {
  const words = docs[i % docs.length].title.split(/\s+/).filter((w) => /^[A-Za-z][A-Za-z-]{3,}$/.test(w));
  if (words.length >= 2) searches.push(words.slice(0, 2 + Math.floor(rand() * 2)).join(' '));
}

const subscriptions = createSqliteSubscriptionStore(store.db);
t = performance.now();
store.db.exec('BEGIN');
for (let i = 0; i < SUBSCRIBERS; i++) {
  const hash = createHash('sha256').update(`b${i}`).digest('hex');
  await subscriptions.requestSubscription({ email: `reader${i}@example.org`, tokenHash: hash, now: '2000-01-01T00:00:00Z', expiresAt: '2100-01-01T00:00:00Z', preferences: { ...DEFAULT_PREFERENCES, maxPapers: 10 }, userId: null });
  await subscriptions.confirm(hash, '2000-01-02T00:00:00Z');
  const sub = await subscriptions.findSubscriber(`reader${i}@example.org`);
  const topics = 1 + Math.floor(rand() * 3);
  for (let k = 0; k < topics; k++) {
    const r = rand();
    const topic = r < 0.5 ? { kind: 'search', query: pick(searches), filters: {} } : r < 0.8 ? { kind: 'category', query: pick(topCategories), filters: {} } : { kind: 'author', query: pick(topAuthors), filters: {} };
    await subscriptions.addTopic({ subscriberId: sub.id, ...topic, frequency: 'daily', createdAt: '2000-01-02T00:00:00Z' });
  }
}
store.db.exec('COMMIT');
log(`${SUBSCRIBERS} subscribers with 1-3 topics each created in ${((performance.now() - t) / 1000).toFixed(1)} s`);

const catalog = createCatalog({ store, accounts: createSqliteAccountStore(store.db), search: async () => service, clock });
const mailer = createSmtpMailer({ host: '127.0.0.1', port: smtpPort, secure: false, from: 'Paperboy <digest@bench.test>', maxConnections: 4 });
const digests = createDigestService({ subscriptions, catalog, mailer, clock, logger: silentLogger, secret: 'bench-secret-bench-secret-bench-secret', baseUrl: 'https://paperboy.example' }, { ...DIGEST_DEFAULTS, ratePerMinute: 10_000_000, batchSize: 200 });

const rss0 = process.memoryUsage().rss;
t = performance.now();
const plan = await digests.plan({ date: period });
const planS = (performance.now() - t) / 1000;
log(`composed: ${plan.planned} digests, ${plan.empty} empty, in ${planS.toFixed(1)} s`);
t = performance.now();
const sent = await digests.send();
const sendS = (performance.now() - t) / 1000;
log(`handed to SMTP: ${sent.sent} (${accepted} accepted by the server) in ${sendS.toFixed(1)} s`);
const again = await digests.plan({ date: period });
await mailer.close();

// Part two: a day's papers scored for every reader (recommendations in the digest).
let recs = null;
if (process.env.BENCH_DIGEST_RECOMMEND !== '0') {
  const day2 = addDays(period, 1);
  clockMs.now = Date.parse(`${day2}T12:00:00Z`);
  const accountStore = createSqliteAccountStore(store.db);
  const forYou = createForYouService({ accounts: accountStore, catalog, source: async () => engine, secret: 'bench-secret-bench-secret-bench-secret', termCounts: new TermCountCache(2048) }); // as compose/web.ts
  const mailer2 = createSmtpMailer({ host: '127.0.0.1', port: smtpPort, secure: false, from: 'Paperboy <digest@bench.test>', maxConnections: 4 });
  const withRecs = createDigestService({ subscriptions, catalog, mailer: mailer2, clock, logger: silentLogger, secret: 'bench-secret-bench-secret-bench-secret', baseUrl: 'https://paperboy.example', recommendations: forYou.digestPapers }, { ...DIGEST_DEFAULTS, ratePerMinute: 10_000_000, batchSize: 200 });
  t = performance.now();
  const plain = await withRecs.plan({ date: day2, dryRun: true });
  const plainS = (performance.now() - t) / 1000;
  log(`day 2 without recommendations (dry run): ${plain.previews.length} digests composed in ${plainS.toFixed(1)} s`);
  // Readers: each subscriber gets an account with 3-10 saved papers of one category.
  const byCategory = new Map();
  for (const d of docs) (byCategory.get(d.categories[0]) ?? byCategory.set(d.categories[0], []).get(d.categories[0])).push(d.id);
  t = performance.now();
  store.db.exec('BEGIN');
  const link = store.db.prepare('UPDATE subscribers SET user_id = ?, recommendations = 1 WHERE email = ?');
  let likes = 0;
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const user = await accountStore.findOrCreateUser(`reader${i}@example.org`, '2000-01-01T00:00:00Z');
    const pool = byCategory.get(pick(docs).categories[0]);
    const n = 3 + Math.floor(rand() * 8);
    for (let k = 0; k < n; k++) { await accountStore.setInList('library', user.id, pick(pool), true, '2000-01-01T00:00:00Z'); likes++; }
    link.run(user.id, `reader${i}@example.org`);
  }
  store.db.exec('COMMIT');
  log(`${SUBSCRIBERS} readers linked, ${likes} saves, in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  const mixed = await withRecs.plan({ date: day2, dryRun: true });
  const mixedS = (performance.now() - t) / 1000;
  const withSection = mixed.previews.filter((p) => p.text.includes(RECOMMENDED_TITLE)).length;
  log(`day 2 with recommendations (dry run): ${mixed.previews.length} digests, ${withSection} with the section, in ${mixedS.toFixed(1)} s`);
  const windowPapers = table.datedBetween(Date.parse(period) / 86_400_000, Date.parse(day2) / 86_400_000).length;
  t = performance.now();
  const planned = await withRecs.plan({ date: day2 });
  const planS2 = (performance.now() - t) / 1000;
  t = performance.now();
  const sent2 = await withRecs.send();
  const sendS2 = (performance.now() - t) / 1000;
  await mailer2.close();
  log(`day 2 for real: ${planned.planned} planned in ${planS2.toFixed(1)} s, ${sent2.sent} sent in ${sendS2.toFixed(1)} s`);
  recs = {
    day: day2, windowPapers, readers: SUBSCRIBERS, likes, withSection,
    composeWithoutSeconds: +plainS.toFixed(1), composeWithSeconds: +mixedS.toFixed(1), recommendSeconds: +(mixedS - plainS).toFixed(1),
    msPerReader: +(((mixedS - plainS) * 1000) / SUBSCRIBERS).toFixed(2),
    runSeconds: +(planS2 + sendS2).toFixed(1), planned: planned.planned, sent: sent2.sent,
  };
}

const out = {
  machine: `${cpus().length}x ${cpus()[0]?.model}`, node: process.version, at: new Date().toISOString(), papers: engine.size, vectors: engine.embedded, model: embedder?.modelId ?? null,
  subscribers: SUBSCRIBERS, period, composeSeconds: +planS.toFixed(1), composedPerS: Math.round((plan.planned + plan.empty) / planS),
  sendSeconds: +sendS.toFixed(1), sentPerS: Math.round(sent.sent / sendS), totalSeconds: +(planS + sendS).toFixed(1), planned: plan.planned, empty: plan.empty,
  accepted, rerunPlanned: again.planned, recommendations: recs, rssGrowthMb: Math.round((process.memoryUsage().rss - rss0) / 1048576),
};
writeFileSync(join(root, '.bench', 'digest.json'), JSON.stringify(out, null, 2));
console.log(`\n${SUBSCRIBERS} subscribers, ${engine.size} papers (${engine.embedded} vectors), ${out.machine}\n`);
console.log('| step | digests | seconds | digests/s |');
console.log('|---|---:|---:|---:|');
console.log(`| compose (trending + topic matches via hybrid search, no repeats) | ${plan.planned + plan.empty} | ${out.composeSeconds} | ${out.composedPerS} |`);
console.log(`| hand to SMTP on loopback (4 pooled connections) | ${sent.sent} | ${out.sendSeconds} | ${out.sentPerS} |`);
console.log(`| total | ${sent.sent} | ${out.totalSeconds} | ${Math.round(sent.sent / (planS + sendS))} |`);
console.log(`\nsecond plan for the same day: ${again.planned} new digests (idempotent)`);
if (recs) {
  console.log(`\nnext day (${recs.day}, window ${recs.windowPapers} papers), ${recs.readers} readers with ${recs.likes} saves, "Recommended for you" on:`);
  console.log('| step | seconds |');
  console.log('|---|---:|');
  console.log(`| compose every digest, dry run, without the section | ${recs.composeWithoutSeconds} |`);
  console.log(`| compose every digest, dry run, with the section (${recs.withSection} digests have it) | ${recs.composeWithSeconds} |`);
  console.log(`| recommendations alone (difference; ${recs.msPerReader} ms a reader) | ${recs.recommendSeconds} |`);
  console.log(`| the day's digest run with them: plan + send ${recs.sent} | ${recs.runSeconds} |`);
}
smtp.close();
process.exit(0);
