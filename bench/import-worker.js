// One measured run of bench/import.js, in its own process so that peak RSS is its own.
// Usage: node bench/import-worker.js <paperboy|paperboy-again|parse-floor|sqlite-floor> <file> <dataDir>
//        node bench/import-worker.js <postgres|postgres-again> <file> <postgres://database URL>
import { createReadStream, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import Database from 'better-sqlite3';

const [mode, file, target] = process.argv.slice(2);
const onPostgres = mode === 'postgres' || mode === 'postgres-again';
const dataDir = onPostgres ? null : target;
if (dataDir) mkdirSync(dataDir, { recursive: true });
const dbFile = dataDir ? join(dataDir, 'paperboy.db') : null;
const started = performance.now();
let records = 0;
let counts;

async function* rawLines() {
  const lines = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const line of lines) if (line) yield line;
}

let dbBytes = 0;
if (mode === 'paperboy' || mode === 'paperboy-again' || onPostgres) {
  // The importer the CLI runs (a worker thread parses), on the SQLite file or the PostgreSQL database.
  const { createThreadedSourceOpener } = await import('../dist/adapters/formats/threaded-source.js');
  const { importFiles } = await import('../dist/app/import-files.js');
  const { systemClock } = await import('../dist/ports/clock.js');
  const { silentLogger } = await import('../dist/ports/logger.js');
  const store = onPostgres
    ? await (await import('../dist/adapters/postgres/paper-store.js')).openPostgresPaperStore(target)
    : (await import('../dist/adapters/sqlite/paper-store.js')).createSqlitePaperStore(dbFile);
  const report = await importFiles({ store, sources: createThreadedSourceOpener(), clock: systemClock, logger: silentLogger }, [file]);
  if (onPostgres) dbBytes = Number((await store.pool.query('SELECT pg_database_size(current_database()) AS size')).rows[0].size);
  await store.close();
  counts = report.counts;
  records = Object.values(counts).reduce((a, b) => a + b, 0);
} else if (mode === 'parse-floor') {
  // gunzip + split + JSON.parse, nothing else: the floor any importer pays.
  for await (const line of rawLines()) {
    JSON.parse(line);
    records++;
  }
} else if (mode === 'sqlite-floor') {
  // gunzip + JSON.parse + one INSERT per paper into a bare table, no validation, no idempotency.
  const db = new Database(dbFile);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE papers (id TEXT PRIMARY KEY, title TEXT, abstract TEXT, authors TEXT, categories TEXT, date TEXT)');
  const insert = db.prepare('INSERT OR REPLACE INTO papers VALUES (?, ?, ?, ?, ?, ?)');
  const flush = db.transaction((rows) => { for (const r of rows) insert.run(r.id, r.title, r.abstract, JSON.stringify(r.authors), JSON.stringify(r.categories), r.date); });
  let batch = [];
  for await (const line of rawLines()) {
    batch.push(JSON.parse(line));
    records++;
    if (batch.length === 2000) { flush(batch); batch = []; }
  }
  flush(batch);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
} else {
  throw new Error(`unknown mode ${mode}`);
}

const seconds = (performance.now() - started) / 1000;
try { if (dbFile) dbBytes = statSync(dbFile).size; } catch { /* parse-floor writes no database */ }
process.stdout.write(JSON.stringify({ mode, records, counts, seconds, perSecond: records / seconds, peakRssMb: process.resourceUsage().maxRSS / 1024, dbMb: dbBytes / 1048576 }) + '\n');
