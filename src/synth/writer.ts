// Buffered line writer: joins lines in memory and writes ~1 MiB at a time (synchronously, so order is fixed).
import { closeSync, openSync, writeSync } from 'node:fs';

const FLUSH_CHARS = 1 << 20;

export class LineWriter {
  private readonly fd: number;
  private parts: string[] = [];
  private chars = 0;
  /** Lines written so far (the header is line 1). */
  lines = 0;

  constructor(readonly file: string) {
    this.fd = openSync(file, 'wx');
  }

  /** Appends one line (without its newline); returns its 1-based line number. */
  line(text: string): number {
    this.parts.push(text);
    this.chars += text.length + 1;
    if (this.chars >= FLUSH_CHARS) this.flush();
    return ++this.lines;
  }

  flush(): void {
    if (this.parts.length === 0) return;
    writeSync(this.fd, `${this.parts.join('\n')}\n`);
    this.parts = [];
    this.chars = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
