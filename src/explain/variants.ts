// Builds the path variants an explanation scores: service insertions on the catalogue grid and occlusions.
// Existing events are never edited or reordered; an insertion only adds one event.
import type { ActionableService, Catalogue } from '../schemas/catalogue.js';
import { insertionAges } from '../schemas/catalogue.js';
import { indexAgeOf, type Path, type PathEvent, positionFrom, withEventAt } from '../schemas/path.js';

/** One (service, insertion age) of the catalogue's grid for a path, without the variant path itself. */
export interface InsertionPoint {
  service: ActionableService;
  ageDays: number;
  /** Index of the inserted event in the variant path. */
  position: number;
  /** The inserted event. */
  event: PathEvent;
}

interface InsertionVariant extends InsertionPoint {
  path: Path;
}

/** Services the catalogue allows at this age (age range; the relation is who receives it). */
function serviceAllowedAt(service: ActionableService, ageDays: number): boolean {
  return ageDays >= service.minAgeDays && ageDays <= service.maxAgeDays;
}

/** Every (service, insertion age) the catalogue allows for this path, in catalogue then age order. */
export function insertionPoints(path: Path, catalogue: Catalogue): InsertionPoint[] {
  const indexAgeDays = indexAgeOf(path);
  const ages = insertionAges(catalogue, indexAgeDays);
  const seen = new Set<string>();
  const out: InsertionPoint[] = [];
  for (const service of catalogue.services) {
    // Grid ages ascend, so the events before one age's first same-or-later event are before every later age's too.
    let earlier = 0;
    for (const ageDays of ages) {
      if (!serviceAllowedAt(service, ageDays)) continue;
      const key = `${service.code}\u0000${service.domain}\u0000${service.relation}\u0000${ageDays}`;
      if (seen.has(key)) continue; // a catalogue listing a service twice is scored once
      seen.add(key);
      const event: PathEvent = { code: service.code, domain: service.domain, relation: service.relation, ageDays };
      while (earlier < path.events.length && path.events[earlier]!.ageDays < ageDays) earlier++;
      out.push({ service, ageDays, position: positionFrom(path.events, event, earlier), event });
    }
  }
  return out;
}

/** The path with the point's service inserted (one copy of the events). */
export function insertionPath(path: Path, point: InsertionPoint): Path {
  return { ...path, indexAgeDays: indexAgeOf(path), events: withEventAt(path.events, point.event, point.position) };
}

/** Every (service, insertion age) the catalogue allows for this path, each as a new path. */
export function insertionVariants(path: Path, catalogue: Catalogue): InsertionVariant[] {
  return insertionPoints(path, catalogue).map((point) => ({ ...point, path: insertionPath(path, point) }));
}

/** How many variants insertionVariants would build for this path, without building them (a service listed twice counts once per age). */
export function insertionCount(path: Path, catalogue: Catalogue): number {
  const ages = insertionAges(catalogue, indexAgeOf(path));
  const byKey = new Map<string, ActionableService[]>();
  for (const s of catalogue.services) {
    const key = `${s.code}\u0000${s.domain}\u0000${s.relation}`;
    byKey.set(key, [...(byKey.get(key) ?? []), s]);
  }
  let count = 0;
  for (const listed of byKey.values()) for (const ageDays of ages) if (listed.some((s) => serviceAllowedAt(s, ageDays))) count++;
  return count;
}

/** The path with event `step` removed (for occlusion attribution); null when it is the only event. */
export function occlusionVariant(path: Path, step: number): Path | null {
  const n = path.events.length;
  if (n <= 1) return null;
  const events = path.events.slice(0, step);
  for (let i = step + 1; i < n; i++) events.push(path.events[i]!);
  return { ...path, indexAgeDays: indexAgeOf(path), events };
}
