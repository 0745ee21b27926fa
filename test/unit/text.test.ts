import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cleanText, splitAuthors, texAccentsToUnicode, toIsoDate, toIsoTimestamp } from '../../src/core/text.ts';

describe('text helpers', () => {
  it('collapses whitespace, drops control characters and NFC-normalises', () => {
    assert.equal(cleanText('  A  title\n  over\tlines\u0007 '), 'A title over lines');
    assert.equal(cleanText('Go\u0308del'), 'Gödel');
    assert.equal(cleanText('plain ascii'), 'plain ascii');
  });

  it('turns TeX accents into Unicode', () => {
    assert.equal(texAccentsToUnicode("Bal\\'azs"), 'Balázs');
    assert.equal(texAccentsToUnicode('G\\"odel'), 'Gödel');
    assert.equal(texAccentsToUnicode('Erd\\H{o}s'), 'Erdős');
    assert.equal(texAccentsToUnicode('{\\"U}ber Fran\\c{c}ois'), 'Über François');
    assert.equal(texAccentsToUnicode('S\\o ren \\L{}ukasz'), 'Søren Łukasz');
    assert.equal(texAccentsToUnicode('no accents'), 'no accents');
  });

  it('splits arXiv author strings on commas and "and", dropping affiliations', () => {
    assert.deepEqual(splitAuthors('A. One, B. Two and C. Three'), ['A. One', 'B. Two', 'C. Three']);
    assert.deepEqual(splitAuthors('A. One (MIT, Cambridge), B. Two, and C.-P. Yuan'), ['A. One', 'B. Two', 'C.-P. Yuan']);
    assert.deepEqual(splitAuthors("C. Bal\\'azs and\n  E. Berger"), ['C. Balázs', 'E. Berger']);
    assert.deepEqual(splitAuthors('Alexander Andrews'), ['Alexander Andrews'], '"and" inside a name is not a separator');
  });

  it('reads ISO and RFC 2822 dates and refuses nonsense', () => {
    assert.equal(toIsoTimestamp('Mon, 2 Apr 2007 19:18:42 GMT'), '2007-04-02T19:18:42.000Z');
    assert.equal(toIsoDate('2024-01-05T23:00:00-05:00'), '2024-01-06');
    assert.equal(toIsoTimestamp('2024-02-29'), '2024-02-29');
    assert.equal(toIsoTimestamp('2023-02-29'), null);
    assert.equal(toIsoTimestamp('yesterday'), null);
    assert.equal(toIsoTimestamp('0001-01-01T00:00:00Z'), null);
  });
});
