/**
 * Bounds on one JSON record (a line or an array element), checked before JSON.parse: a 16 MiB line of
 * `[[[[...` would otherwise build 8 million nested arrays (about 800 MB), and one of `{},{},...`
 * 5 million objects (about 550 MB). Real records are a few levels deep and hold at most tens of
 * thousands of values (10,000 authors in Kaggle's `authors_parsed` are 40,000).
 */
export interface JsonLimits {
  /** Deepest nesting of arrays and objects. */
  maxDepth: number;
  /** Arrays, objects and elements in one record (counted as openings and separating commas). */
  maxValues: number;
}

export const JSON_LIMITS: Readonly<JsonLimits> = Object.freeze({ maxDepth: 64, maxValues: 100_000 });

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Counts occurrences of a character up to `stop`, with the native indexOf. */
function countUpTo(text: string, char: string, stop: number): number {
  let n = 0;
  for (let at = text.indexOf(char); at !== -1 && n < stop; at = text.indexOf(char, at + 1)) n++;
  return n;
}

/**
 * Returns what is wrong with the shape of a JSON text (too deep, too many values), or null. Malformed
 * JSON is left to JSON.parse. Most records have fewer than `maxDepth` brackets and are passed after a
 * native count of them; the others are scanned once, strings skipped.
 */
export function jsonShapeProblem(text: string, limits: JsonLimits = JSON_LIMITS): string | null {
  const brackets = countUpTo(text, '[', limits.maxDepth + 1) + countUpTo(text, '{', limits.maxDepth + 1);
  if (brackets <= limits.maxDepth && text.length <= limits.maxValues) return null;
  let depth = 0;
  let values = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limits.maxDepth) return `JSON nested deeper than ${limits.maxDepth} levels (limit maxDepth)`;
      if (++values > limits.maxValues) break;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
    else if (c === COMMA && ++values > limits.maxValues) break;
  }
  return values > limits.maxValues ? `more than ${limits.maxValues.toLocaleString('en')} JSON values in one record (limit maxValues)` : null;
}
