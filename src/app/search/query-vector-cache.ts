/**
 * The vectors of recent query texts, least recently used dropped first. Embedding a query is the
 * largest part of a hybrid search (a few ms of CPU on the model's query thread, plus the hop
 * there and back), and the same text comes back often: the next page of results, the search page and its
 * feed, switching sort or filters, and digests whose subscribers share a saved search.
 */
export class QueryVectorCache {
  private readonly entries = new Map<string, Promise<Float32Array>>();
  hits = 0;
  misses = 0;

  constructor(private readonly capacity: number) {}

  /** The cached vector of `text`, or `embed(text)` (remembered; a failure is not). */
  get(text: string, embed: (text: string) => Promise<Float32Array>): Promise<Float32Array> {
    const found = this.entries.get(text);
    if (found) {
      this.hits++;
      this.entries.delete(text);
      this.entries.set(text, found);
      return found;
    }
    this.misses++;
    if (this.capacity <= 0) return embed(text);
    const pending = embed(text);
    this.entries.set(text, pending);
    pending.catch(() => {
      if (this.entries.get(text) === pending) this.entries.delete(text);
    });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return pending;
  }
}
