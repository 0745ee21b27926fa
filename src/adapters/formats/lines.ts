import { isUtf8 } from 'node:buffer';

export type Line = { lineNo: number; text: string } | { lineNo: number; error: string };

/** Longest accepted line; a longer one is skipped (without being buffered) and reported. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * Splits a byte stream into lines, decoding each as strict UTF-8 on its own, so that one bad line
 * is reported by number and the others survive. Memory stays bounded by MAX_LINE_BYTES.
 * An error thrown by the input (truncated gzip) is rethrown after the complete lines before it.
 */
export async function* splitLines(chunks: AsyncIterable<Buffer>, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<Line> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipping = 0; // bytes of an over-long line being skipped
  let lineNo = 0;

  const emit = (bytes: Buffer): Line | null => {
    lineNo++;
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 0x0d) end--;
    const body = bytes.subarray(0, end);
    if (!isUtf8(body)) return { lineNo, error: `line ${lineNo}: invalid UTF-8 ${locateInvalidUtf8(body)}` };
    let text = body.toString('utf8');
    if (lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return { lineNo, text };
  };

  for await (const chunk of chunks) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) break;
      if (skipping > 0) {
        lineNo++;
        yield { lineNo, error: `line ${lineNo}: longer than the ${maxLineBytes.toLocaleString('en')}-byte limit (${(skipping + nl - start).toLocaleString('en')} bytes); skipped` };
        skipping = 0;
      } else if (pendingBytes > 0) {
        pending.push(chunk.subarray(start, nl));
        const line = emit(Buffer.concat(pending));
        pending = [];
        pendingBytes = 0;
        if (line) yield line;
      } else {
        const line = emit(chunk.subarray(start, nl));
        if (line) yield line;
      }
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (skipping > 0) skipping += rest.length;
      else if (pendingBytes + rest.length > maxLineBytes) {
        skipping = pendingBytes + rest.length;
        pending = [];
        pendingBytes = 0;
      } else {
        // Copy: the source chunk may be a view into a reused buffer.
        pending.push(Buffer.from(rest));
        pendingBytes += rest.length;
      }
    }
  }
  if (skipping > 0) {
    lineNo++;
    yield { lineNo, error: `line ${lineNo}: longer than the ${maxLineBytes.toLocaleString('en')}-byte limit; skipped` };
  } else if (pendingBytes > 0) {
    const line = emit(Buffer.concat(pending));
    if (line) yield line;
  }
}

/** Where the first invalid byte sequence falls, in characters of the lossy decoding. */
function locateInvalidUtf8(bytes: Buffer): string {
  const decoded = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const at = decoded.indexOf('\uFFFD');
  return at >= 0 ? `near character ${at + 1}` : '';
}
