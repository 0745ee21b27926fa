import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';

const SRC = resolve(import.meta.dirname, '..', '..', 'src');

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (/\.tsx?$/.test(name) && !name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/** Relative imports of a module, type-only ones included (they tie the modules together for a reader too). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/gm)].map((m) => m[1]!);
  return specs.map((spec) => resolve(dirname(file), spec));
}

/** Every cycle of the import graph, each reported once from its smallest member. */
function cycles(files: string[]): string[][] {
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((to) => to !== f)]));
  const found: string[][] = [];
  const seen = new Set<string>();
  for (const start of files) {
    const stack: { node: string; path: string[] }[] = [{ node: start, path: [start] }];
    while (stack.length) {
      const { node, path } = stack.pop()!;
      for (const next of graph.get(node) ?? []) {
        if (next === start) {
          const key = [...path].sort().join('|');
          if (!seen.has(key)) { seen.add(key); found.push(path.map((p) => p.slice(SRC.length + 1))); }
        } else if (!path.includes(next) && next > start && path.length < 12) stack.push({ node: next, path: [...path, next] });
      }
    }
  }
  return found;
}

describe('module structure', () => {
  it('has no import cycles anywhere under src/ (src/http/ used to import itself in a loop)', () => {
    assert.deepEqual(cycles(sourceFiles(SRC)), []);
  });

  it('finds a cycle when there is one', () => {
    const a = join(SRC, 'http', 'create-app.ts');
    assert.ok(importsOf(a).some((to) => to.endsWith('page-routes.tsx')), 'the parser reads relative imports');
  });
});
