import { LIMITS, type RecordDraft } from '../../core/record.ts';
import { splitAuthors, texAccentsToUnicode } from '../../core/text.ts';
import { child, childText, childrenNamed, type XmlNode } from './xml-elements.ts';

const words = (s: string | null | undefined) => (s ? s.split(/\s+/).filter(Boolean) : undefined);

/** An OAI-PMH <record>: a deletion, or metadata in the arXiv or arXivRaw format. */
export function oaiRecordToDraft(record: XmlNode): RecordDraft {
  const header = child(record, 'header');
  const identifier = childText(header, 'identifier');
  if (!identifier) throw new Error('the record has no <header><identifier>');
  const datestamp = childText(header, 'datestamp');
  if (header?.attrs.status === 'deleted') return { id: identifier, deleted: true, updatedAt: datestamp };
  const metadata = child(record, 'metadata')?.children[0];
  if (!metadata) throw new Error(`record ${identifier} has no <metadata>`);
  if (metadata.name === 'arXiv') return arxivFormatToDraft(metadata, identifier);
  if (metadata.name === 'arXivRaw') return arxivRawToDraft(metadata, identifier);
  throw new Error(`record ${identifier}: metadata format <${metadata.name}> is not supported; harvest with metadataPrefix arXiv or arXivRaw`);
}

function arxivFormatToDraft(m: XmlNode, identifier: string): RecordDraft {
  const authors = childrenNamed(child(m, 'authors'), 'author').map((a) =>
    texAccentsToUnicode([childText(a, 'forenames'), childText(a, 'keyname'), childText(a, 'suffix')].filter(Boolean).join(' ')),
  );
  const created = childText(m, 'created');
  return {
    id: childText(m, 'id') ?? identifier,
    title: childText(m, 'title'),
    abstract: childText(m, 'abstract'),
    authors,
    categories: words(childText(m, 'categories')),
    submittedAt: created,
    updatedAt: childText(m, 'updated') ?? created,
    comments: childText(m, 'comments'),
    journalRef: childText(m, 'journal-ref'),
    doi: childText(m, 'doi'),
    license: childText(m, 'license'),
  };
}

function arxivRawToDraft(m: XmlNode, identifier: string): RecordDraft {
  const versions = childrenNamed(m, 'version');
  const last = versions[versions.length - 1];
  const authors = childText(m, 'authors');
  return {
    id: childText(m, 'id') ?? identifier,
    version: last?.attrs.version ?? null,
    title: childText(m, 'title'),
    abstract: childText(m, 'abstract'),
    authors: authors ? splitAuthors(authors, LIMITS.authors + 1) : undefined,
    categories: words(childText(m, 'categories')),
    submittedAt: versions[0] ? childText(versions[0], 'date') : undefined,
    updatedAt: last ? childText(last, 'date') : undefined,
    comments: childText(m, 'comments'),
    journalRef: childText(m, 'journal-ref'),
    doi: childText(m, 'doi'),
    license: childText(m, 'license'),
  };
}

/** An arXiv query API Atom <entry>. Throws for the API's error entries, with arXiv's message. */
export function atomEntryToDraft(entry: XmlNode): RecordDraft {
  const id = childText(entry, 'id') ?? '';
  if (/\/api\/errors/.test(id)) throw new Error(`arXiv API error: ${childText(entry, 'summary') ?? 'no message'}`);
  const links = childrenNamed(entry, 'link');
  const pdf = links.find((l) => l.attrs.title === 'pdf' || l.attrs.type === 'application/pdf')?.attrs.href;
  const primary = child(entry, 'primary_category')?.attrs.term;
  return {
    id,
    title: childText(entry, 'title'),
    abstract: childText(entry, 'summary'),
    authors: childrenNamed(entry, 'author').map((a) => childText(a, 'name') ?? '').filter(Boolean),
    categories: childrenNamed(entry, 'category').map((c) => c.attrs.term ?? '').filter(Boolean),
    primaryCategory: primary,
    submittedAt: childText(entry, 'published'),
    updatedAt: childText(entry, 'updated'),
    comments: childText(entry, 'comment'),
    journalRef: childText(entry, 'journal_ref'),
    doi: childText(entry, 'doi'),
    links: pdf && !/arxiv\.org\//.test(pdf) ? { pdf } : undefined,
  };
}
