/**
 * A BibTeX entry for a paper, in the shape arXiv's own "Export BibTeX" gives (@misc with eprint,
 * archivePrefix, primaryClass), so reference managers treat it like arXiv's.
 */
export interface BibtexInput {
  id: string;
  title: string;
  authors: readonly string[];
  /** YYYY-MM-DD or ISO timestamp of first submission / announcement. */
  date: string | null;
  primaryCategory: string | null;
  doi?: string | null;
  url?: string;
}

/** Braces and backslashes that would break the entry are escaped; LaTeX in titles is kept as is. */
function field(value: string): string {
  let depth = 0;
  let balanced = true;
  for (const ch of value) {
    if (ch === '{') depth++;
    else if (ch === '}' && --depth < 0) balanced = false;
  }
  const safe = balanced && depth === 0 ? value : value.replace(/[{}]/g, (c) => `\\${c}`);
  return safe.replace(/\s+/g, ' ').trim();
}

function surname(name: string): string {
  const parts = name.trim().split(/\s+/);
  return (parts[parts.length - 1] ?? 'anon').normalize('NFKD').replace(/[^A-Za-z]/g, '').toLowerCase() || 'anon';
}

export function bibtexKey(input: BibtexInput): string {
  const year = input.date?.slice(0, 4) ?? '';
  const word = input.title.toLowerCase().match(/[a-z]{4,}/)?.[0] ?? 'paper';
  return `${surname(input.authors[0] ?? 'anon')}${year}${word}`;
}

export function bibtex(input: BibtexInput): string {
  const isArxiv = /^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?\/\d{7})$/.test(input.id);
  const lines: [string, string][] = [
    ['title', `{${field(input.title)}}`],
    ['author', `{${input.authors.map(field).join(' and ') || 'Anonymous'}}`],
  ];
  if (input.date) lines.push(['year', `{${input.date.slice(0, 4)}}`]);
  if (isArxiv) {
    lines.push(['eprint', `{${input.id}}`], ['archivePrefix', '{arXiv}']);
    if (input.primaryCategory) lines.push(['primaryClass', `{${input.primaryCategory}}`]);
  }
  if (input.doi) lines.push(['doi', `{${field(input.doi)}}`]);
  if (input.url) lines.push(['url', `{${input.url}}`]);
  return `@misc{${bibtexKey(input)},\n${lines.map(([k, v]) => `  ${k} = ${v}`).join(',\n')}\n}`;
}
