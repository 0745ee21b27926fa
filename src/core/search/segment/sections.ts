/**
 * A container of byte sections, the layout of the doc table and term dictionary files:
 * magic (4 ASCII bytes), format version (u32), section count (u32), 4 reserved bytes, then one
 * f64 byte length per section, then the sections, each starting on an 8-byte boundary (so typed
 * arrays can view them in place). Little-endian throughout.
 */

export class SegmentFormatError extends Error {
  constructor(message: string) {
    super(`index segment: ${message}`);
    this.name = 'SegmentFormatError';
  }
}

const align8 = (n: number) => (n + 7) & ~7;

export function packSections(magic: string, version: number, sections: readonly Uint8Array[]): Uint8Array {
  const header = 16 + 8 * sections.length;
  let size = align8(header);
  for (const s of sections) size += align8(s.byteLength);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) out[i] = magic.charCodeAt(i);
  view.setUint32(4, version, true);
  view.setUint32(8, sections.length, true);
  let at = align8(header);
  sections.forEach((s, i) => {
    view.setFloat64(16 + 8 * i, s.byteLength, true);
    out.set(s, at);
    at += align8(s.byteLength);
  });
  return out;
}

/** The sections of a packed file (views into `bytes`, which must start 8-byte aligned). */
export function unpackSections(bytes: Uint8Array, magic: string, version: number, expected: number): Uint8Array[] {
  if (bytes.byteLength < 16) throw new SegmentFormatError(`file too short (${bytes.byteLength} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = String.fromCharCode(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!);
  if (found !== magic) throw new SegmentFormatError(`expected a ${magic} file, found ${JSON.stringify(found)}`);
  const v = view.getUint32(4, true);
  if (v !== version) throw new SegmentFormatError(`${magic} format version ${v}, this build reads ${version}`);
  const count = view.getUint32(8, true);
  if (count !== expected) throw new SegmentFormatError(`${magic} has ${count} sections, expected ${expected}`);
  const out: Uint8Array[] = [];
  let at = align8(16 + 8 * count);
  for (let i = 0; i < count; i++) {
    const length = view.getFloat64(16 + 8 * i, true);
    if (!Number.isInteger(length) || length < 0 || at + length > bytes.byteLength) throw new SegmentFormatError(`${magic} section ${i} runs past the end of the file`);
    out.push(bytes.subarray(at, at + length));
    at += align8(length);
  }
  return out;
}

/** Typed-array views of a section (copied when the section is not aligned for the element size). */
export function int32s(section: Uint8Array): Int32Array {
  return section.byteOffset % 4 === 0 ? new Int32Array(section.buffer, section.byteOffset, section.byteLength >> 2) : new Int32Array(section.slice().buffer);
}
export function uint32s(section: Uint8Array): Uint32Array {
  return section.byteOffset % 4 === 0 ? new Uint32Array(section.buffer, section.byteOffset, section.byteLength >> 2) : new Uint32Array(section.slice().buffer);
}
export function uint16s(section: Uint8Array): Uint16Array {
  return section.byteOffset % 2 === 0 ? new Uint16Array(section.buffer, section.byteOffset, section.byteLength >> 1) : new Uint16Array(section.slice().buffer);
}
export function float32s(section: Uint8Array): Float32Array {
  return section.byteOffset % 4 === 0 ? new Float32Array(section.buffer, section.byteOffset, section.byteLength >> 2) : new Float32Array(section.slice().buffer);
}
export function float64s(section: Uint8Array): Float64Array {
  return section.byteOffset % 8 === 0 ? new Float64Array(section.buffer, section.byteOffset, section.byteLength >> 3) : new Float64Array(section.slice().buffer);
}
export function bytesOf(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** UTF-8 strings packed as offsets (n + 1) and one blob; `at(i)` decodes one. */
export class StringTable {
  private static readonly decoder = new TextDecoder();
  constructor(
    readonly offsets: Uint32Array,
    readonly blob: Uint8Array,
  ) {}
  get size(): number {
    return this.offsets.length - 1;
  }
  at(i: number): string {
    return StringTable.decoder.decode(this.blob.subarray(this.offsets[i]!, this.offsets[i + 1]!));
  }
  /** Packs strings: [offsets section, blob section]. */
  static pack(strings: readonly string[]): [Uint8Array, Uint8Array] {
    const encoder = new TextEncoder();
    const offsets = new Uint32Array(strings.length + 1);
    let blob = new Uint8Array(Math.max(64, strings.length * 8));
    let at = 0;
    strings.forEach((s, i) => {
      if (blob.length - at < s.length * 3) {
        const grown = new Uint8Array(Math.max(blob.length * 2, at + s.length * 3));
        grown.set(blob.subarray(0, at));
        blob = grown;
      }
      at += encoder.encodeInto(s, blob.subarray(at)).written;
      offsets[i + 1] = at;
    });
    return [bytesOf(offsets), blob.subarray(0, at)];
  }
}
