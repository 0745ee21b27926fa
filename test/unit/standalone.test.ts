import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers.ts';

// Spelled in pieces so that this file does not match itself.
const PARENT_SHARED = '..' + '/shared';
const SHARED_DATA = 'shared/' + 'data';
/**
 * Everything a clone needs to build, run and test, and the README's commands. Left out: bench/
 * (benchmarks on the big corpora), docs/, and comments in eslint.config.js that cite the style guide.
 */
const CHECKED = ['src', 'test', 'scripts', 'bin', '.ci', 'starter', 'README.md', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

function* files(path: string): Generator<string> {
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path)) yield* files(join(path, entry));
  } else if (!/\.(gz|png|onnx)$/.test(path)) {
    yield path;
  }
}

describe('the repository stands alone', () => {
  it(`no source, test, script or CI file reaches outside the repository for ${PARENT_SHARED} or ${SHARED_DATA}`, () => {
    const offenders: string[] = [];
    for (const top of CHECKED) {
      for (const file of files(join(ROOT, top))) {
        readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
          if (line.includes(PARENT_SHARED) || line.includes(SHARED_DATA) || /['"]shared['"]\s*,\s*['"]data['"]/.test(line)) {
            offenders.push(`${relative(ROOT, file)}:${i + 1}: ${line.trim().slice(0, 120)}`);
          }
        });
      }
    }
    assert.deepEqual(offenders, [], `use test/fixtures or starter/ instead:\n${offenders.join('\n')}`);
  });
});
