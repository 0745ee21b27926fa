import escapeHtml from 'escape-html';
import katex from 'katex';
import { MATH_PATTERN, latexTextToHtml, splitMath } from '../../core/latex-text.ts';

// Macros papers define in their preamble, which arXiv metadata does not carry. The usual
// conventions are guessed when KaTeX does not know a name: \bW bold, \cL calligraphic, \bbR
// blackboard bold; \R, \N, \Z, \E, \Q and \C blackboard bold.
const GUESSES: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^\\b([A-Za-z])$/, (m) => `\\mathbf{${m[1]}}`],
  [/^\\bb([A-Z])$/, (m) => `\\mathbb{${m[1]}}`],
  [/^\\c([A-Z])$/, (m) => `\\mathcal{${m[1]}}`],
  [/^\\([RNZEQC])$/, (m) => `\\mathbb{${m[1]}}`],
  [/^\\(bm|bs)$/, () => '\\boldsymbol'],
  [/^\\(argmin|argmax)$/, (m) => `\\operatorname*{${m[1]}}`],
];

// Formulas repeat (titles on every list, the same abstract on every view): rendered ones are kept.
const cache = new Map<string, string | null>();

/** One formula as MathML, or null when KaTeX cannot read it. */
function renderTex(tex: string, displayMode: boolean): string | null {
  const key = `${displayMode ? 'D' : 'I'}${tex}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  const macros: Record<string, string> = {};
  let html: string | null = null;
  for (let attempt = 0; attempt < 6 && html === null; attempt++) {
    try {
      html = katex.renderToString(tex, { output: 'mathml', displayMode, throwOnError: true, trust: false, strict: 'ignore', maxSize: 20, maxExpand: 200, macros: { ...macros } });
    } catch (error) {
      const name = /Undefined control sequence: (\\[a-zA-Z]+)/.exec(error instanceof Error ? error.message : '')?.[1];
      const guess = name ? GUESSES.map(([pattern, to]) => [pattern.exec(name), to] as const).find(([m]) => m) : undefined;
      if (!name || !guess || macros[name]) break;
      macros[name] = guess[1](guess[0]!);
    }
  }
  if (cache.size > 5000) cache.clear();
  cache.set(key, html);
  return html;
}

/** A formula KaTeX could not read: its source, as code. */
const unreadable = (tex: string) => `<code class="tex" title="TeX that could not be rendered">${escapeHtml(tex)}</code>`;

/**
 * Text with its LaTeX rendered on the server: formulas as MathML by KaTeX (no fonts, scripts or
 * inline styles, so the strict CSP holds), text-mode commands as HTML (core/latex-text.ts);
 * everything else HTML-escaped. Each formula is rendered on its own: one that KaTeX cannot read
 * (an unknown macro) shows as TeX source in a <code>, and the others still render. KaTeX runs
 * with trust off (no \href, \url, \htmlClass).
 */
export function renderWithMath(text: string): string {
  if (!/[$\\{`~']/.test(text)) return escapeHtml(text);
  const formulas: string[] = [];
  // Formulas become placeholders so that text commands around them (\textbf{$x$}) still pair up.
  const marked = splitMath(text).map((piece) => {
    if (piece.kind === 'text') return piece.text.replace(/\0/g, '');
    formulas.push(renderTex(piece.tex, piece.display) ?? unreadable(piece.tex));
    return `\0${formulas.length - 1}\0`;
  }).join('');
  return latexTextToHtml(marked).replace(/\0(\d+)\0/g, (_, n: string) => formulas[Number(n)] ?? '');
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/**
 * A search snippet (escaped HTML with <mark>ed words, from core/search/snippet.ts) with its
 * formulas rendered. The snippet keeps each formula whole, inside or outside a mark; a
 * "formula" that would cross a tag is two dollar amounts, and stays text.
 */
export function renderSnippetMath(html: string): string {
  if (!html.includes('$') && !html.includes('\\(') && !html.includes('\\[')) return html;
  return html.replace(new RegExp(MATH_PATTERN.source, 'g'), (source) => {
    if (source.includes('<')) return source;
    return renderWithMath(source.replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]!));
  });
}
