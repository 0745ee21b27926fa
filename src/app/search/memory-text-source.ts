import type { PaperText, TextSource } from '../../ports/text-source.ts';

/** Texts held in memory (`paperboy eval` over a BEIR corpus, tests). */
export class MemoryTextSource implements TextSource {
  private readonly texts = new Map<number, PaperText>();

  set(seq: number, text: PaperText): void {
    this.texts.set(seq, text);
  }

  delete(seq: number): void {
    this.texts.delete(seq);
  }

  get(seq: number): PaperText | undefined {
    return this.texts.get(seq);
  }

  read(seqs: readonly number[]): Promise<ReadonlyMap<number, PaperText>> {
    const out = new Map<number, PaperText>();
    for (const seq of seqs) {
      const text = this.texts.get(seq);
      if (text) out.set(seq, text);
    }
    return Promise.resolve(out);
  }
}
