import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { RecommendResponse } from '../../src/app/recommend.ts';
import { runPaperboy } from '../helpers.ts';
import { recsDataDir, TOPIC_OF } from './recs-data.ts';

describe('paperboy recommend', () => {
  let data: Awaited<ReturnType<typeof recsDataDir>>;
  const topicOf = (id: string) => data.rows.find((r) => r.id === id)!.topic;
  const recommend = async (args: string[]) => {
    const r = await runPaperboy(['recommend', '--data', data.dir, ...args], { env: data.env });
    return { ...r, json: r.code === 0 && args.includes('--json') ? (JSON.parse(r.stdout) as RecommendResponse) : null };
  };
  before(async () => {
    data = await recsDataDir({ withoutVector: ['2601.90042'] });
  });

  it('ranks the papers of the liked topic first, explains each one and leaves the liked papers out', async () => {
    for (const [likes, topic] of [[['2601.90001', '2601.90002'], 0], [['2601.90015', '2601.90016'], 1]] as const) {
      const { code, stderr, json } = await recommend(['--like', ...likes, '--from', '2026-01-01', '--to', '2026-02-28', '--limit', '8', '--json']);
      assert.equal(code, 0, stderr);
      assert.equal(json!.items.length, 8);
      assert.deepEqual(new Set(json!.items.map((i) => topicOf(i.id))), new Set([topic]));
      for (const item of json!.items) {
        assert.ok(!(likes as readonly string[]).includes(item.id));
        assert.ok((likes as readonly string[]).includes(item.because[0]!.id), `explained by a liked paper: ${JSON.stringify(item.because)}`);
        assert.ok(item.because[0]!.title.length > 0);
      }
      assert.equal(json!.candidates, 42 - 1 - likes.length, 'every embedded paper of the window but the liked ones');
      assert.equal(json!.unembedded, 1);
    }
  });

  it('pushes the disliked topic down', async () => {
    const likes = ['--like', '2601.90001', '--like', '2601.90029'];
    const window = ['--from', '2026-01-01', '--to', '2026-02-28', '--limit', '39', '--json'];
    const plain = (await recommend([...likes, ...window])).json!;
    const disliked = (await recommend([...likes, '--dislike', '2601.90030,2601.90031', ...window])).json!;
    const meanRank = (r: RecommendResponse, topic: number) => {
      const ranks = r.items.flatMap((item, i) => (topicOf(item.id) === topic ? [i + 1] : []));
      return ranks.reduce((a, b) => a + b, 0) / ranks.length;
    };
    assert.ok(meanRank(disliked, TOPIC_OF['astro-ph.GA']!) > meanRank(plain, TOPIC_OF['astro-ph.GA']!) + 5);
    assert.equal(disliked.dislikes, 2);
  });

  it('prints a readable list naming the liked paper behind each recommendation', async () => {
    // The default window: the week up to --to (three papers, one without a vector).
    const { code, stdout } = await recommend(['--like', '2601.90001', '--to', '2026-02-28']);
    assert.equal(code, 0);
    assert.match(stdout, /^2 recommendations from 1 liked and 0 disliked papers; 2026-02-22 to 2026-02-28: 2 papers ranked \(1 without an embedding yet, not ranked\)\n/);
    assert.match(stdout, /score -?\d\.\d{3} · because you liked \[2601\.90001\] /);
  });

  it('refuses unknown ids, ids without an embedding, bad dates and contradictions, naming them', async () => {
    const cases: [string[], RegExp][] = [
      [['--like', '2601.99999'], /--like "2601\.99999": no such paper/],
      [['--like', 'not an id'], /--like "not an id": no such paper/],
      [['--like', '2601.90042'], /--like 2601\.90042 has no embedding yet: run `paperboy embed`/],
      [['--like', '2601.90001', '--dislike', '2601.90001'], /2601\.90001 is both liked and disliked/],
      [['--like', '2601.90001', '--from', '2026-02-30'], /--from.*expected a date as YYYY-MM-DD, got "2026-02-30"/],
      [['--like', '2601.90001', '--from', '2026-02-10', '--to', '2026-02-01'], /--from 2026-02-10 is after --to 2026-02-01/],
      [[], /required option '--like <id\.\.\.>' not specified/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await recommend(args);
      assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
      assert.match(stderr, message);
    }
  });
});
