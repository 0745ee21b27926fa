/** A top-level element of a JSON array, or what went wrong with it. */
export type ArrayElement = { index: number; text: string } | { index: number; error: string };

const MAX_ELEMENT_BYTES = 16 * 1024 * 1024;

/**
 * Streams the elements of a top-level JSON array without parsing the whole document, so that a big
 * file keeps memory flat and one malformed element is reported on its own (JSON.parse runs per
 * element). Written by hand because streaming JSON libraries abort the whole stream on the first
 * error and do not tell which element failed.
 * Throws an Error when the document is not an array or ends before the array closes.
 */
export async function* splitJsonArray(chunks: AsyncIterable<Buffer>, maxElementBytes = MAX_ELEMENT_BYTES): AsyncGenerator<ArrayElement> {
  let state = 'start' as 'start' | 'between' | 'element' | 'end';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let parts: Buffer[] = [];
  let size = 0;
  let tooBig = false;
  let index = 0;
  let expectComma = false;

  const finish = (): ArrayElement => {
    index++;
    if (tooBig) {
      tooBig = false;
      parts = [];
      return { index, error: `element ${index}: larger than the ${maxElementBytes.toLocaleString('en')}-byte limit; skipped` };
    }
    const bytes = Buffer.concat(parts);
    parts = [];
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    try {
      return { index, text: text.decode(bytes) };
    } catch {
      return { index, error: `element ${index}: invalid UTF-8` };
    }
  };

  for await (const chunk of chunks) {
    let start = -1;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (state === 'element') {
        if (inString) {
          if (escaped) escaped = false;
          else if (b === 0x5c) escaped = true;
          else if (b === 0x22) inString = false;
          continue;
        }
        if (b === 0x22) inString = true;
        else if (b === 0x7b || b === 0x5b) depth++;
        else if ((b === 0x7d || b === 0x5d) && depth > 0) depth--;
        else if (depth === 0 && (b === 0x2c || b === 0x5d)) {
          const piece = chunk.subarray(start === -1 ? 0 : start, i);
          if (!tooBig) parts.push(Buffer.from(piece));
          start = -1;
          yield finish();
          state = b === 0x5d ? 'end' : 'between';
          expectComma = false;
        }
        continue;
      }
      if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
      if (state === 'start') {
        if (b === 0xef || b === 0xbb || b === 0xbf) continue; // UTF-8 BOM
        if (b !== 0x5b) throw new Error('expected a JSON array (the document does not start with "[")');
        state = 'between';
      } else if (state === 'between') {
        if (b === 0x5d && !expectComma) state = 'end';
        else if (b === 0x2c && expectComma) expectComma = false;
        else {
          state = 'element';
          start = i;
          size = 0;
          depth = 0;
          i--; // rescan this byte as part of the element
        }
      } else if (state === 'end') {
        throw new Error(`unexpected data after the end of the JSON array (after element ${index})`);
      }
    }
    if (state === 'element') {
      const piece = chunk.subarray(start === -1 ? 0 : start);
      size += piece.length;
      if (size > maxElementBytes) {
        tooBig = true;
        parts = [];
      } else parts.push(Buffer.from(piece));
    }
  }
  if (state !== 'end') {
    throw new Error(`the JSON array is not closed: the file looks truncated after element ${index}`);
  }
}
