import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstSentence } from '../../src/core/first-sentence.ts';
import { latexTextToHtml, latexTextToPlain, latexToReadableText, splitMath, texToUnicode } from '../../src/core/latex-text.ts';

describe('text-mode LaTeX', () => {
  it('becomes markup, escaped everywhere else', () => {
    assert.equal(latexTextToHtml('\\textit{a <b>} \\textbf{\\emph{c}} \\texttt{d} \\citep[see][p.~3]{k1,k2} \\ie{} 5\\% R\\&D ``q\'\''),
      '<em>a &lt;b&gt;</em> <strong><em>c</em></strong> <code>d</code> [k1, k2] i.e. 5% R&amp;D “q”');
    assert.equal(latexTextToHtml('Sch\\"olkopf and G\\\'{e}rard, {\\em new} {BERT}, https://x.org/~me'), 'Schölkopf and Gérard, <em>new</em> BERT, https://x.org/~me');
    assert.equal(latexTextToHtml('\\unknown{x} stays, so does a lone { brace'), '\\unknown{x} stays, so does a lone { brace');
  });

  it('as plain text keeps formulas as their source', () => {
    assert.equal(latexTextToPlain('\\textbf{$x$ and $y$} cost 5\\%'), '$x$ and $y$ cost 5%');
    assert.deepEqual(splitMath('a \\$5 and $x$').map((p) => p.kind), ['text', 'math']);
  });

  it('renders simple formulas as Unicode for mail, and keeps the others as TeX', () => {
    assert.equal(texToUnicode('\\alpha^2 \\le x_i + \\mathbb{R}^n'), 'α² ≤ xᵢ + ℝⁿ');
    assert.equal(texToUnicode('\\frac{a+b}{2}'), '(a+b)/2');
    assert.equal(texToUnicode('\\begin{pmatrix}a\\end{pmatrix}'), null);
    assert.equal(latexToReadableText('Learning $\\alpha$-divergences, \\emph{fast}, $\\bW$'), 'Learning α-divergences, fast, $\\bW$');
  });
});

describe('the first sentence of an abstract', () => {
  it('ends at a full stop before a capital, not after an abbreviation or inside a formula', () => {
    assert.deepEqual(firstSentence('We use e.g. BERT, cf. Fig. 2. Then $x. Y$ more. Done.'), { sentence: 'We use e.g. BERT, cf. Fig. 2.', rest: 'Then $x. Y$ more. Done.' });
    assert.deepEqual(firstSentence('Take $a. B$ as given. Then more.'), { sentence: 'Take $a. B$ as given.', rest: 'Then more.' });
    const long = firstSentence(`${'word '.repeat(80)}end.`, 60);
    assert.ok(long.sentence.endsWith('…') && long.sentence.length <= 61, long.sentence);
  });
});

describe('text-mode LaTeX with unbalanced braces', () => {
  it('matches each group with its own closing brace, skips escaped braces, and leaves unmatched ones as text', () => {
    assert.equal(latexTextToPlain('{a{\\emph{b}}'), '{ab');
    assert.equal(latexTextToPlain('\\{x\\} {\\bf y}'), '{x} y');
    assert.equal(latexTextToPlain('x {'.repeat(3)), 'x {x {x {');
    assert.equal(latexTextToPlain('x {'.repeat(20_000)).length, 60_000);
  });
});
