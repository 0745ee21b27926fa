import type { z } from 'zod';
import { describeError, isPaperboyError } from '../../core/errors.ts';
import { finishRecord, type RecordDraft } from '../../core/record.ts';
import type { SourceItem } from '../../ports/record-source.ts';
import { jsonShapeProblem } from './json-shape.ts';
import { splitLines } from './lines.ts';
import { describeZodError } from './schemas.ts';

export interface JsonRecordMapper<T> {
  schema: z.ZodType<T>;
  toDraft: (value: T) => RecordDraft;
  /** Stored with each paper as its source, e.g. 'arxiv-snapshot'. */
  source: string;
  /** The source carries arXiv ids only (see finishRecord). */
  arxivIdsOnly?: boolean;
}

/** The JSON type of a parsed value, as an error message names it: "null", "an array", "a number"... */
export function jsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'boolean') return `a boolean (${value})`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Validates one parsed JSON value and turns it into a record item or a rejection. */
export function mapJsonValue<T>(value: unknown, mapper: JsonRecordMapper<T>, ref: SourceItem['ref'], where: string): SourceItem {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'rejected', ref, reason: `${where}: expected a JSON object, got ${jsonTypeName(value)}` };
  }
  const id = typeof (value as { id?: unknown }).id === 'string' ? String((value as { id: string }).id).slice(0, 80) : undefined;
  const parsed = mapper.schema.safeParse(value);
  if (!parsed.success) return { kind: 'rejected', ref, reason: `${where}: ${describeZodError(parsed.error)}`, ...(id ? { id } : {}) };
  try {
    return { kind: 'record', ref, input: finishRecord(mapper.toDraft(parsed.data), mapper.source, { arxivIdsOnly: mapper.arxivIdsOnly ?? false }) };
  } catch (error) {
    if (!isPaperboyError(error)) throw error;
    return { kind: 'rejected', ref, reason: `${where}: ${error.message}`, ...(id ? { id } : {}) };
  }
}

/**
 * Parses one JSON text (a line or an array element) and maps it; malformed JSON is a rejection, and so
 * is JSON over the shape limits (see json-shape.ts), which is never handed to JSON.parse.
 */
export function parseJsonRecord<T>(text: string, mapper: JsonRecordMapper<T>, ref: SourceItem['ref'], where: string): SourceItem {
  const problem = jsonShapeProblem(text);
  if (problem) return { kind: 'rejected', ref, reason: `${where}: ${problem}; skipped` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: 'rejected', ref, reason: `${where}: malformed JSON (${describeError(error)})` };
  }
  return mapJsonValue(value, mapper, ref, where);
}

/** Reads JSON Lines: one JSON object per line; blank lines are skipped; each bad line is reported by number. */
export async function* readJsonLines<T>(chunks: AsyncIterable<Buffer>, mapper: JsonRecordMapper<T>): AsyncGenerator<SourceItem> {
  let record = 0;
  let lastLine = 0;
  try {
    for await (const line of splitLines(chunks)) {
      lastLine = line.lineNo;
      if ('error' in line) {
        yield { kind: 'rejected', ref: { record: ++record, line: line.lineNo }, reason: line.error };
        continue;
      }
      if (line.text.trim() === '') continue;
      yield parseJsonRecord(line.text, mapper, { record: ++record, line: line.lineNo }, `line ${line.lineNo}`);
    }
  } catch (error) {
    yield {
      kind: 'rejected',
      ref: { record: record + 1, line: lastLine + 1 },
      reason: `after line ${lastLine}: ${describeError(error)}; the records before it were read, any partial line after it was dropped`,
    };
  }
}
