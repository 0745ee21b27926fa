import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PaperboyError } from '../../core/errors.ts';

export interface BeirDataset {
  corpus: { id: string; title: string; text: string }[];
  queries: { id: string; text: string }[];
  qrels: Map<string, Map<string, number>>;
  files: { corpus: string; queries: string; qrels: string };
}

function readMaybeGz(path: string): string {
  const bytes = readFileSync(path);
  return (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
}

function jsonLines(path: string): Record<string, unknown>[] {
  return readMaybeGz(path)
    .split('\n')
    .map((line, i) => ({ line: line.trim(), i }))
    .filter(({ line }) => line !== '')
    .map(({ line, i }) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch (error) {
        throw new PaperboyError('MALFORMED_INPUT', `${path}: line ${i + 1}: malformed JSON (${(error as Error).message})`, { path });
      }
    });
}

/**
 * Reads a BEIR dataset folder: `corpus.jsonl[.gz]` ({_id, title, text}), `queries.<split>.jsonl` or
 * `queries.jsonl` ({_id, text}), and `qrels/<split>.tsv` (query-id, corpus-id, score; header line).
 * Only queries with judgments in the split are kept.
 */
export function readBeir(dir: string, split: string): BeirDataset {
  const pick = (names: string[]) => names.map((n) => join(dir, n)).find((p) => existsSync(p));
  const corpusFile = pick(['corpus.jsonl', 'corpus.jsonl.gz']);
  const queriesFile = pick([`queries.${split}.jsonl`, `queries.${split}.jsonl.gz`, 'queries.jsonl', 'queries.jsonl.gz']);
  const qrelsFile = pick([`qrels/${split}.tsv`]);
  const missing = [!corpusFile && 'corpus.jsonl[.gz]', !queriesFile && `queries.${split}.jsonl or queries.jsonl`, !qrelsFile && `qrels/${split}.tsv`].filter(Boolean);
  if (missing.length > 0) {
    const splits = existsSync(join(dir, 'qrels')) ? readdirSync(join(dir, 'qrels')).map((f) => f.replace(/\.tsv$/, '')).join(', ') : 'none';
    throw new PaperboyError('NOT_FOUND', `${dir} is not a BEIR folder for split '${split}': missing ${missing.join(', ')} (splits here: ${splits})`, { dir });
  }
  const qrels = new Map<string, Map<string, number>>();
  readMaybeGz(qrelsFile!)
    .split('\n')
    .forEach((line, i) => {
      const cols = line.trim().split('\t');
      if (cols.length < 3 || (i === 0 && !/^\d+$/.test(cols[2]!))) return;
      const [q, d, s] = cols as [string, string, string];
      if (!qrels.has(q)) qrels.set(q, new Map());
      qrels.get(q)!.set(d, Number(s));
    });
  const corpus = jsonLines(corpusFile!).map((r) => ({ id: String(r._id), title: String(r.title ?? ''), text: String(r.text ?? '') }));
  const queries = jsonLines(queriesFile!)
    .map((r) => ({ id: String(r._id), text: String(r.text ?? '') }))
    .filter((q) => qrels.has(q.id));
  return { corpus, queries, qrels, files: { corpus: corpusFile!, queries: queriesFile!, qrels: qrelsFile! } };
}
