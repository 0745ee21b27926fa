/**
 * When a `serve` process is ready for all its traffic (`GET /readyz`, docs/deployment.md): it
 * listens and answers keyword searches within a second of starting, but its first hybrid searches
 * would wait for what it still does in the background: the index files read ahead, the model
 * loaded, the request paths run once so that they are compiled (warm-up). A load balancer that
 * sends traffic only to ready instances never queues requests behind a start.
 *
 * Parts are promises; the process is ready when every part has settled. A part that fails counts as
 * settled (the service still answers: a model that failed to load means keyword search with a
 * notice), and its failure is the caller's to log.
 */
export interface ReadinessState {
  ready: boolean;
  /** Parts still running, in the order they were added. */
  waiting: string[];
  /** Milliseconds from the tracker's creation to readiness (null until ready). */
  readyAfterMs: number | null;
}

export class Readiness {
  private readonly pending: string[] = [];
  private closed = false;
  private readyAt: number | null = null;
  private readonly started: number;
  private settle!: () => void;
  /** Resolves once every part added so far (and any added before that) has settled. */
  readonly whenReady: Promise<void> = new Promise((resolve) => { this.settle = resolve; });

  constructor(private readonly now: () => number = () => performance.now()) {
    this.started = now();
  }

  /** Adds a part; readiness waits for it. Add every part before `close()`. */
  wait(name: string, part: Promise<unknown>): void {
    if (this.readyAt !== null) return;
    this.pending.push(name);
    const done = () => {
      const i = this.pending.indexOf(name);
      if (i >= 0) this.pending.splice(i, 1);
      // A microtask later, so that a part added right after this one settled still counts.
      queueMicrotask(() => this.check());
    };
    part.then(done, done);
  }

  /** No more parts are coming: ready as soon as the pending ones settle. */
  close(): void {
    this.closed = true;
    this.check();
  }

  /** Before `close()`, `waiting` names `start-up` too: the process has not registered all its parts yet. */
  state(): ReadinessState {
    const waiting = this.closed ? [...this.pending] : ['start-up', ...this.pending];
    return { ready: this.readyAt !== null, waiting, readyAfterMs: this.readyAt === null ? null : Math.round(this.readyAt - this.started) };
  }

  private check(): void {
    if (!this.closed || this.readyAt !== null || this.pending.length > 0) return;
    this.readyAt = this.now();
    this.settle();
  }
}
