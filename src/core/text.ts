/** Small pure text helpers shared by the importers. */

// C0/C1 control characters other than tab, newline and carriage return.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

// Anything but printable ASCII (or two spaces in a row): the text needs the full treatment.
const NOT_PRINTABLE_ASCII = /[^\x20-\x7E]/;

/** NFC-normalises, drops control characters and collapses every run of whitespace to one space. */
export function cleanText(text: string): string {
  // Fast path: most records are already clean ASCII, and normalize() is costly on long abstracts.
  if (!NOT_PRINTABLE_ASCII.test(text) && !text.includes('  ')) return text.trim();
  return text.normalize('NFC').replace(CONTROL, '').replace(/\s+/g, ' ').trim();
}

const COMBINING: Record<string, string> = {
  "'": '\u0301', '`': '\u0300', '^': '\u0302', '"': '\u0308', '~': '\u0303', '=': '\u0304', '.': '\u0307',
  c: '\u0327', v: '\u030C', u: '\u0306', H: '\u030B', r: '\u030A', k: '\u0328',
};
const LETTERS: Record<string, string> = {
  o: 'ø', O: 'Ø', l: 'ł', L: 'Ł', ss: 'ß', ae: 'æ', AE: 'Æ', oe: 'œ', OE: 'Œ', aa: 'å', AA: 'Å', i: 'ı', j: 'ȷ',
};

/**
 * Turns the TeX accent commands arXiv uses in author names (`Bal\'azs`, `{\"o}`, `\c{c}`, `\o`) into
 * Unicode. Anything it does not recognise is left as it was.
 */
export function texAccentsToUnicode(text: string): string {
  if (!text.includes('\\')) return text;
  let out = text.replace(
    /\\([`'^"~=.]|[cvuHrk](?=[{\s]))\s*(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))/g,
    (match, accent: string, braced: string | undefined, bare: string | undefined) => {
      const mark = COMBINING[accent];
      let letter = braced ?? bare ?? '';
      if (letter === '\\i') letter = 'i';
      else if (letter === '\\j') letter = 'j';
      if (!mark || letter.startsWith('\\')) return match;
      return (letter + mark).normalize('NFC');
    },
  );
  out = out.replace(/\\(ss|ae|AE|oe|OE|aa|AA|o|O|l|L)(?![A-Za-z])\s?/g, (m, name: string) => LETTERS[name] ?? m);
  // Braces left around single letters, e.g. {á} after conversion.
  out = out.replace(/\{([^{}\\]*)\}/g, '$1');
  return out.normalize('NFC');
}

/**
 * Splits an arXiv author string ("A. One, B. Two and C. Three (MIT)") into names in order. Commas and
 * the word "and" separate authors outside parentheses; parenthesised affiliations are dropped.
 * Stops after `max` names (a caller with a limit passes limit + 1 and rejects what reaches it), and
 * builds each name from slices of the input, so that a 16 MB string costs about its own size.
 */
export function splitAuthors(text: string, max = Number.POSITIVE_INFINITY): string[] {
  const names: string[] = [];
  let depth = 0;
  let pieces: string[] = [];
  let start = 0; // where the current run outside parentheses began
  const cut = (end: number) => {
    if (end > start) pieces.push(text.slice(start, end));
  };
  const flush = () => {
    const name = cleanText(pieces.join('').replace(/^and\s+/i, ''));
    pieces = [];
    if (name) names.push(texAccentsToUnicode(name));
  };
  for (let i = 0; i < text.length && names.length < max; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x28 /* ( */) {
      if (depth === 0) cut(i);
      depth++;
    } else if (ch === 0x29 /* ) */) {
      if (depth === 0) cut(i);
      if (depth > 0) depth--;
      if (depth === 0) start = i + 1;
    } else if (depth === 0 && ch === 0x2c /* , */) {
      cut(i);
      flush();
      start = i + 1;
    } else if (depth === 0 && (ch <= 0x20 || ch >= 0x80) && isSpace(text, i)) {
      AND.lastIndex = i;
      if (AND.test(text)) {
        cut(i);
        flush();
        start = AND.lastIndex;
        i = start - 1;
      }
    }
  }
  if (names.length < max) {
    if (depth === 0) cut(text.length);
    flush();
  }
  return names;
}

/** The word "and" between spaces, as an author separator. */
const AND = /\s+and\s/y;
const SPACE = /\s/;
const isSpace = (text: string, i: number) => SPACE.test(text[i]!);

/** `YYYY-MM-DD` of a date-like string (ISO, RFC 2822 as in arXiv's version history), or null. */
export function toIsoDate(value: string): string | null {
  const ts = toIsoTimestamp(value);
  return ts ? ts.slice(0, 10) : null;
}

/** Full ISO timestamp (or the bare date when only a date was given), or null when unparseable. */
export function toIsoTimestamp(value: string): string | null {
  const text = value.trim();
  const ymd = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (ymd) {
    // A bare date: checked without formatting a Date (this runs once per imported record).
    const year = Number(ymd[1]);
    const month = Number(ymd[2]);
    const dayOfMonth = Number(ymd[3]);
    if (year < 1900 || year > 2200 || month < 1 || month > 12 || dayOfMonth < 1) return null;
    return dayOfMonth <= new Date(Date.UTC(year, month, 0)).getUTCDate() ? text : null;
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return null;
  const year = new Date(ms).getUTCFullYear();
  if (year < 1900 || year > 2200) return null;
  return new Date(ms).toISOString();
}
