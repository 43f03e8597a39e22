import type { CallEntry } from './record.js';

/** A queue of entries: O(1) push and take from the front, compacted now and then. */
export class EntryQueue {
  #items: CallEntry[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(entry: CallEntry): void {
    this.#items.push(entry);
  }

  peek(): CallEntry | undefined {
    return this.#items[this.#head];
  }

  shift(): CallEntry | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const entry = this.#items[this.#head]!;
    this.#items[this.#head++] = undefined as unknown as CallEntry;
    this.#compact();
    return entry;
  }

  take(n: number): CallEntry[] {
    const out = this.#items.slice(this.#head, this.#head + n);
    this.#head += out.length;
    this.#compact();
    return out;
  }

  #compact(): void {
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
