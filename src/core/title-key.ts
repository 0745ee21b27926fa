import { texAccentsToUnicode } from './text.ts';

const GREEK: Record<string, string> = {
  α: 'alpha', β: 'beta', γ: 'gamma', δ: 'delta', ε: 'epsilon', ϵ: 'epsilon', ζ: 'zeta', η: 'eta', θ: 'theta', ϑ: 'theta',
  ι: 'iota', κ: 'kappa', λ: 'lambda', μ: 'mu', ν: 'nu', ξ: 'xi', ο: 'omicron', π: 'pi', ρ: 'rho', σ: 'sigma', ς: 'sigma',
  τ: 'tau', υ: 'upsilon', φ: 'phi', ϕ: 'phi', χ: 'chi', ψ: 'psi', ω: 'omega',
};
// Commands whose argument is the text itself: \textbf{Fast}, \emph{x}, \mathcal{O}, \texttt{k}-NN.
const WRAPPERS = /\\(?:text[a-z]*|emph|math[a-z]*|mbox|operatorname|boldsymbol|bm)\s*(?=\{)/g;

/**
 * A paper title folded for matching the same paper across sources: TeX accents and markup
 * (`\"o`, `\textbf{}`, `$\alpha$`), Greek letters (`α` = `\alpha`), case, accents, punctuation and
 * spacing do not matter. Used to find the arXiv twin of a record that has no id.
 * Example: `titleKey('$\\alpha$-Nets: {S}chr\\"odinger   bridges')` is `'alpha nets schrodinger bridges'`.
 */
export function titleKey(title: string): string {
  return texAccentsToUnicode(title.replace(WRAPPERS, ''))
    .replace(/\\([A-Za-z]+)/g, ' $1 ')
    .toLowerCase()
    .replace(/[α-ωϵϑϕς]/g, (letter) => ` ${GREEK[letter] ?? letter} `)
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
