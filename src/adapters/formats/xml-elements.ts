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

export interface XmlElementEvent {
  /** Local names from the root to the element, e.g. ['OAI-PMH', 'ListRecords', 'record']. */
  path: string[];
  node: XmlNode;
}

const MAX_ELEMENT_CHARS = 32 * 1024 * 1024;

const local = (name: string) => {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
};

/**
 * Streams the elements selected by `wanted(path)` out of an XML document, each as a small tree, with
 * memory bounded by the largest selected element. A DOCTYPE is refused outright: OAI-PMH and Atom never
 * need one, and it is how external entities (XXE) and entity-expansion bombs get in; undefined entities
 * are errors (saxes never expands anything beyond the five predefined ones). Syntax errors, invalid
 * UTF-8 and truncation throw PaperboyError with the line and column.
 */
export async function* readXmlElements(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  wanted: (path: readonly string[]) => boolean,
  label: string,
): AsyncGenerator<XmlElementEvent> {
  const parser = new SaxesParser({ position: true });
  const path: string[] = [];
  const building: XmlNode[] = [];
  let buildingPath: string[] = [];
  let size = 0;
  const ready: XmlElementEvent[] = [];

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
    if (building.length === 0 && !wanted(path)) return;
    const node: XmlNode = { name, attrs: {}, children: [], text: '', line: parser.line };
    for (const [key, value] of Object.entries(tag.attributes)) node.attrs[local(key)] = String(value);
    if (building.length === 0) {
      buildingPath = [...path];
      size = 0;
    } else building[building.length - 1]!.children.push(node);
    building.push(node);
  });
  const onText = (text: string) => {
    const node = building[building.length - 1];
    if (!node) return;
    size += text.length;
    if (size > MAX_ELEMENT_CHARS) {
      throw new PaperboyError('MALFORMED_INPUT', `${label}: line ${parser.line}: element <${building[0]!.name}> is larger than ${MAX_ELEMENT_CHARS} characters`);
    }
    node.text += text;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    path.pop();
    const node = building.pop();
    if (node && building.length === 0) ready.push({ path: buildingPath, node });
  });

  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  const feed = (write: () => void) => {
    try {
      write();
    } catch (error) {
      if (error instanceof PaperboyError) throw error;
      throw new PaperboyError('MALFORMED_INPUT', `${label}: malformed XML: ${(error as Error).message}`, {}, { cause: error });
    }
  };
  for await (const chunk of chunks) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw new PaperboyError('MALFORMED_INPUT', `${label}: invalid UTF-8 after byte ${bytes} (near line ${parser.line})`);
    }
    bytes += chunk.length;
    let failure: unknown;
    try {
      feed(() => parser.write(text));
    } catch (error) {
      failure = error;
    }
    // Elements completed before an error in the same chunk are still delivered.
    while (ready.length > 0) yield ready.shift()!;
    if (failure !== undefined) throw failure;
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
