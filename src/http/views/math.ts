import escapeHtml from 'escape-html';
import katex from 'katex';

/** $$..$$, \[..\], $..$ and \(..\) — the delimiters arXiv abstracts use. */
const MATH = /\$\$([^$]{1,800}?)\$\$|\\\[([\s\S]{1,800}?)\\\]|\$([^$\n]{1,400}?)\$|\\\(([\s\S]{1,400}?)\\\)/g;

/**
 * Text with its LaTeX rendered on the server as MathML by KaTeX (no fonts, scripts or inline
 * styles, so the strict CSP holds); everything outside math is HTML-escaped. KaTeX runs with
 * trust off (no \href, \url, \htmlClass) and never throws: bad TeX stays visible as source.
 */
export function renderWithMath(text: string): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(MATH)) {
    const index = match.index;
    out += escapeHtml(text.slice(last, index));
    const display = match[1] !== undefined || match[2] !== undefined;
    const tex = (match[1] ?? match[2] ?? match[3] ?? match[4] ?? '').trim();
    out += tex ? renderTex(tex, display) ?? escapeHtml(match[0]) : escapeHtml(match[0]);
    last = index + match[0].length;
  }
  return out + escapeHtml(text.slice(last));
}

function renderTex(tex: string, displayMode: boolean): string | null {
  try {
    return katex.renderToString(tex, { output: 'mathml', displayMode, throwOnError: true, trust: false, strict: 'ignore', maxSize: 20, maxExpand: 200 });
  } catch {
    return null;
  }
}
