import { SaxesParser } from 'saxes';
import { PaperboyError } from '../../core/errors.ts';

/** A small element tree, built only for the elements a reader asks for. Names are local (no prefix). */
export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
  line: number;
}

/**
 * Bounds on one XML document. Shape limits (depth, one token's length, attributes) stop the reader,
 * because the parser would otherwise have to hold the offending structure whole; size limits of a
 * record (elements, text) reject that record only, and reading goes on. The defaults leave wide room
 * for arXiv (abstracts are under 10 KB; ATLAS-sized author lists are a few thousand elements).
 */
export interface XmlLimits {
  /** Deepest element nesting, counted from the root (Atom and OAI-PMH records need about 6). */
  maxDepth: number;
  /** Characters in one text node, CDATA section, attribute value, comment or name. */
  maxTokenChars: number;
  /** Attributes on one element. */
  maxAttributes: number;
  /** Elements in one record (a selected element with everything inside it). */
  maxElementsPerRecord: number;
  /** Characters of text in one record, all its text nodes together. */
  maxTextPerRecord: number;
}

export const XML_LIMITS: Readonly<XmlLimits> = Object.freeze({
  maxDepth: 64,
  maxTokenChars: 1024 * 1024,
  maxAttributes: 64,
  maxElementsPerRecord: 50_000,
  maxTextPerRecord: 4 * 1024 * 1024,
});

export type XmlElementEvent =
  /** A selected element, complete. `path` holds the local names from the root to it. */
  | { kind: 'element'; path: string[]; node: XmlNode }
  /** A selected element over a size limit: what was read of it before the limit, and why. */
  | { kind: 'oversized'; path: string[]; node: XmlNode; reason: string; limit: keyof XmlLimits };

export interface XmlReadOptions {
  /** Which elements to build and deliver, by their path of local names from the root. */
  wanted: (path: readonly string[]) => boolean;
  /** Names the input in messages (a file path or a URL). */
  label: string;
  limits?: Partial<XmlLimits>;
  /** The id of a partly read element, to name it in an error. */
  idOf?: (node: XmlNode) => string | null | undefined;
}

/** Characters handed to the parser at a time: its buffers are checked between writes. */
const SLICE_CHARS = 64 * 1024;

/**
 * The parser's private buffers. saxes accumulates a text node, attribute value, comment, CDATA
 * section, name or entity until it ends, and offers no limit of its own; reading these between
 * writes is what keeps a 1 GiB text node from being materialised. Checked once at start-up, so that
 * a saxes release that renames them fails loudly instead of silently unbounded.
 */
interface SaxesBuffers {
  text: string;
  name: string;
  piTarget: string;
  entity: string;
  attribList: unknown[];
}

const local = (name: string) => {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
};

const count = (n: number) => n.toLocaleString('en');

interface OpenRecord {
  path: string[];
  depth: number;
  root: XmlNode;
  /** Elements being built, innermost last; frozen once the record is oversized. */
  stack: XmlNode[];
  elements: number;
  chars: number;
  oversized?: { reason: string; limit: keyof XmlLimits };
}

/**
 * Streams the elements selected by `wanted(path)` out of an XML document, each as a small tree, with
 * memory bounded by {@link XmlLimits} whatever the input. A DOCTYPE is refused outright: OAI-PMH and
 * Atom never need one, and it is how external entities (XXE) and entity-expansion bombs get in;
 * undefined entities are errors (saxes never expands anything beyond the five predefined ones).
 * Syntax errors, invalid UTF-8, truncation and shape limits throw PaperboyError('MALFORMED_INPUT')
 * with the line (a limit also sets `details.limit`); elements completed before are delivered first.
 */
export async function* readXmlElements(chunks: AsyncIterable<Buffer> | Iterable<Buffer>, options: XmlReadOptions): AsyncGenerator<XmlElementEvent> {
  const { wanted, label, idOf } = options;
  const limits: XmlLimits = { ...XML_LIMITS, ...options.limits };
  const parser = new SaxesParser({ position: true });
  const buffers = parser as unknown as SaxesBuffers;
  if (typeof buffers.text !== 'string' || typeof buffers.name !== 'string' || typeof buffers.piTarget !== 'string' || typeof buffers.entity !== 'string' || !Array.isArray(buffers.attribList)) {
    throw new Error('saxes no longer exposes the buffers that the XML limits check (text, name, piTarget, entity, attribList); see xml-elements.ts');
  }
  const path: string[] = [];
  let record: OpenRecord | null = null;
  const ready: XmlElementEvent[] = [];

  /** Stops the reader: a shape limit, named with the record being read. */
  const stop = (limit: keyof XmlLimits, what: string): never => {
    let inside = '';
    if (record) {
      const id = idOf?.(record.root);
      inside = ` inside <${record.root.name}> starting at line ${record.root.line}${id ? ` (id ${JSON.stringify(id.slice(0, 80))})` : ''}`;
    }
    throw new PaperboyError(
      'MALFORMED_INPUT',
      `${label}: line ${parser.line}: ${what} (limit ${limit} = ${count(limits[limit])})${inside}; reading stopped there`,
      { line: parser.line, limit },
    );
  };
  const checkToken = (chars: number, what: string) => {
    if (chars > limits.maxTokenChars) stop('maxTokenChars', `${what} longer than ${count(limits.maxTokenChars)} characters`);
  };

  parser.on('doctype', () => {
    throw new PaperboyError(
      'UNSAFE_XML',
      `${label}: line ${parser.line}: a DOCTYPE declaration is not accepted (it can define external entities or entity-expansion bombs); remove it`,
      { line: parser.line },
    );
  });
  parser.on('opentag', (tag) => {
    const name = local(tag.name);
    path.push(name);
    if (path.length > limits.maxDepth) stop('maxDepth', `elements nested deeper than ${count(limits.maxDepth)} levels`);
    checkToken(tag.name.length, 'an element name');
    const attributes = Object.entries(tag.attributes);
    if (attributes.length > limits.maxAttributes) stop('maxAttributes', `<${name}> has more than ${count(limits.maxAttributes)} attributes`);
    for (const [key, value] of attributes) {
      checkToken(key.length, `an attribute name of <${name}>`);
      checkToken(String(value).length, `an attribute value of <${name}>`);
    }

    if (!record) {
      if (!wanted(path)) return;
      const root: XmlNode = { name, attrs: {}, children: [], text: '', line: parser.line };
      for (const [key, value] of attributes) root.attrs[local(key)] = String(value);
      record = { path: [...path], depth: path.length, root, stack: [root], elements: 1, chars: 0 };
      return;
    }
    record.elements++;
    if (record.oversized) return;
    if (record.elements > limits.maxElementsPerRecord) {
      record.oversized = { limit: 'maxElementsPerRecord', reason: `<${record.root.name}> has more than ${count(limits.maxElementsPerRecord)} elements (limit maxElementsPerRecord)` };
      return;
    }
    const node: XmlNode = { name, attrs: {}, children: [], text: '', line: parser.line };
    for (const [key, value] of attributes) node.attrs[local(key)] = String(value);
    record.stack[record.stack.length - 1]!.children.push(node);
    record.stack.push(node);
  });
  const onText = (text: string) => {
    checkToken(text.length, 'a text node');
    if (!record) return;
    record.chars += text.length;
    if (record.oversized) return;
    if (record.chars > limits.maxTextPerRecord) {
      record.oversized = { limit: 'maxTextPerRecord', reason: `<${record.root.name}> holds more than ${count(limits.maxTextPerRecord)} characters of text (limit maxTextPerRecord)` };
      return;
    }
    record.stack[record.stack.length - 1]!.text += text;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  // Not kept, but checked here too: between writes the buffers are seen only up to the last slice.
  parser.on('comment', (comment) => checkToken(comment.length, 'a comment'));
  parser.on('processinginstruction', (pi) => checkToken(pi.target.length + pi.body.length, 'a processing instruction'));
  parser.on('closetag', () => {
    if (record) {
      if (path.length === record.depth) {
        const done: OpenRecord = record;
        ready.push(done.oversized ? { kind: 'oversized', path: done.path, node: done.root, ...done.oversized } : { kind: 'element', path: done.path, node: done.root });
        record = null;
      } else if (!record.oversized) record.stack.pop();
    }
    path.pop();
  });

  const checkBuffers = () => {
    const longest = Math.max(buffers.text.length, buffers.name.length, buffers.piTarget.length, buffers.entity.length);
    checkToken(longest, 'a text node, attribute value, comment or name');
    if (buffers.attribList.length > limits.maxAttributes) stop('maxAttributes', `an element has more than ${count(limits.maxAttributes)} attributes`);
  };
  const feed = (write: () => void) => {
    try {
      write();
    } catch (error) {
      if (error instanceof PaperboyError) throw error;
      throw new PaperboyError('MALFORMED_INPUT', `${label}: malformed XML: ${(error as Error).message}`, {}, { cause: error });
    }
  };

  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  for await (const chunk of chunks) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw new PaperboyError('MALFORMED_INPUT', `${label}: invalid UTF-8 after byte ${bytes} (near line ${parser.line})`);
    }
    bytes += chunk.length;
    for (let at = 0; at < text.length; at += SLICE_CHARS) {
      let failure: unknown;
      try {
        feed(() => parser.write(text.slice(at, at + SLICE_CHARS)));
        checkBuffers();
      } catch (error) {
        failure = error;
      }
      // Elements completed before an error in the same slice are still delivered.
      while (ready.length > 0) yield ready.shift()!;
      if (failure !== undefined) throw failure;
    }
  }
  feed(() => parser.close());
  while (ready.length > 0) yield ready.shift()!;
}

export const child = (node: XmlNode | undefined, name: string): XmlNode | undefined => node?.children.find((c) => c.name === name);
export const childrenNamed = (node: XmlNode | undefined, name: string): XmlNode[] => node?.children.filter((c) => c.name === name) ?? [];
/** Text of a child, or undefined when the child is absent (null when present but empty). */
export const childText = (node: XmlNode | undefined, name: string): string | null | undefined => {
  const found = child(node, name);
  if (!found) return undefined;
  const text = found.text.trim();
  return text === '' ? null : text;
};
