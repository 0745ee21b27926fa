import { describeError, isPaperboyError, PaperboyError } from '../../core/errors.ts';
import { finishRecord, type RecordDraft } from '../../core/record.ts';
import type { SourceItem } from '../../ports/record-source.ts';
import { child, childText, readXmlElements, type XmlElementEvent, type XmlNode } from './xml-elements.ts';
import { atomEntryToDraft, oaiRecordToDraft } from './xml-mappers.ts';

export type OaiEvent =
  | { kind: 'item'; item: SourceItem }
  | { kind: 'token'; token: string | null; completeListSize: number | null; cursor: number | null }
  | { kind: 'error'; code: string; message: string }
  | { kind: 'responseDate'; value: string };

const oaiId = (record: XmlNode) => childText(child(record, 'header'), 'identifier');
const atomId = (entry: XmlNode) => childText(entry, 'id');

function toItem(event: XmlElementEvent, record: number, draft: () => RecordDraft, source: string, idOf: (node: XmlNode) => string | null | undefined): SourceItem {
  const { node } = event;
  const ref = { record, line: node.line };
  if (event.kind === 'oversized') {
    const id = idOf(node);
    return { kind: 'rejected', ref, reason: `record ${record} (line ${node.line}${id ? `, id ${JSON.stringify(id.slice(0, 80))}` : ''}): ${event.reason}; skipped`, ...(id ? { id: id.slice(0, 80) } : {}) };
  }
  try {
    return { kind: 'record', ref, input: finishRecord(draft(), source, { arxivIdsOnly: true }) };
  } catch (error) {
    const where = `record ${record} (line ${node.line})`;
    if (isPaperboyError(error) || error instanceof Error) return { kind: 'rejected', ref, reason: `${where}: ${describeError(error)}` };
    throw error;
  }
}

const OAI_WANTED = (path: readonly string[]) =>
  path.length === 2 ? path[1] === 'responseDate' || path[1] === 'error' : path.length === 3 && path[1] === 'ListRecords' && (path[2] === 'record' || path[2] === 'resumptionToken');

/** Reads an OAI-PMH ListRecords response: records, the resumption token, errors and the response date. */
export async function* readOaiEvents(chunks: AsyncIterable<Buffer> | Iterable<Buffer>, label: string): AsyncGenerator<OaiEvent> {
  let record = 0;
  let root = false;
  const wanted = (p: readonly string[]) => {
    if (p.length === 1) root = p[0] === 'OAI-PMH';
    return root && OAI_WANTED(p);
  };
  for await (const event of readXmlElements(chunks, { wanted, label, idOf: oaiId })) {
    const { path, node } = event;
    if (node.name === 'record') {
      record++;
      yield { kind: 'item', item: toItem(event, record, () => oaiRecordToDraft(node), 'arxiv-oai', oaiId) };
    } else if (event.kind === 'oversized') {
      throw new PaperboyError('MALFORMED_INPUT', `${label}: line ${node.line}: ${event.reason}`, { line: node.line, limit: event.limit });
    } else if (node.name === 'resumptionToken') {
      const size = node.attrs.completeListSize;
      const cursor = node.attrs.cursor;
      yield {
        kind: 'token',
        token: node.text.trim() || null,
        completeListSize: size !== undefined && /^\d+$/.test(size) ? Number(size) : null,
        cursor: cursor !== undefined && /^\d+$/.test(cursor) ? Number(cursor) : null,
      };
    } else if (node.name === 'error') {
      yield { kind: 'error', code: node.attrs.code ?? 'unknown', message: node.text.trim() };
    } else if (node.name === 'responseDate' && path.length === 2) {
      yield { kind: 'responseDate', value: node.text.trim() };
    }
  }
  if (!root) throw new Error(`${label}: not an OAI-PMH document (the root element is not <OAI-PMH>)`);
}

/** OAI-PMH file import: records only; protocol errors other than noRecordsMatch become rejections. */
export async function* readOaiFile(chunks: AsyncIterable<Buffer> | Iterable<Buffer>, label: string): AsyncGenerator<SourceItem> {
  let record = 0;
  try {
    for await (const event of readOaiEvents(chunks, label)) {
      if (event.kind === 'item') {
        record = event.item.ref.record;
        yield event.item;
      } else if (event.kind === 'error' && event.code !== 'noRecordsMatch') {
        yield { kind: 'rejected', ref: { record: record + 1 }, reason: `OAI-PMH error ${event.code}: ${event.message}` };
      }
    }
  } catch (error) {
    yield { kind: 'rejected', ref: { record: record + 1 }, reason: `after record ${record}: ${describeError(error)}` };
  }
}

/** arXiv query API Atom feed import: one item per <entry>. */
export async function* readAtomFile(chunks: AsyncIterable<Buffer> | Iterable<Buffer>, label: string): AsyncGenerator<SourceItem> {
  let record = 0;
  let root = false;
  try {
    const wanted = (p: readonly string[]) => {
      if (p.length === 1) root = p[0] === 'feed';
      return root && p.length === 2 && p[1] === 'entry';
    };
    for await (const event of readXmlElements(chunks, { wanted, label, idOf: atomId })) {
      record++;
      yield toItem(event, record, () => atomEntryToDraft(event.node), 'arxiv-atom', atomId);
    }
    if (!root) throw new Error(`${label}: not an Atom feed (the root element is not <feed>)`);
  } catch (error) {
    yield { kind: 'rejected', ref: { record: record + 1 }, reason: `after record ${record}: ${describeError(error)}` };
  }
}

