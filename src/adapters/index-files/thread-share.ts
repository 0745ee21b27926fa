import { existsSync } from 'node:fs';
import { BroadcastChannel, threadId } from 'node:worker_threads';

/**
 * What the threads of one process (`serve --workers N`: one thread per worker, compose/serve-threads.ts)
 * share of the index instead of each holding its own copy: the bytes of immutable index files read
 * whole (doc tables, term dictionaries, deletes, vector seqs), postings lists kept in the postings
 * cache, and the int8 vector copies. A thread that reads or computes one of them puts it in a
 * SharedArrayBuffer and announces it on a BroadcastChannel; every other thread keeps a reference to
 * the same memory and uses it instead of reading its own. Index files never change once named, so
 * a shared buffer is never written after it is announced.
 *
 * When two threads read the same thing at once, each announces its own copy; the copy of the lower
 * thread id wins (a thread replaces its own, or one it adopted, by one from a lower id), so the
 * copies converge on one and the others are collected once their last user lets go. A thread that
 * starts later (a worker replacing one that exited) says hello, and one sibling (worker 0, or
 * worker 1 when the newcomer is worker 0) announces to it alone what it holds.
 *
 * Off (the default: a CLI command, `serve` with one worker) nothing is shared or announced, and
 * buffers are plain ArrayBuffers.
 */
export interface ThreadShare {
  readonly enabled: boolean;
  /** Worker 0 of `serve --workers N` (or a thread alone): it makes what its siblings wait for. */
  readonly leader: boolean;
  /** A zeroed buffer of `bytes` bytes: shared memory when sharing is on. */
  allocate(bytes: number): Uint8Array;
  /**
   * The bytes of an immutable file, keyed by what identifies its content (path, size and checksum):
   * a sibling's copy when one was announced, otherwise `read` fills a new buffer that is announced.
   */
  file(key: string, path: string, bytes: number, read: (into: Uint8Array) => void): Uint8Array;
  /** Announces a value of `kind` (postings, vectors) to the sibling threads. */
  publish(kind: string, key: string, value: unknown): void;
  /**
   * Calls `listener` with each value of `kind` a sibling announces, and whether it should replace one
   * this thread holds; `held` lists what this thread holds of `kind`, announced again to a thread that
   * starts later (a worker started in place of one that exited).
   */
  subscribe(kind: string, listener: (key: string, value: unknown, replaces: boolean) => void, held: () => Iterable<[string, unknown]>): void;
  /** Drops the shared files whose path no longer exists (a merged-away segment's, once the writer deleted them). */
  prune(): void;
  /** Files this thread read itself, files it took from a sibling, values of other kinds it took. */
  stats(): { filesRead: number; filesAdopted: number; filesHeld: number; received: number };
}

interface Announcement {
  /** 'file', a subscribed kind, or 'hello': a thread that just started asks for what the others hold. */
  kind: string;
  key: string;
  value: unknown;
  origin: number;
  path?: string;
  /** Hello: the newcomer's worker index. */
  index?: number;
  /** Meant for this thread alone (the answer to its hello). */
  to?: number;
}

const CHANNEL = 'paperboy-index-share';

class NoShare implements ThreadShare {
  readonly enabled = false;
  readonly leader = true;
  allocate(bytes: number): Uint8Array {
    return new Uint8Array(bytes);
  }
  file(_key: string, _path: string, bytes: number, read: (into: Uint8Array) => void): Uint8Array {
    const out = new Uint8Array(bytes);
    read(out);
    return out;
  }
  publish(): void {}
  subscribe(): void {}
  prune(): void {}
  stats() {
    return { filesRead: 0, filesAdopted: 0, filesHeld: 0, received: 0 };
  }
}

class BroadcastShare implements ThreadShare {
  readonly enabled = true;
  private readonly channel = new BroadcastChannel(CHANNEL);
  private readonly files = new Map<string, { bytes: Uint8Array; origin: number; path: string }>();
  private readonly listeners = new Map<string, ((key: string, value: unknown, replaces: boolean) => void)[]>();
  private readonly holders = new Map<string, (() => Iterable<[string, unknown]>)[]>();
  /** Announcements of a kind nobody here subscribed to yet (the index directory is made after the thread starts). */
  private readonly unheard = new Map<string, Announcement[]>();
  private readonly counts = { filesRead: 0, filesAdopted: 0, received: 0 };

  readonly leader: boolean;

  constructor(private readonly origin: number, private readonly index: number) {
    this.leader = index === 0;
    // Never keeps a thread alive by itself.
    (this.channel as unknown as { unref(): void }).unref();
    this.channel.onmessage = (event) => this.receive((event as { data: Announcement }).data);
    // A thread that starts after its siblings opened the index asks them for what they hold.
    this.channel.postMessage({ kind: 'hello', key: '', value: null, origin, index } satisfies Announcement);
  }

  allocate(bytes: number): Uint8Array {
    return new Uint8Array(new SharedArrayBuffer(bytes));
  }

  file(key: string, path: string, bytes: number, read: (into: Uint8Array) => void): Uint8Array {
    const known = this.files.get(key);
    if (known && known.bytes.byteLength === bytes) {
      if (known.origin !== this.origin) this.counts.filesAdopted++;
      return known.bytes;
    }
    const out = this.allocate(bytes);
    read(out);
    this.counts.filesRead++;
    this.files.set(key, { bytes: out, origin: this.origin, path });
    this.channel.postMessage({ kind: 'file', key, value: out, origin: this.origin, path } satisfies Announcement);
    return out;
  }

  publish(kind: string, key: string, value: unknown, to?: number): void {
    this.channel.postMessage({ kind, key, value, origin: this.origin, ...(to !== undefined ? { to } : {}) } satisfies Announcement);
  }

  subscribe(kind: string, listener: (key: string, value: unknown, replaces: boolean) => void, held: () => Iterable<[string, unknown]>): void {
    this.listeners.set(kind, [...(this.listeners.get(kind) ?? []), listener]);
    this.holders.set(kind, [...(this.holders.get(kind) ?? []), held]);
    for (const message of this.unheard.get(kind) ?? []) listener(message.key, message.value, message.origin < this.origin);
    this.unheard.delete(kind);
  }

  stats() {
    return { ...this.counts, filesHeld: this.files.size };
  }

  prune(): void {
    for (const [key, entry] of this.files) if (!existsSync(entry.path)) this.files.delete(key);
  }

  private receive(message: Announcement): void {
    if (message.to !== undefined && message.to !== this.origin) return;
    const replaces = message.origin < this.origin;
    if (message.kind === 'hello') {
      if (this.index !== (message.index === 0 ? 1 : 0)) return;
      const to = message.origin;
      // Files with their first reader's id, so that every thread keeps the same copy.
      for (const [key, entry] of this.files) this.channel.postMessage({ kind: 'file', key, value: entry.bytes, origin: entry.origin, path: entry.path, to } satisfies Announcement);
      for (const [kind, list] of this.holders) for (const held of list) for (const [key, value] of held()) this.publish(kind, key, value, to);
      return;
    }
    this.counts.received++;
    if (message.kind === 'file') {
      const known = this.files.get(message.key);
      if (!known || message.origin < known.origin) this.files.set(message.key, { bytes: message.value as Uint8Array, origin: message.origin, path: message.path! });
      return;
    }
    const listeners = this.listeners.get(message.kind);
    if (!listeners) {
      const waiting = this.unheard.get(message.kind);
      if (waiting) waiting.push(message);
      else this.unheard.set(message.kind, [message]);
    }
    for (const listener of listeners ?? []) listener(message.key, message.value, replaces);
  }
}

let current: ThreadShare = new NoShare();

/** This thread's share (off unless `shareWithSiblingThreads` was called). */
export function threadShare(): ThreadShare {
  return current;
}

/** Turns sharing on for this thread: worker `index` of `serve --workers N`, before it opens the index. */
export function shareWithSiblingThreads(index: number): ThreadShare {
  if (!current.enabled) current = new BroadcastShare(threadId, index);
  return current;
}
