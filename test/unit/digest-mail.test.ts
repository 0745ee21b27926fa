import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderDigest } from '../../src/app/digest-mail.ts';

const links = {
  baseUrl: 'https://papers.example.org', viewUrl: 'https://papers.example.org/digests/view?token=v', preferencesUrl: 'https://papers.example.org/preferences?token=p',
  unsubscribeAllUrl: 'https://papers.example.org/unsubscribe?token=u', unsubscribeTopicUrl: (id: number) => `https://papers.example.org/unsubscribe?token=t${id}`,
};

describe('digest mail', () => {
  it('writes math and text-mode LaTeX readably in both parts (mail clients render no MathML)', () => {
    const paper = {
      id: '2401.00101', title: '$\\alpha$-divergence bounds for \\textit{sparse} retrieval', abstract: 'We bound the $\\alpha$-divergence, i.e.\\ the gap, by 5\\%.',
      authors: ['Ada Lovelace'], date: '2024-01-09',
    };
    const mail = renderDigest('2024-01-10', [{ topicId: null, title: 'Trending', papers: [paper] }], links);
    for (const part of [mail.text, mail.html]) {
      assert.match(part, /α-divergence bounds for sparse retrieval/);
      assert.match(part, /by 5%/);
      assert.doesNotMatch(part, /\\textit|\$\\alpha\$/);
    }
  });
});
