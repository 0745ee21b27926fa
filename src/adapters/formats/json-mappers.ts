import { LIMITS, type RecordDraft } from '../../core/record.ts';
import { splitAuthors, texAccentsToUnicode } from '../../core/text.ts';
import type { HfDailyItem, PaperboyRecord, SnapshotRecord } from './schemas.ts';

const list = (value: string[] | string | null | undefined, split: (s: string) => string[]): string[] | undefined => {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? split(value) : value;
};
const words = (s: string) => s.split(/[\s,]+/).filter(Boolean);
/** Stops one past the limit: finishRecord rejects the record, without a huge string split in full. */
const authorList = (s: string) => splitAuthors(s, LIMITS.authors + 1);

/** Paperboy's schema, arxiv-75k (`date`, `primary_category`, `comment`) and seed (title + abstract). */
export function paperboyToDraft(r: PaperboyRecord): RecordDraft {
  return {
    id: r.id,
    version: r.version,
    title: r.title,
    abstract: r.abstract,
    authors: list(r.authors, authorList),
    categories: list(r.categories, words),
    primaryCategory: r.primaryCategory ?? r.primary_category,
    submittedAt: r.submittedAt,
    updatedAt: r.updatedAt,
    announcedAt: r.announcedAt ?? r.date,
    comments: r.comments ?? r.comment,
    journalRef: r.journalRef,
    doi: r.doi,
    license: r.license,
    links: r.links ?? undefined,
    signals: r.signals ?? undefined,
  };
}

/** Kaggle's arXiv metadata snapshot: versions give the version and the dates, authors_parsed the names. */
export function snapshotToDraft(r: SnapshotRecord): RecordDraft {
  const versions = r.versions ?? [];
  const last = versions[versions.length - 1];
  const authors = r.authors_parsed
    ? r.authors_parsed.map(([last = '', first = '', suffix = '']) => texAccentsToUnicode([first, last, suffix].filter(Boolean).join(' ')))
    : r.authors
      ? authorList(r.authors)
      : undefined;
  return {
    id: r.id,
    version: last ? last.version : undefined,
    title: r.title,
    abstract: r.abstract,
    authors,
    categories: r.categories ? words(r.categories) : undefined,
    submittedAt: versions[0]?.created,
    updatedAt: last?.created ?? r.update_date,
    comments: r.comments,
    journalRef: r['journal-ref'],
    doi: r.doi,
    license: r.license,
  };
}

/** Hugging Face daily_papers: keeps upvotes, submittedOnDailyAt, GitHub repo and stars, project page, ai_keywords, ai_summary. */
export function hfToDraft(item: HfDailyItem): RecordDraft {
  const { paper, numComments } = item;
  const submittedOnDailyAt = paper.submittedOnDailyAt ?? item.submittedOnDailyAt;
  return {
    id: paper.id,
    title: paper.title,
    abstract: paper.summary,
    authors: paper.authors?.map((a) => a.name),
    submittedAt: paper.publishedAt,
    links: { code: paper.githubRepo, project: paper.projectPage },
    signals: [
      { source: 'huggingface', name: 'upvotes', value: paper.upvotes },
      { source: 'huggingface', name: 'submittedOnDailyAt', value: submittedOnDailyAt },
      { source: 'huggingface', name: 'aiKeywords', value: paper.ai_keywords },
      { source: 'huggingface', name: 'aiSummary', value: paper.ai_summary },
      { source: 'huggingface', name: 'comments', value: numComments },
      { source: 'github', name: 'repo', value: paper.githubRepo },
      { source: 'github', name: 'stars', value: paper.githubStars },
    ],
  };
}
