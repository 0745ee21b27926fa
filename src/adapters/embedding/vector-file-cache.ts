import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { VectorCache } from '../../ports/vector-cache.ts';

/** Vectors as raw little-endian float32 files named by key, written to a temp file then renamed. */
export function createVectorFileCache(dir: string): VectorCache {
  const file = (key: string) => join(dir, `${key.replace(/[^\w.-]/g, '_')}.f32`);
  return {
    async load(key, count, dims) {
      const path = file(key);
      if (!existsSync(path)) return null;
      const bytes = readFileSync(path);
      if (bytes.length !== count * dims * 4) return null;
      const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
      return Array.from({ length: count }, (_, i) => all.subarray(i * dims, (i + 1) * dims));
    },
    async save(key, vectors) {
      mkdirSync(dir, { recursive: true });
      const dims = vectors[0]?.length ?? 0;
      const all = new Float32Array(vectors.length * dims);
      vectors.forEach((v, i) => all.set(v, i * dims));
      const tmp = `${file(key)}.tmp`;
      writeFileSync(tmp, Buffer.from(all.buffer));
      renameSync(tmp, file(key));
    },
  };
}
