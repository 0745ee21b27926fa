import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { duePeriod, includesWeekly, localTime, selectDigest, shortAbstract, type DigestPaper } from '../../src/core/digest.ts';
import { signToken, verifyToken } from '../../src/app/signed-tokens.ts';

const paper = (id: string): DigestPaper => ({ id, title: `T${id}`, authors: ['A'], abstract: 'x', date: '2024-01-10' });

describe('digest schedule', () => {
  it('is due from the send hour in the subscriber\'s time zone, on their local day', () => {
    const at = Date.parse('2024-01-10T06:30:00Z'); // 07:30 in Paris, 01:30 in New York, 15:30 in Tokyo
    assert.equal(duePeriod({ sendHour: 7, timeZone: 'Europe/Paris', skipWeekends: false }, at), '2024-01-10');
    assert.equal(duePeriod({ sendHour: 8, timeZone: 'Europe/Paris', skipWeekends: false }, at), null);
    assert.equal(duePeriod({ sendHour: 0, timeZone: 'America/New_York', skipWeekends: false }, at), '2024-01-10');
    assert.equal(duePeriod({ sendHour: 7, timeZone: 'Pacific/Kiritimati', skipWeekends: false }, at), '2024-01-10');
    assert.equal(duePeriod({ sendHour: 7, timeZone: 'Pacific/Honolulu', skipWeekends: false }, at), '2024-01-09', 'still the 9th there, 20:30');
    assert.equal(duePeriod({ sendHour: 21, timeZone: 'Pacific/Honolulu', skipWeekends: false }, at), null);
    assert.deepEqual(localTime(Date.parse('2024-01-13T23:30:00Z'), 'Asia/Tokyo'), { date: '2024-01-14', hour: 8, weekday: 7 });
  });

  it('skips weekends when asked, and sends weekly topics on Mondays', () => {
    const saturday = Date.parse('2024-01-13T09:00:00Z');
    assert.equal(duePeriod({ sendHour: 7, timeZone: 'UTC', skipWeekends: true }, saturday), null);
    assert.equal(duePeriod({ sendHour: 7, timeZone: 'UTC', skipWeekends: false }, saturday), '2024-01-13');
    assert.ok(includesWeekly('2024-01-15'));
    assert.ok(!includesWeekly('2024-01-16'));
  });
});

describe('digest selection', () => {
  it('takes turns between sections, skips papers already sent or already chosen, and caps the total', () => {
    const sections = selectDigest([
      { topicId: null, title: 'Trending', papers: ['1', '2', '3', '4', '5'].map(paper) },
      { topicId: 7, title: 'Topic', papers: ['2', '6', '7'].map(paper) },
    ], new Set(['1']), 4);
    assert.deepEqual(sections.map((s) => s.papers.map((p) => p.id)), [['2', '3'], ['6', '7']]);
  });

  it('drops empty sections and returns nothing when every paper was sent', () => {
    assert.deepEqual(selectDigest([{ topicId: null, title: 'T', papers: [paper('1')] }, { topicId: 3, title: 'X', papers: [] }], new Set(['1']), 10), []);
  });

  it('shortens abstracts at a word', () => {
    const text = 'word '.repeat(100);
    const short = shortAbstract(text, 50);
    assert.ok(short.length <= 51 && short.endsWith('…') && !short.includes('wor…'), short);
    assert.equal(shortAbstract('  short   text '), 'short text');
  });
});

describe('signed tokens', () => {
  it('verify their own payload and purpose only, and refuse any alteration', () => {
    const token = signToken('secret-1', 'unsub', '42:all');
    assert.equal(verifyToken('secret-1', 'unsub', token), '42:all');
    assert.equal(verifyToken('secret-1', 'prefs', token), null, 'another purpose');
    assert.equal(verifyToken('secret-2', 'unsub', token), null, 'another secret');
    const [body, sig] = token.split('.') as [string, string];
    const forgedBody = Buffer.from('unsub|43:all').toString('base64url');
    assert.equal(verifyToken('secret-1', 'unsub', `${forgedBody}.${sig}`), null, 'changed payload');
    assert.equal(verifyToken('secret-1', 'unsub', `${body}.${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`), null, 'changed signature');
    assert.equal(verifyToken('secret-1', 'unsub', 'garbage'), null);
  });
});
