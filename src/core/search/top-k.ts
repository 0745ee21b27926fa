/** Top-k selection shared by the indexes: ordering by score descending, ties by doc id ascending. */

export interface ScoredDoc {
  docId: number;
  score: number;
}

/** Best `k` hits by score (descending), ties broken by ascending doc id, so results are deterministic. */
export function topK<T extends ScoredDoc>(hits: T[], k: number): T[] {
  const better = (a: T, b: T) => a.score > b.score || (a.score === b.score && a.docId < b.docId);
  if (hits.length <= k * 4) return hits.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0)).slice(0, k);
  // A bounded min-heap keeps the work at O(n log k) for long hit lists.
  const heap: T[] = [];
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < heap.length && better(heap[worst]!, heap[l]!)) worst = l;
      if (r < heap.length && better(heap[worst]!, heap[r]!)) worst = r;
      if (worst === i) return;
      [heap[i], heap[worst]] = [heap[worst]!, heap[i]!];
      i = worst;
    }
  };
  for (const hit of hits) {
    if (heap.length < k) {
      heap.push(hit);
      for (let i = heap.length - 1; i > 0; ) {
        const parent = (i - 1) >>> 1;
        if (!better(heap[parent]!, heap[i]!)) break;
        [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
        i = parent;
      }
    } else if (k > 0 && better(hit, heap[0]!)) {
      heap[0] = hit;
      down(0);
    }
  }
  return heap.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
}

/** A bounded min-heap of (score, docId), worst on top; ties prefer the smaller doc id. */
export class TopHeap {
  private readonly scores: Float64Array;
  private readonly docs: Int32Array;
  private n = 0;
  get size(): number {
    return this.n;
  }
  /** The worst kept score. */
  get min(): number {
    return this.scores[0]!;
  }
  constructor(private readonly k: number) {
    this.scores = new Float64Array(k);
    this.docs = new Int32Array(k);
  }
  /** a is worse than b */
  private worse(i: number, j: number): boolean {
    const a = this.scores[i]!;
    const b = this.scores[j]!;
    return a < b || (a === b && this.docs[i]! > this.docs[j]!);
  }
  private swap(i: number, j: number): void {
    const s = this.scores[i]!;
    this.scores[i] = this.scores[j]!;
    this.scores[j] = s;
    const d = this.docs[i]!;
    this.docs[i] = this.docs[j]!;
    this.docs[j] = d;
  }
  offer(docId: number, score: number): void {
    if (this.k === 0) return;
    if (this.n < this.k) {
      let i = this.n++;
      this.scores[i] = score;
      this.docs[i] = docId;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.worse(i, parent)) break;
        this.swap(i, parent);
        i = parent;
      }
      return;
    }
    const top = this.scores[0]!;
    if (score < top || (score === top && docId > this.docs[0]!)) return;
    this.scores[0] = score;
    this.docs[0] = docId;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let w = i;
      if (l < this.n && this.worse(l, w)) w = l;
      if (r < this.n && this.worse(r, w)) w = r;
      if (w === i) return;
      this.swap(i, w);
      i = w;
    }
  }
  sorted(): ScoredDoc[] {
    const out: ScoredDoc[] = [];
    for (let i = 0; i < this.n; i++) out.push({ docId: this.docs[i]!, score: this.scores[i]! });
    return out.sort((a, b) => b.score - a.score || a.docId - b.docId);
  }
}

