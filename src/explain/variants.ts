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
  return positionFrom(events, inserted, 0);
}

/**
 * insertionPosition, scanning from `from`: the caller vouches that every event before `from` is earlier than
 * the inserted event's day (so the answer is the same as scanning from 0).
 */
function positionFrom(events: readonly PathEvent[], inserted: PathEvent, from: number): number {
  let pos = from;
  while (pos < events.length && events[pos]!.ageDays < inserted.ageDays) pos++;
  while (pos < events.length && events[pos]!.ageDays === inserted.ageDays && comparePathEvents(events[pos]!, inserted) <= 0) pos++;
  return pos;
}

/** The events with `inserted` at `position` (one copy). */
function withEventAt(events: readonly PathEvent[], inserted: PathEvent, position: number): PathEvent[] {
  const out = events.slice(0, position);
  out.push(inserted);
  for (let i = position; i < events.length; i++) out.push(events[i]!);
  return out;
}

export function insertEvent(path: Path, inserted: PathEvent): { path: Path; position: number } {
  const position = insertionPosition(path.events, inserted);
  return { path: { ...path, indexAgeDays: indexAgeOf(path), events: withEventAt(path.events, inserted, position) }, position };
}

/** Services the catalogue allows at this age (age range; the relation is who receives it). */
export function serviceAllowedAt(service: ActionableService, ageDays: number): boolean {
  return ageDays >= service.minAgeDays && ageDays <= service.maxAgeDays;
}

/** Every (service, insertion age) the catalogue allows for this path, each as a new path. */
export function insertionVariants(path: Path, catalogue: Catalogue): InsertionVariant[] {
  const indexAgeDays = indexAgeOf(path);
  const ages = insertionAges(catalogue, indexAgeDays);
  const seen = new Set<string>();
  const out: InsertionVariant[] = [];
  for (const service of catalogue.services) {
    // Grid ages ascend, so the events before one age's first same-or-later event are before every later age's too.
    let earlier = 0;
    for (const ageDays of ages) {
      if (!serviceAllowedAt(service, ageDays)) continue;
      const key = `${service.code}\u0000${service.domain}\u0000${service.relation}\u0000${ageDays}`;
      if (seen.has(key)) continue; // a catalogue listing a service twice is scored once
      seen.add(key);
      const inserted: PathEvent = { code: service.code, domain: service.domain, relation: service.relation, ageDays };
      while (earlier < path.events.length && path.events[earlier]!.ageDays < ageDays) earlier++;
      const position = positionFrom(path.events, inserted, earlier);
      out.push({ service, ageDays, position, path: { ...path, indexAgeDays, events: withEventAt(path.events, inserted, position) } });
    }
  }
  return out;
}

/** The path with event `step` removed (for occlusion attribution); null when it is the only event. */
export function occlusionVariant(path: Path, step: number): Path | null {
  const n = path.events.length;
  if (n <= 1) return null;
  const events = path.events.slice(0, step);
  for (let i = step + 1; i < n; i++) events.push(path.events[i]!);
  return { ...path, indexAgeDays: indexAgeOf(path), events };
}
