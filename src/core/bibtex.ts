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
  /** Left out unless it is a public http(s) URL (not localhost, a private address or a reserved name). */
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

/** Author surname, year and first long title word (`lovelace2024sparse`); without authors, the title word and year. */
export function bibtexKey(input: BibtexInput): string {
  const year = input.date?.slice(0, 4) ?? '';
  const word = input.title.toLowerCase().match(/[a-z]{4,}/)?.[0] ?? 'paper';
  return input.authors[0] ? `${surname(input.authors[0])}${year}${word}` : `${word}${year}`;
}

const RESERVED_HOST = /(^|\.)(localhost|local|internal|test|example|invalid|home\.arpa)$/i;
const PRIVATE_IPV4 = /^(0|10|127)\.|^169\.254\.|^172\.(1[6-9]|2\d|3[01])\.|^192\.168\./;

/** A URL a reader elsewhere can open: http(s), a public host name or address. */
export function isPublicUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (host.includes(':')) return !/^(::1?|f[cd][0-9a-f]{2}:|fe[89ab][0-9a-f]:)/i.test(host) && !host.startsWith('::ffff:');
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return !PRIVATE_IPV4.test(host);
  return host.includes('.') && !RESERVED_HOST.test(host);
}

/**
 * The entry. Nothing is invented: no author field when the authors are unknown (a record with a
 * title and abstract only), no year without a date, no url unless it is public.
 */
export function bibtex(input: BibtexInput): string {
  const isArxiv = /^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?\/\d{7})$/.test(input.id);
  const lines: [string, string][] = [['title', `{${field(input.title)}}`]];
  if (input.authors.length > 0) lines.push(['author', `{${input.authors.map(field).join(' and ')}}`]);
  if (input.date) lines.push(['year', `{${input.date.slice(0, 4)}}`]);
  if (isArxiv) {
    lines.push(['eprint', `{${input.id}}`], ['archivePrefix', '{arXiv}']);
    if (input.primaryCategory) lines.push(['primaryClass', `{${input.primaryCategory}}`]);
  }
  if (input.doi) lines.push(['doi', `{${field(input.doi)}}`]);
  if (input.url && isPublicUrl(input.url)) lines.push(['url', `{${input.url}}`]);
  return `@misc{${bibtexKey(input)},\n${lines.map(([k, v]) => `  ${k} = ${v}`).join(',\n')}\n}`;
}
