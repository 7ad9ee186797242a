// JSON pointers (RFC 6901) and the Sourced values built from them: how a card number names where it came from.
import { ServicepathError } from '../errors/index.js';
import type { Source, SourceFile, SourcedData, SourcedNumber, SourcedString } from '../schemas/model-card.js';

function escapePointerToken(token: string | number): string {
  return String(token).replaceAll('~', '~0').replaceAll('/', '~1');
}

export function pointerOf(...tokens: (string | number)[]): string {
  return tokens.map((t) => `/${escapePointerToken(t)}`).join('');
}

/** The value at `pointer` inside `doc`, or undefined when any step is missing. */
export function resolvePointer(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let node: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) node = node[Number(token)];
    else if (node !== null && typeof node === 'object' && Object.hasOwn(node, token)) node = (node as Record<string, unknown>)[token];
    else return undefined;
  }
  return node;
}

/** Reads values out of one bundle file, each wrapped with its source. */
export class SourceReader {
  constructor(
    private readonly file: SourceFile,
    private readonly doc: unknown,
  ) {}

  source(pointer: string): Source {
    return { file: this.file, pointer };
  }

  number(pointer: string, field: string): SourcedNumber {
    const value = resolvePointer(this.doc, pointer);
    if (value !== null && typeof value !== 'number') throw this.missing(pointer, field);
    return { value, source: this.source(pointer) };
  }

  string(pointer: string, field: string): SourcedString {
    const value = resolvePointer(this.doc, pointer);
    if (typeof value !== 'string') throw this.missing(pointer, field);
    return { value, source: this.source(pointer) };
  }

  data(pointer: string, field: string): SourcedData {
    const value = resolvePointer(this.doc, pointer);
    if (value === undefined) throw this.missing(pointer, field);
    return { value: value as SourcedData['value'], source: this.source(pointer) };
  }

  has(pointer: string): boolean {
    return resolvePointer(this.doc, pointer) !== undefined;
  }

  private missing(pointer: string, field: string): ServicepathError {
    return new ServicepathError('CARD_SOURCE_MISSING', { field, file: this.file, pointer });
  }
}
