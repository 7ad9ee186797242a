// Builds the path variants an explanation scores: service insertions on the catalogue grid and occlusions.
// Existing events are never edited or reordered; an insertion only adds one event.
import type { ActionableService, Catalogue } from '../schemas/catalogue.js';
import { insertionAges } from '../schemas/catalogue.js';
import { comparePathEvents, type Path, type PathEvent } from '../schemas/path.js';

export interface InsertionVariant {
  service: ActionableService;
  ageDays: number;
  /** Index of the inserted event in the variant path. */
  position: number;
  path: Path;
}

/** The path's index age: the stated one, else the last event's age (never negative). */
export function indexAgeOf(path: Path): number {
  return path.indexAgeDays ?? Math.max(0, path.events[path.events.length - 1]!.ageDays);
}

/**
 * Where an event lands: after every event earlier than its day, and among same-day events at its canonical
 * place (comparePathEvents). Existing events keep their relative order even if a caller's same-day order differs.
 */
export function insertionPosition(events: readonly PathEvent[], inserted: PathEvent): number {
  let pos = 0;
  while (pos < events.length && events[pos]!.ageDays < inserted.ageDays) pos++;
  while (pos < events.length && events[pos]!.ageDays === inserted.ageDays && comparePathEvents(events[pos]!, inserted) <= 0) pos++;
  return pos;
}

export function insertEvent(path: Path, inserted: PathEvent): { path: Path; position: number } {
  const position = insertionPosition(path.events, inserted);
  const events = [...path.events.slice(0, position), inserted, ...path.events.slice(position)];
  return { path: { ...path, indexAgeDays: indexAgeOf(path), events }, position };
}

/** Services the catalogue allows at this age (age range; the relation is who receives it). */
export function serviceAllowedAt(service: ActionableService, ageDays: number): boolean {
  return ageDays >= service.minAgeDays && ageDays <= service.maxAgeDays;
}

/** Every (service, insertion age) the catalogue allows for this path, each as a new path. */
export function insertionVariants(path: Path, catalogue: Catalogue): InsertionVariant[] {
  const ages = insertionAges(catalogue, indexAgeOf(path));
  const seen = new Set<string>();
  const out: InsertionVariant[] = [];
  for (const service of catalogue.services) {
    for (const ageDays of ages) {
      if (!serviceAllowedAt(service, ageDays)) continue;
      const key = `${service.code}\u0000${service.domain}\u0000${service.relation}\u0000${ageDays}`;
      if (seen.has(key)) continue; // a catalogue listing a service twice is scored once
      seen.add(key);
      const inserted: PathEvent = { code: service.code, domain: service.domain, relation: service.relation, ageDays };
      const { path: variant, position } = insertEvent(path, inserted);
      out.push({ service, ageDays, position, path: variant });
    }
  }
  return out;
}

/** The path with event `step` removed (for occlusion attribution); null when it is the only event. */
export function occlusionVariant(path: Path, step: number): Path | null {
  if (path.events.length <= 1) return null;
  return { ...path, indexAgeDays: indexAgeOf(path), events: path.events.filter((_, i) => i !== step) };
}
