import { createHash } from 'node:crypto';
import { PaperboyError } from './errors.ts';

/** A paper id split from its version suffix. */
export interface ParsedId {
  id: string;
  version: number | null;
  kind: 'arxiv-new' | 'arxiv-old' | 'source' | 'content';
}

// 0704.0001 (2007-2014, 4 digits) and 2401.01234 (2015+, 5 digits), optional vN.
const NEW_STYLE = /^(\d{2})(\d{2})\.(\d{4,5})(?:v(\d+))?$/;
// hep-th/9901001, math.GT/0309136, cond-mat/0001001v2.
const OLD_STYLE = /^([a-z]+(?:-[a-z]+)*)(\.[A-Z]{2})?\/(\d{2})(\d{2})(\d{3})(?:v(\d+))?$/;
// Any other source: a lowercase source name, ':' and a local part of letters, digits, '.', '_', ':'
// and '-', without '..'. No '/', '?', '#', '%', quotes, spaces or control characters: an id is one
// URL path segment wherever it goes, and can never walk to another route (`x:a/../../signout`).
const SOURCE_ID = /^([a-z][a-z0-9-]{0,31}):([A-Za-z0-9._:-]{1,200})$/;
const SOURCE_LOCAL_CHAR = /[A-Za-z0-9._:-]/;
const PREFIXES = [
  /^https?:\/\/(?:www\.|export\.)?arxiv\.org\/(?:abs|pdf|html)\//i,
  /^oai:arxiv\.org:/i,
  /^arxiv:/i,
];

/**
 * Parses an arXiv id in any usual spelling (`arXiv:2401.01234v2`, `https://arxiv.org/abs/...`,
 * `oai:arXiv.org:hep-th/9901001`) or a `source:id`. Returns null when it is none of those.
 */
export function parsePaperId(raw: string): ParsedId | null {
  let text = raw.trim();
  for (const prefix of PREFIXES) text = text.replace(prefix, '');
  text = text.replace(/\.pdf$/i, '').replace(/\/$/, '');
  const modern = NEW_STYLE.exec(text);
  if (modern) {
    const [, yy, mm, num, v] = modern;
    const month = Number(mm);
    const year = Number(yy);
    if (month < 1 || month > 12) return null;
    // Five-digit numbers started in January 2015; four-digit ones ran April 2007 to December 2014.
    if ((num!.length === 5) !== (year >= 15)) return null;
    if (num!.length === 4 && year < 7) return null;
    return { id: `${yy}${mm}.${num}`, version: v ? Number(v) : null, kind: 'arxiv-new' };
  }
  const old = OLD_STYLE.exec(text);
  if (old) {
    const [, archive, sub, yy, mm, num, v] = old;
    const month = Number(mm);
    if (month < 1 || month > 12) return null;
    return { id: `${archive}${sub ?? ''}/${yy}${mm}${num}`, version: v ? Number(v) : null, kind: 'arxiv-old' };
  }
  if (/^content:[0-9a-f]{16}$/.test(text)) return { id: text, version: null, kind: 'content' };
  const source = SOURCE_ID.exec(text);
  if (source && source[1] !== 'http' && source[1] !== 'https' && !source[2]!.includes('..')) return { id: text, version: null, kind: 'source' };
  return null;
}

/** Why a string that {@link parsePaperId} refused is not an id, for error messages. */
function idProblem(raw: string): string {
  const text = raw.trim();
  const colon = text.indexOf(':');
  if (colon <= 0 || /^https?:/i.test(text)) return '';
  const local = text.slice(colon + 1);
  const bad = [...local].find((c) => !SOURCE_LOCAL_CHAR.test(c));
  if (bad === '/') return ": '/' is allowed only in old-style arXiv ids such as hep-th/9901001";
  if (bad !== undefined) return `: ${JSON.stringify(bad)} is not allowed (a source id holds letters, digits, '.', '_', ':' and '-')`;
  if (local.includes('..')) return ": '..' is not allowed";
  return '';
}

/** Like {@link parsePaperId} but throws a PaperboyError('INVALID_ID') naming the field, the value and what is wrong. */
export function requirePaperId(raw: string, field = 'id'): ParsedId {
  const parsed = parsePaperId(raw);
  if (!parsed) {
    throw new PaperboyError(
      'INVALID_ID',
      `field '${field}': ${JSON.stringify(raw.slice(0, 80))} is not an arXiv id (2401.01234v2, hep-th/9901001) or a source:id${idProblem(raw)}`,
      { field, value: raw.slice(0, 200) },
    );
  }
  return parsed;
}

export function isArxivId(id: string): boolean {
  return NEW_STYLE.test(id) || OLD_STYLE.test(id);
}

/** Title normalised for identity: case, accents, punctuation and spacing do not matter. */
export function normaliseTitleForId(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * A stable id for a paper known only by its text (e.g. the seed list): `content:` and 16 hex digits
 * of the SHA-256 of the normalised title, so that re-importing or fixing the abstract keeps the id.
 */
export function contentId(title: string): string {
  const digest = createHash('sha256').update(normaliseTitleForId(title)).digest('hex');
  return `content:${digest.slice(0, 16)}`;
}

/** Links arXiv serves for every paper, derived from the id. */
export function arxivLinks(id: string): { abs: string; pdf: string; html: string } | null {
  if (!isArxivId(id)) return null;
  return {
    abs: `https://arxiv.org/abs/${id}`,
    pdf: `https://arxiv.org/pdf/${id}`,
    html: `https://arxiv.org/html/${id}`,
  };
}

/**
 * The id to look a stored paper up by: a valid id (normalised as `parsePaperId` does), or a
 * `source:...` id as an earlier version may have stored it before import validation was strict
 * (issue 10: `x:100%`, `x:a/../b`). Lookup is looser than import, so no stored paper becomes
 * unreachable; null when the text cannot be a paper id at all.
 */
export function lookupPaperId(raw: string): string | null {
  const parsed = parsePaperId(raw);
  if (parsed) return parsed.id;
  return raw.length <= 300 && /^[a-z][a-z0-9-]*:/.test(raw) && ![...raw].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f) ? raw : null;
}
