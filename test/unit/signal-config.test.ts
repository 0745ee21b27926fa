import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load-config.ts';

describe('trending signal settings', () => {
  it('turns Hugging Face, GitHub and reader counts on by default, hourly', () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.hf.schedule, '17 * * * *');
    assert.equal(config.hf.baseUrl, 'https://huggingface.co');
    assert.equal(config.github.schedule, '47 * * * *');
    assert.equal(config.github.token, undefined);
    assert.equal(config.github.reposPerRun, 50);
    assert.equal(config.readerSignals, true);
  });

  it('reads the schedules, the token and the limits from the environment', () => {
    const config = loadConfig({ env: { PAPERBOY_HF_SCHEDULE: 'off', PAPERBOY_GITHUB_TOKEN: 'ghp_x', PAPERBOY_GITHUB_REPOS_PER_RUN: '200', PAPERBOY_HF_REREAD_DAYS: '5', PAPERBOY_READER_SIGNALS: '0', PAPERBOY_GITHUB_SCHEDULE: '*/5 * * * * *' } });
    assert.deepEqual([config.hf.schedule, config.github.token, config.github.reposPerRun, config.hf.rereadDays, config.readerSignals, config.github.schedule], ['off', 'ghp_x', 200, 5, false, '*/5 * * * * *']);
  });

  it('reports a schedule that is not a cron expression, naming the variable', () => {
    assert.throws(() => loadConfig({ env: { PAPERBOY_HF_SCHEDULE: 'hourly', PAPERBOY_GITHUB_API_URL: 'ftp://x' } }), (error: Error) =>
      /hf\.schedule \(PAPERBOY_HF_SCHEDULE\): must be a cron expression/.test(error.message) && /github\.apiUrl \(PAPERBOY_GITHUB_API_URL\)/.test(error.message));
  });
});
