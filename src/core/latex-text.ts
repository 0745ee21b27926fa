import escapeHtml from 'escape-html';

/**
 * Text-mode LaTeX as arXiv abstracts and titles use it (`\textit{..}`, `\citep{..}`, `\ie`, `\%`,
 * ``quotes'', accents), turned into HTML or plain text. Math is not touched here: see
 * {@link splitMath}, and http/views/math.ts for rendering it.
 */

/** $$..$$, \[..\], $..$ and \(..\), the delimiters arXiv abstracts use (`\$` is a dollar sign, not math). */
export const MATH_PATTERN = /(?<!\\)\$\$([^$]{1,800}?)\$\$|\\\[([\s\S]{1,800}?)\\\]|(?<!\\)\$([^$\n]{1,400}?)\$|\\\(([\s\S]{1,400}?)\\\)/g;

export type TextPiece = { kind: 'text'; text: string } | { kind: 'math'; tex: string; display: boolean; source: string };

/** Text cut into runs of text and formulas, in order. */
export function splitMath(text: string): TextPiece[] {
  const out: TextPiece[] = [];
  let last = 0;
  for (const match of text.matchAll(MATH_PATTERN)) {
    const tex = (match[1] ?? match[2] ?? match[3] ?? match[4] ?? '').trim();
    if (!tex) continue;
    if (match.index > last) out.push({ kind: 'text', text: text.slice(last, match.index) });
    out.push({ kind: 'math', tex, display: match[1] !== undefined || match[2] !== undefined, source: match[0] });
    last = match.index + match[0].length;
  }
  if (last < text.length) out.push({ kind: 'text', text: text.slice(last) });
  return out;
}

type Flavour = 'html' | 'plain';

const TAGS: Record<string, string> = {
  textit: 'em', emph: 'em', textsl: 'em', it: 'em', em: 'em', sl: 'em',
  textbf: 'strong', bf: 'strong',
  texttt: 'code', tt: 'code',
};
const PLAIN_GROUPS = new Set(['textsc', 'textrm', 'textsf', 'textnormal', 'textup', 'text', 'mbox', 'underline', 'textmd', 'sc', 'rm', 'sf', 'url', 'nolinkurl', 'hbox']);
const CITES = /^(?:cite[tp]?|citealp|citealt|citeauthor|citeyear|parencite|textcite|autocite|footcite)$/;
const REFS = /^(?:ref|eqref|autoref|cref|Cref|pageref)$/;
const WORDS: Record<string, string> = {
  ie: 'i.e.', eg: 'e.g.', etal: 'et al.', vs: 'vs.', etc: 'etc.', cf: 'cf.', wrt: 'w.r.t.', iid: 'i.i.d.', aka: 'a.k.a.',
  LaTeX: 'LaTeX', TeX: 'TeX', ldots: '…', dots: '…', textellipsis: '…', textasciitilde: '~', textendash: '–', textemdash: '—',
  textquoteright: '’', textquoteleft: '‘', S: '§', P: '¶', textregistered: '®', texttrademark: '™', copyright: '©',
  ss: 'ß', ae: 'æ', AE: 'Æ', oe: 'œ', OE: 'Œ', o: 'ø', O: 'Ø', aa: 'å', AA: 'Å', l: 'ł', L: 'Ł', i: 'ı',
  newline: ' ', par: ' ', noindent: '', xspace: '', quad: ' ', qquad: ' ', hfill: ' ', smallskip: '', medskip: '', bigskip: '',
};
const ACCENTS: Record<string, string> = { "'": '\u0301', '`': '\u0300', '^': '\u0302', '"': '\u0308', '~': '\u0303', '=': '\u0304', '.': '\u0307', u: '\u0306', v: '\u030C', H: '\u030B', c: '\u0327', k: '\u0328', r: '\u030A' };
const LITERAL = new Set(['%', '&', '$', '#', '_', '{', '}']);

/**
 * For a text, a function from the index of a `{` to the index of the `}` closing its group (-1 when
 * none does), `\`-escaped braces skipped. All pairs are found in one pass, on first use: scanning to
 * the end for every unmatched `{` made a text of many of them quadratic (20,000: 5 s).
 */
function braceMatcher(s: string): (open: number) => number {
  let closes: Map<number, number> | null = null;
  return (open) => {
    if (!closes) {
      closes = new Map();
      const stack: number[] = [];
      for (let i = 0; i < s.length; i++) {
        const c = s[i];
        if (c === '\\') i++;
        else if (c === '{') stack.push(i);
        else if (c === '}' && stack.length > 0) closes.set(stack.pop()!, i);
      }
    }
    return closes.get(open) ?? -1;
  };
}

/** Skips spaces; returns the index of the next non-space character. */
const skipSpaces = (s: string, i: number) => {
  while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  return i;
};

function convert(s: string, flavour: Flavour, depth: number): string {
  const esc = flavour === 'html' ? escapeHtml : (t: string) => t;
  const wrap = (tag: string, inner: string) => (flavour === 'html' ? `<${tag}>${inner}</${tag}>` : inner);
  const closingBrace = braceMatcher(s);
  let out = '';
  let plain = 0; // start of the literal run not yet written
  const flush = (to: number) => {
    if (to > plain) out += esc(s.slice(plain, to));
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      const rest = s.slice(i + 1);
      const name = /^[a-zA-Z]+/.exec(rest)?.[0] ?? rest[0] ?? '';
      let end = i + 1 + name.length; // index after the command name
      let text: string | null = null;
      if (LITERAL.has(name)) text = esc(name);
      else if (name === '\\' || name === ',' || name === ' ' || name === ';' || name === '!') text = name === '!' ? '' : ' ';
      else if (name === '-' || name === '/') text = '';
      else if (ACCENTS[name] !== undefined && (name.length === 1 || /^[a-zA-Z]$/.test(name))) {
        // \'e, \"{o}, \c{c}: a letter with a combining accent, composed.
        const arg = /^\s*(?:\{\\?([a-zA-Z])\}|([a-zA-Z]))/.exec(s.slice(end));
        if (arg && (name.length === 1 || arg[1] !== undefined || s[end] === ' ' || s[end] === '{')) {
          const letter = arg[1] ?? arg[2]!;
          text = esc(`${letter}${ACCENTS[name]}`.normalize('NFC'));
          end += arg[0].length;
        }
      } else if (depth < 8 && (TAGS[name] !== undefined || PLAIN_GROUPS.has(name)) && s[skipSpaces(s, end)] === '{') {
        const open = skipSpaces(s, end);
        const close = closingBrace(open);
        if (close !== -1) {
          const inner = convert(s.slice(open + 1, close), flavour, depth + 1);
          text = TAGS[name] ? wrap(TAGS[name], inner) : inner;
          end = close + 1;
        }
      } else if (CITES.test(name) || REFS.test(name)) {
        const arg = /^\*?\s*(?:\[[^\]]{0,200}\]\s*){0,2}\{([^{}]{0,500})\}/.exec(s.slice(end));
        if (arg) {
          const keys = arg[1]!.split(',').map((k) => k.trim()).filter(Boolean).join(', ');
          text = CITES.test(name) ? esc(`[${keys}]`) : esc(keys);
          end += arg[0].length;
        }
      } else if (name === 'href') {
        const arg = /^\s*\{[^{}]{0,2000}\}\s*\{([^{}]{0,500})\}/.exec(s.slice(end));
        if (arg) {
          text = convert(arg[1]!, flavour, depth + 1);
          end += arg[0].length;
        }
      } else if (WORDS[name] !== undefined) {
        text = esc(WORDS[name]);
        if (s.startsWith('{}', end)) end += 2;
        else if (s[end] === '\\' && s[end + 1] === ' ') end += 1; // `\ie\ ` keeps its space
        // `\ie.` would say "i.e.."
        if (text.endsWith('.') && s[end] === '.') end++;
      }
      if (text === null) {
        // An unknown command stays as it is, with its braced arguments.
        let j = end;
        for (let close = s[j] === '{' ? closingBrace(j) : -1; close !== -1; close = s[j] === '{' ? closingBrace(j) : -1) j = close + 1;
        i = j - 1;
        continue;
      }
      flush(i);
      out += text;
      plain = end;
      i = end - 1;
    } else if (c === '{' && depth < 8) {
      // {\em ..}, {\bf ..}: a switch for the rest of the group; bare braces just group.
      const close = closingBrace(i);
      if (close === -1) continue;
      flush(i);
      const sw = /^\\(em|it|bf|sl|tt|sc|rm|sf)\b\s*/.exec(s.slice(i + 1, close));
      const inner = convert(s.slice(i + 1 + (sw ? sw[0].length : 0), close), flavour, depth + 1);
      out += sw && TAGS[sw[1]!] ? wrap(TAGS[sw[1]!]!, inner) : inner;
      plain = close + 1;
      i = close;
    } else if (c === '`' || (c === "'" && s[i + 1] === "'")) {
      const double = s[i + 1] === c;
      flush(i);
      out += c === '`' ? (double ? '“' : '‘') : '”';
      plain = i + (double ? 2 : 1);
      i = plain - 1;
    } else if (c === '~' && i > 0 && s[i - 1] !== '/' && s[i - 1] !== ' ') {
      flush(i);
      out += flavour === 'html' ? '&nbsp;' : '\u00a0';
      plain = i + 1;
    }
  }
  flush(s.length);
  return out;
}

const NEEDS_WORK = /[\\{`~]|''/;

/** Text-mode LaTeX as HTML: escaped text, `\emph` as <em>, `\textbf` as <strong>, `\texttt` as <code>, citations as [keys]. */
export function latexTextToHtml(text: string): string {
  return NEEDS_WORK.test(text) ? convert(text, 'html', 0) : escapeHtml(text);
}

/** Text-mode LaTeX as plain text (no markup); math is left as its source. */
export function latexTextToPlain(text: string): string {
  if (!NEEDS_WORK.test(text)) return text;
  const formulas: string[] = [];
  const marked = splitMath(text).map((piece) => {
    if (piece.kind === 'text') return piece.text.replace(/\0/g, '');
    formulas.push(piece.source);
    return `\0${formulas.length - 1}\0`;
  }).join('');
  return convert(marked, 'plain', 0).replace(/\0(\d+)\0/g, (_, n: string) => formulas[Number(n)] ?? '');
}

// Simple formulas as Unicode text, for places without MathML (mail): greek letters, operators,
// sub- and superscripts that Unicode has, \frac as a/b, blackboard letters.
const SYMBOLS: Record<string, string> = {
  alpha: 'α', beta: 'β', gamma: 'γ', delta: 'δ', epsilon: 'ϵ', varepsilon: 'ε', zeta: 'ζ', eta: 'η', theta: 'θ', vartheta: 'ϑ', iota: 'ι', kappa: 'κ',
  lambda: 'λ', mu: 'μ', nu: 'ν', xi: 'ξ', pi: 'π', rho: 'ρ', sigma: 'σ', tau: 'τ', upsilon: 'υ', phi: 'ϕ', varphi: 'φ', chi: 'χ', psi: 'ψ', omega: 'ω',
  Gamma: 'Γ', Delta: 'Δ', Theta: 'Θ', Lambda: 'Λ', Xi: 'Ξ', Pi: 'Π', Sigma: 'Σ', Upsilon: 'Υ', Phi: 'Φ', Psi: 'Ψ', Omega: 'Ω',
  le: '≤', leq: '≤', ge: '≥', geq: '≥', neq: '≠', ne: '≠', approx: '≈', sim: '∼', simeq: '≃', times: '×', cdot: '·', pm: '±', mp: '∓', infty: '∞',
  to: '→', rightarrow: '→', leftarrow: '←', Rightarrow: '⇒', Leftarrow: '⇐', leftrightarrow: '↔', mapsto: '↦', in: '∈', notin: '∉', subset: '⊂',
  subseteq: '⊆', supset: '⊃', cup: '∪', cap: '∩', sum: '∑', prod: '∏', int: '∫', partial: '∂', nabla: '∇', forall: '∀', exists: '∃', ell: 'ℓ',
  ldots: '…', cdots: '⋯', dots: '…', mid: '|', top: '⊤', perp: '⊥', circ: '∘', star: '⋆', emptyset: '∅', propto: '∝', equiv: '≡', ll: '≪', gg: '≫',
  langle: '⟨', rangle: '⟩', lfloor: '⌊', rfloor: '⌋', lceil: '⌈', rceil: '⌉', log: 'log', ln: 'ln', exp: 'exp', max: 'max', min: 'min', sup: 'sup',
  inf: 'inf', lim: 'lim', sin: 'sin', cos: 'cos', tan: 'tan', det: 'det', dim: 'dim', Pr: 'Pr', sqrt: '√', prime: '′', neg: '¬', wedge: '∧', vee: '∨',
  oplus: '⊕', otimes: '⊗', '|': '‖', '%': '%', ',': '\u2009', ';': ' ', ':': ' ', '!': '', ' ': ' ', quad: ' ', qquad: '  ', '{': '{', '}': '}',
};
const SUPERSCRIPTS: Record<string, string> = { 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹', '+': '⁺', '-': '⁻', '=': '⁼', '(': '⁽', ')': '⁾', n: 'ⁿ', i: 'ⁱ', T: 'ᵀ', '*': '*', '′': '′', '⊤': 'ᵀ' };
const SUBSCRIPTS: Record<string, string> = { 0: '₀', 1: '₁', 2: '₂', 3: '₃', 4: '₄', 5: '₅', 6: '₆', 7: '₇', 8: '₈', 9: '₉', '+': '₊', '-': '₋', '=': '₌', '(': '₍', ')': '₎', a: 'ₐ', e: 'ₑ', h: 'ₕ', i: 'ᵢ', j: 'ⱼ', k: 'ₖ', l: 'ₗ', m: 'ₘ', n: 'ₙ', o: 'ₒ', p: 'ₚ', r: 'ᵣ', s: 'ₛ', t: 'ₜ', u: 'ᵤ', v: 'ᵥ', x: 'ₓ' };
const BLACKBOARD: Record<string, string> = { N: 'ℕ', Z: 'ℤ', Q: 'ℚ', R: 'ℝ', C: 'ℂ', P: 'ℙ', E: '𝔼' };
const WRAPPERS = /^(?:mathrm|mathbf|mathit|mathsf|mathtt|boldsymbol|bm|text|textrm|textit|textbf|operatorname|mathcal|mathscr|hat|bar|tilde|vec|widehat|widetilde|overline|left|right|big|Big|bigg|Bigg|displaystyle)$/;

/** A simple formula as Unicode text (`\alpha^2 \le x_i` → `α² ≤ xᵢ`), or null when it is not simple. */
export function texToUnicode(tex: string): string | null {
  let s = tex;
  // \frac{a}{b} → a/b (innermost first).
  for (let i = 0; i < 4 && s.includes('\\frac'); i++) {
    s = s.replace(/\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}/g, (_, a: string, b: string) => `${a.length > 1 ? `(${a})` : a}/${b.length > 1 ? `(${b})` : b}`);
  }
  s = s.replace(/\\mathbb\s*\{?([A-Z])\}?/g, (m, c: string) => BLACKBOARD[c] ?? m);
  s = s.replace(/\\([a-zA-Z]+|[|%,;:! {}])/g, (m, name: string) => (SYMBOLS[name] ?? (WRAPPERS.test(name) ? '' : m)));
  if (s.includes('\\')) return null;
  const script = (table: Record<string, string>) => (m: string, braced: string | undefined, single: string | undefined) => {
    const body = braced ?? single ?? '';
    const mapped = [...body].map((c) => table[c]);
    return mapped.every((c) => c !== undefined) ? mapped.join('') : m;
  };
  s = s.replace(/\^(?:\{([^{}]*)\}|(.))/gu, script(SUPERSCRIPTS)).replace(/_(?:\{([^{}]*)\}|(.))/gu, script(SUBSCRIPTS));
  s = s.replace(/\^(?:\{([^{}]*)\}|(.))/gu, (_, a: string | undefined, b: string | undefined) => `^${(a ?? b ?? '').length > 1 ? `(${a ?? b})` : a ?? b}`);
  s = s.replace(/_(?:\{([^{}]*)\}|(.))/gu, (_, a: string | undefined, b: string | undefined) => `_${(a ?? b ?? '').length > 1 ? `(${a ?? b})` : a ?? b}`);
  s = s.replace(/[{}]/g, '').replace(/\s+/g, ' ').trim();
  return s;
}

/**
 * Text-mode LaTeX as plain text and simple formulas as Unicode (`$\alpha$-divergence` →
 * `α-divergence`), for mail and other places without MathML; a formula that is not simple keeps
 * its TeX source.
 */
export function latexToReadableText(text: string): string {
  return latexTextToPlain(text).replace(new RegExp(MATH_PATTERN.source, 'g'), (source, a?: string, b?: string, c?: string, d?: string) => texToUnicode((a ?? b ?? c ?? d ?? '').trim()) ?? source);
}
