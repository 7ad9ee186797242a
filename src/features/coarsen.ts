// Coarsening of paths for cohort paths: codes generalised to groups (relation group : domain), ages in bands.
import type { AgeBand } from '../schemas/cohort-paths.js';
import type { Path, PathEvent, PathRelation } from '../schemas/path.js';

/** Age bands (days; lower bound inclusive, upper exclusive). The third birthday (day 1096) falls in 2-3y. */
export const AGE_BANDS: readonly AgeBand[] = [
  { name: 'before birth', fromAgeDays: null, toAgeDays: 0 },
  { name: '0-6m', fromAgeDays: 0, toAgeDays: 183 },
  { name: '6-12m', fromAgeDays: 183, toAgeDays: 365 },
  { name: '1-2y', fromAgeDays: 365, toAgeDays: 730 },
  { name: '2-3y', fromAgeDays: 730, toAgeDays: 1097 },
  { name: '3-4y', fromAgeDays: 1097, toAgeDays: 1461 },
  { name: '4-5y', fromAgeDays: 1461, toAgeDays: 1827 },
  { name: '5-7y', fromAgeDays: 1827, toAgeDays: 2557 },
  { name: '7-12y', fromAgeDays: 2557, toAgeDays: 4383 },
  { name: '12-18y', fromAgeDays: 4383, toAgeDays: 6575 },
  { name: '18y+', fromAgeDays: 6575, toAgeDays: null },
];

export const GROUPING_DESCRIPTION =
  'Each event becomes "<who>:<domain>", who being self (the child), parent (mother, father, guardian, partner) ' +
  'or sibling; a band lists the distinct groups seen in it. Ages fall in the bands listed under `bands`.';

const RELATION_GROUP: Record<PathRelation, string> = {
  self: 'self',
  mother: 'parent',
  father: 'parent',
  guardian: 'parent',
  partner: 'parent',
  sibling: 'sibling',
};

export function groupOf(event: Pick<PathEvent, 'relation' | 'domain'>): string {
  return `${RELATION_GROUP[event.relation]}:${event.domain}`;
}

export function bandIndexOf(ageDays: number): number {
  for (let b = 0; b < AGE_BANDS.length; b++) {
    const to = AGE_BANDS[b]!.toAgeDays;
    if (to === null || ageDays < to) return b;
  }
  return AGE_BANDS.length - 1;
}

/** Midpoint of a band (days), used for representative paths; open bands use a point 140 days inside. */
export function bandMidpointDays(band: number): number {
  const { fromAgeDays: from, toAgeDays: to } = AGE_BANDS[band]!;
  if (from === null) return (to ?? 0) - 140;
  if (to === null) return from + 140;
  return Math.floor((from + to - 1) / 2);
}

/** Sorted distinct groups per band, for every band up to and including `throughBand`. */
export function coarsenPath(path: Path, throughBand: number): string[][] {
  const bands: Set<string>[] = Array.from({ length: throughBand + 1 }, () => new Set<string>());
  for (const e of path.events) {
    const b = bandIndexOf(e.ageDays);
    if (b <= throughBand) bands[b]!.add(groupOf(e));
  }
  return bands.map((s) => [...s].sort());
}

/** The key of a coarsened prefix: equal keys mean equal prefixes. */
export function prefixKey(steps: readonly (readonly string[])[]): string {
  return steps.map((groups) => groups.join(',')).join('|');
}

/** The last band whose whole span lies at or before the index age (prefixes end there; -1 if none). */
export function lastCompleteBand(indexAgeDays: number): number {
  let last = -1;
  for (let b = 0; b < AGE_BANDS.length; b++) {
    const to = AGE_BANDS[b]!.toAgeDays;
    if (to !== null && to <= indexAgeDays) last = b;
  }
  return last;
}
