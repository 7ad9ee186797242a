// A string -> id hash table that can be probed with a slice of a larger string (text, start, end) without
// creating the slice: the hot path of CSV ingest looks up person ids, domains and codes this way.

export class TextTable {
  private slots: Int32Array;
  private mask: number;
  readonly keys: string[] = [];

  constructor(expected = 16) {
    let size = 16;
    while (size < expected * 2) size *= 2;
    this.slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
  }

  get size(): number {
    return this.keys.length;
  }

  /** The id of text[start, end), or -1. */
  find(text: string, start: number, end: number): number {
    const { slots, mask, keys } = this;
    const length = end - start;
    let slot = hashSlice(text, start, end) & mask;
    for (;;) {
      const id = slots[slot]!;
      if (id < 0) return -1;
      const key = keys[id]!;
      if (key.length === length && text.startsWith(key, start)) return id;
      slot = (slot + 1) & mask;
    }
  }

  get(key: string): number {
    return this.find(key, 0, key.length);
  }

  /** Adds `key` (which must be absent) and returns its id: ids count up from 0 in order of adding. */
  add(key: string): number {
    if ((this.keys.length + 1) * 2 > this.slots.length) this.grow();
    const id = this.keys.length;
    this.keys.push(key);
    this.place(key, id);
    return id;
  }

  /** The id of `key`, adding it when absent. */
  intern(key: string): number {
    const id = this.get(key);
    return id >= 0 ? id : this.add(key);
  }

  private place(key: string, id: number): void {
    let slot = hashSlice(key, 0, key.length) & this.mask;
    while (this.slots[slot]! >= 0) slot = (slot + 1) & this.mask;
    this.slots[slot] = id;
  }

  private grow(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    this.mask = this.slots.length - 1;
    for (let id = 0; id < this.keys.length; id++) this.place(this.keys[id]!, id);
  }
}

/** FNV-1a over UTF-16 code units, then a final avalanche so that linear probing spreads. */
function hashSlice(text: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}
