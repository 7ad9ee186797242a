// Growable byte writer and a bounds-checked reader: unsigned LEB128 varints, zigzag for signed, UTF-8 strings.

export class ByteWriter {
  private buf: Buffer;
  length = 0;

  constructor(initialBytes = 1 << 16) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** Unsigned varint; v must be a non-negative integer below 2^53. */
  uvar(v: number): void {
    this.ensure(8);
    const buf = this.buf;
    if (v < 0x80000000) {
      // Small numbers (nearly all): bit operations instead of float division.
      while (v >= 0x80) {
        buf[this.length++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      buf[this.length++] = v;
      return;
    }
    while (v >= 0x80) {
      buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    buf[this.length++] = v;
  }

  /**
   * An event's fixed part in one go: svar `delta`, u8 `flags`, uvar `a`, uvar `b` (the hot path of shard
   * writing; the same bytes as the four separate calls).
   */
  eventHead(delta: number, flags: number, a: number, b: number): void {
    const z = delta < 0 ? -2 * delta - 1 : 2 * delta;
    if (z >= 0x80000000 || a >= 0x80000000 || b >= 0x80000000) {
      this.uvar(z);
      this.u8(flags);
      this.uvar(a);
      this.uvar(b);
      return;
    }
    this.ensure(16);
    const buf = this.buf;
    let n = this.length;
    let v = z;
    while (v >= 0x80) {
      buf[n++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[n++] = v;
    buf[n++] = flags;
    v = a;
    while (v >= 0x80) {
      buf[n++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[n++] = v;
    v = b;
    while (v >= 0x80) {
      buf[n++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[n++] = v;
    this.length = n;
  }

  /** Signed varint (zigzag). */
  svar(v: number): void {
    this.uvar(v < 0 ? -2 * v - 1 : 2 * v);
  }

  /** Varint byte length, then UTF-8 bytes. */
  str(s: string): void {
    const max = s.length * 3;
    this.ensure(max + 8);
    if (max < 0x80) {
      const n = this.buf.write(s, this.length + 1, 'utf8');
      this.buf[this.length] = n;
      this.length += 1 + n;
      return;
    }
    const n = Buffer.byteLength(s, 'utf8');
    this.uvar(n);
    this.buf.write(s, this.length, 'utf8');
    this.length += n;
  }

  /** A view of the bytes written so far (valid until the next write). */
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  reset(): void {
    this.length = 0;
  }
}

export class ByteReader {
  pos = 0;

  constructor(private readonly buf: Buffer) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new RangeError(`truncated data at byte ${this.pos}`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  uvar(): number {
    // One-byte values (most of them) without the loop.
    const first = this.buf[this.pos];
    if (first !== undefined && first < 0x80) {
      this.pos += 1;
      return first;
    }
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 0x80;
    }
    throw new RangeError(`varint too long at byte ${this.pos}`);
  }

  svar(): number {
    const z = this.uvar();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  str(): string {
    const n = this.uvar();
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}
