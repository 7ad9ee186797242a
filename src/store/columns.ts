// Growable Int32 columns and a counting sort by owner: events, links, periods and relatives are kept as numbers,
// not objects, so that a register's worth of them stays small.

export class IntColumn {
  private data = new Int32Array(1024);
  length = 0;

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }

  /** The values as an exact-length array (a copy). */
  values(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/**
 * Groups items 0..n-1 by owner (0..ownerCount-1) with a counting sort, then sorts each group with `cmp`.
 * Returns the item order and CSR offsets: group o is order[offsets[o]..offsets[o + 1]].
 */
export function groupByOwner(
  owner: (i: number) => number,
  n: number,
  ownerCount: number,
  cmp: (a: number, b: number) => number,
): { order: Int32Array; offsets: Int32Array } {
  const offsets = new Int32Array(ownerCount + 1);
  for (let i = 0; i < n; i++) offsets[owner(i) + 1]! += 1;
  for (let o = 0; o < ownerCount; o++) offsets[o + 1]! += offsets[o]!;
  const cursor = offsets.slice(0, ownerCount);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[cursor[owner(i)]!++] = i;
  for (let o = 0; o < ownerCount; o++) {
    const lo = offsets[o]!;
    const hi = offsets[o + 1]!;
    if (hi - lo > 1) order.subarray(lo, hi).sort(cmp);
  }
  return { order, offsets };
}
