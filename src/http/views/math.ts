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

// MathML Core (what Chromium renders) ignores `mathvariant` other than normal, so \mathbf{W},
// \mathbb{R} and \mathcal{L} would all show as an italic letter: their letters become the
// Unicode mathematical alphanumeric symbols instead (𝐖, ℝ, ℒ), which every engine shows.
const ALPHANUMERIC: Record<string, { upper: number; lower?: number; digit?: number; holes?: Record<string, number> }> = {
  bold: { upper: 0x1d400, lower: 0x1d41a, digit: 0x1d7ce },
  'bold-italic': { upper: 0x1d468, lower: 0x1d482 },
  script: { upper: 0x1d49c, lower: 0x1d4b6, holes: { B: 0x212c, E: 0x2130, F: 0x2131, H: 0x210b, I: 0x2110, L: 0x2112, M: 0x2133, R: 0x211b, e: 0x212f, g: 0x210a, o: 0x2134 } },
  fraktur: { upper: 0x1d504, lower: 0x1d51e, holes: { C: 0x212d, H: 0x210c, I: 0x2111, R: 0x211c, Z: 0x2128 } },
  'double-struck': { upper: 0x1d538, lower: 0x1d552, digit: 0x1d7d8, holes: { C: 0x2102, H: 0x210d, N: 0x2115, P: 0x2119, Q: 0x211a, R: 0x211d, Z: 0x2124 } },
  'sans-serif': { upper: 0x1d5a0, lower: 0x1d5ba, digit: 0x1d7e2 },
  monospace: { upper: 0x1d670, lower: 0x1d68a, digit: 0x1d7f6 },
};
function styledLetters(variant: string, text: string): string | null {
  const table = ALPHANUMERIC[variant];
  if (!table) return null;
  let out = '';
  for (const c of text) {
    const hole = table.holes?.[c];
    const base = /[A-Z]/.test(c) ? table.upper : /[a-z]/.test(c) ? table.lower : /[0-9]/.test(c) ? table.digit : undefined;
    if (hole !== undefined) out += String.fromCodePoint(hole);
    else if (base !== undefined) out += String.fromCodePoint(base + (c.charCodeAt(0) - (/[A-Z]/.test(c) ? 65 : /[a-z]/.test(c) ? 97 : 48)));
    else return null;
  }
  return out;
}
const withUnicodeVariants = (mathml: string) =>
  mathml.replace(/<(mi|mn) mathvariant="([a-z-]+)">([A-Za-z0-9]+)<\/\1>/g, (tag, name: string, variant: string, text: string) => {
    const styled = styledLetters(variant, text);
    return styled === null ? tag : `<${name}>${styled}</${name}>`;
  });

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
      html = withUnicodeVariants(katex.renderToString(tex, { output: 'mathml', displayMode, throwOnError: true, trust: false, strict: 'ignore', maxSize: 20, maxExpand: 200, macros: { ...macros } }));
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
