import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load-config.ts';
import { tempDir } from '../helpers.ts';

describe('configuration', () => {
  it('has safe defaults: ./data, 127.0.0.1:3000, the cs set, one request per 3 s', () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.dataDir, resolve('data'));
    assert.equal(config.dbFile, resolve('data', 'paperboy.db'));
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 3000);
    assert.deepEqual(config.harvest.sets, ['cs']);
    assert.equal(config.harvest.minIntervalMs, 3000);
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.harvest) && Object.isFrozen(config.harvest.sets));
  });

  it('layers file < environment < flags', () => {
    const file = join(tempDir(), 'paperboy.json');
    writeFileSync(file, JSON.stringify({ port: 4000, harvest: { sets: ['math'], minIntervalMs: 5000 } }));
    const config = loadConfig({ env: { PAPERBOY_PORT: '5000', PAPERBOY_HARVEST_SETS: 'cs, physics:hep-th' }, file, overrides: { dataDir: '/tmp/x' } });
    assert.equal(config.port, 5000);
    assert.deepEqual(config.harvest.sets, ['cs', 'physics:hep-th']);
    assert.equal(config.harvest.minIntervalMs, 5000);
    assert.equal(config.dataDir, '/tmp/x');
  });

  it('reports every problem at once, naming the variable', () => {
    assert.throws(
      () => loadConfig({ env: { PAPERBOY_PORT: '99999', PAPERBOY_HARVEST_INTERVAL_MS: '-1', PAPERBOY_HARVEST_SETS: 'CS!' } }),
      (error: Error) =>
        /port \(PAPERBOY_PORT\)/.test(error.message) &&
        /harvest\.minIntervalMs \(PAPERBOY_HARVEST_INTERVAL_MS\)/.test(error.message) &&
        /harvest\.sets\.0: must be an OAI set/.test(error.message),
    );
  });

  it('sizes the postings cache in megabytes (512 by default, 0 turns it off), naming a bad value', () => {
    assert.equal(loadConfig({ env: {} }).index.postingsCacheMb, 512);
    assert.equal(loadConfig({ env: { PAPERBOY_POSTINGS_CACHE_MB: '0' } }).index.postingsCacheMb, 0);
    assert.throws(() => loadConfig({ env: { PAPERBOY_POSTINGS_CACHE_MB: '-5' } }), /index\.postingsCacheMb \(PAPERBOY_POSTINGS_CACHE_MB\)/);
    assert.equal(loadConfig({ env: {} }).index.vectorCacheMb, 1536);
    assert.equal(loadConfig({ env: { PAPERBOY_VECTOR_CACHE_MB: '0' } }).index.vectorCacheMb, 0);
    assert.throws(() => loadConfig({ env: { PAPERBOY_VECTOR_CACHE_MB: 'lots' } }), /index\.vectorCacheMb \(PAPERBOY_VECTOR_CACHE_MB\)/);
  });

  it('names a broken config file', () => {
    const file = join(tempDir(), 'broken.json');
    writeFileSync(file, '{ port: ');
    assert.throws(() => loadConfig({ env: {}, file }), /config file .*broken\.json/);
  });
});
