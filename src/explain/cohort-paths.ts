// Mines anonymised cohort paths from the training split (coarsened prefixes shared by >= k persons) and
// matches a planner's path to them. Counts are rounded; every count or rate stands for at least k persons.
import { createHash } from 'node:crypto';
import { ServicepathError } from '../errors/index.js';
import { type TreatmentRule, treatedServices, treatmentOf } from '../scoring/treatment.js';
import { roundCount as roundToMultiple } from '../evaluate/privacy.js';
import type { ActionableService, Catalogue } from '../schemas/catalogue.js';
import {
  type CohortPath,
  type CohortPathsFile,
  type FollowedBy,
  type GroupStat,
  MIN_COHORT_K,
} from '../schemas/cohort-paths.js';
import { comparePathEvents, type Path, type PathEvent, type PathRelation } from '../schemas/path.js';
import { AGE_BANDS, bandIndexOf, bandMidpointDays, coarsenPath, GROUPING_DESCRIPTION, groupOf, lastCompleteBand, prefixKey } from '../features/coarsen.js';
import { indexAgeOf } from '../schemas/path.js';

interface CohortExample {
  path: Path;
  outcome: 0 | 1;
  /** The model's predicted risk at the index date. */
  predicted: number;
}

interface MineOptions {
  /** Smallest group shown (>= 5; default 10). */
  k: number;
  /** Counts are rounded to a multiple of this (default 5). */
  roundTo: number;
  /** Keep at most this many cohort paths, largest first (default 2000). */
  maxPaths?: number;
}

/** Rounds a count of at least k to the nearest multiple of roundTo, never showing less than k. */
export function roundCount(n: number, k: number, roundTo: number): number {
  const floor = Math.ceil(k / roundTo) * roundTo;
  return Math.max(floor, roundToMultiple(n, roundTo));
}

const round = (x: number, step: number): number => Math.round(x / step) * step;
const rate = (positives: number, n: number): number => Number(round(positives / n, 0.01).toFixed(2));

function groupStat(n: number, positives: number, opts: MineOptions): GroupStat {
  return n >= opts.k ? { persons: roundCount(n, opts.k, opts.roundTo), outcomeRate: rate(positives, n) } : { suppressed: true };
}

function checkPrivacy(opts: MineOptions): void {
  if (!Number.isInteger(opts.k) || opts.k < MIN_COHORT_K || !Number.isInteger(opts.roundTo) || opts.roundTo < 1) {
    throw new ServicepathError('EXPLAIN_PRIVACY_THRESHOLD', { minK: MIN_COHORT_K, k: opts.k, roundTo: opts.roundTo });
  }
}

interface PrefixStats {
  steps: string[][];
  n: number;
  positives: number;
  predictedSum: number;
  indexAges: number[];
  got: number[];
  gotPositives: number[];
  /** Got the service before the prefix ended (counted on neither side of the split). */
  earlier: number[];
  earlierPositives: number[];
  /** band -> group -> "relation\0code" -> persons holding it. */
  codes: Map<string, number>[][];
}

function prefixesOf(path: Path): { steps: string[][]; last: number } {
  const last = lastCompleteBand(indexAgeOf(path));
  return { steps: last >= 0 ? coarsenPath(path, last) : [], last };
}

/** First start of each catalogue service as a treatment (the one treatment rule, src/scoring/treatment.ts), or undefined. */
function firstServiceAges(path: Path, rule: TreatmentRule): (number | undefined)[] {
  const ages: (number | undefined)[] = rule.services.map(() => undefined);
  for (const e of path.events) {
    const i = treatmentOf(rule, e);
    if (i >= 0 && ages[i] === undefined) ages[i] = e.ageDays;
  }
  return ages;
}

function countCodes(stats: PrefixStats, path: Path, throughBand: number): void {
  const seen = new Set<string>();
  for (const e of path.events) {
    const b = bandIndexOf(e.ageDays);
    if (b > throughBand) continue;
    const g = groupOf(e);
    const code = `${e.relation}\u0000${e.code}`;
    const key = `${b}\u0000${g}\u0000${code}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const groups = stats.codes[b]!;
    const gi = stats.steps[b]!.indexOf(g);
    groups[gi]!.set(code, (groups[gi]!.get(code) ?? 0) + 1);
  }
}

function modalCode(counts: Map<string, number> | undefined, minPersons: number): { relation: PathRelation; code: string } | null {
  let best: [string, number] | null = null;
  for (const entry of counts ?? []) {
    if (best === null || entry[1] > best[1] || (entry[1] === best[1] && entry[0] < best[0])) best = entry;
  }
  if (best === null || best[1] < minPersons) return null;
  const [relation, code] = best[0].split('\u0000') as [PathRelation, string];
  return { relation, code };
}

function representativePath(stats: PrefixStats, globalCodes: Map<string, Map<string, number>>, k: number): Path {
  const events: PathEvent[] = [];
  stats.steps.forEach((groups, b) => {
    groups.forEach((g, gi) => {
      const domain = g.slice(g.indexOf(':') + 1);
      const pick = modalCode(stats.codes[b]![gi], k) ??
        modalCode(globalCodes.get(g), k) ?? { relation: g.startsWith('self') ? 'self' : g.startsWith('sibling') ? 'sibling' : 'mother', code: '<rare>' };
      events.push({ code: pick.code, domain, relation: pick.relation, ageDays: bandMidpointDays(b) });
    });
  });
  events.sort(comparePathEvents);
  const sortedAges = [...stats.indexAges].sort((a, b) => a - b);
  const medianIndex = sortedAges[Math.floor(sortedAges.length / 2)]!;
  // A prefix with no events at all still needs one event to be a path: a placeholder at the last band's midpoint.
  if (events.length === 0) events.push({ code: '<rare>', domain: 'health', relation: 'self', ageDays: Math.max(0, bandMidpointDays(stats.steps.length - 1)) });
  const lastAge = events[events.length - 1]!.ageDays;
  return { label: `cohort path through ${AGE_BANDS[stats.steps.length - 1]!.name}`, indexAgeDays: Math.max(medianIndex, lastAge, 0), events };
}

/** Persons per (group, relation\0code), over all training paths; used when a cohort's own modal code is too rare. */
function globalCodeCounts(examples: readonly CohortExample[]): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const { path } of examples) {
    const seen = new Set<string>();
    for (const e of path.events) {
      const g = groupOf(e);
      const code = `${e.relation}\u0000${e.code}`;
      if (seen.has(`${g}\u0000${code}`)) continue;
      seen.add(`${g}\u0000${code}`);
      const m = out.get(g) ?? new Map<string, number>();
      m.set(code, (m.get(code) ?? 0) + 1);
      out.set(g, m);
    }
  }
  return out;
}

function cohortId(key: string): string {
  return `cp-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
}

/**
 * Mines cohort paths from training examples (training split only). A prefix through band b holds every band
 * up to b; it is kept when at least k persons share it. `followedBy` counts, per catalogue service, those who got
 * it after the prefix and on or before their index date, against those who did not; both sides are suppressed
 * unless each has at least k persons. Throws EXPLAIN_PRIVACY_THRESHOLD when k < 5.
 */
export function mineCohortPaths(examples: readonly CohortExample[], catalogue: Catalogue, opts: MineOptions): CohortPathsFile {
  checkPrivacy(opts);
  const services = catalogue.services;
  const rule = treatedServices(catalogue);
  // Pass 1: sizes only, so that detail is gathered only for prefixes that will be published.
  const sizes = new Map<string, number>();
  const coarse = examples.map((ex) => prefixesOf(ex.path));
  for (const { steps } of coarse) {
    for (let b = 0; b < steps.length; b++) {
      const key = prefixKey(steps.slice(0, b + 1));
      sizes.set(key, (sizes.get(key) ?? 0) + 1);
    }
  }
  // Pass 2: details of the prefixes shared by at least k persons.
  const stats = new Map<string, PrefixStats>();
  examples.forEach((ex, i) => {
    const { steps } = coarse[i]!;
    const firstAges = firstServiceAges(ex.path, rule);
    const indexAge = indexAgeOf(ex.path);
    for (let b = 0; b < steps.length; b++) {
      const key = prefixKey(steps.slice(0, b + 1));
      if ((sizes.get(key) ?? 0) < opts.k) break; // longer prefixes are subsets: smaller still
      let s = stats.get(key);
      if (s === undefined) {
        const prefix = steps.slice(0, b + 1);
        s = {
          steps: prefix,
          n: 0,
          positives: 0,
          predictedSum: 0,
          indexAges: [],
          got: services.map(() => 0),
          gotPositives: services.map(() => 0),
          earlier: services.map(() => 0),
          earlierPositives: services.map(() => 0),
          codes: prefix.map((groups) => groups.map(() => new Map<string, number>())),
        };
        stats.set(key, s);
      }
      s.n++;
      s.positives += ex.outcome;
      s.predictedSum += ex.predicted;
      s.indexAges.push(indexAge);
      const bandEnd = AGE_BANDS[b]!.toAgeDays!;
      // "Followed by": received after the prefix's last band and on or before the index date, and not before it.
      services.forEach((_, si) => {
        const age = firstAges[si];
        if (age !== undefined && age >= bandEnd && age <= indexAge) {
          s.got[si]!++;
          s.gotPositives[si]! += ex.outcome;
        } else if (age !== undefined && age < bandEnd) {
          s.earlier[si]!++;
          s.earlierPositives[si]! += ex.outcome;
        }
      });
      countCodes(s, ex.path, b);
    }
  });
  const globalCodes = globalCodeCounts(examples);
  const paths: CohortPath[] = [...stats.entries()].map(([key, s]) => {
    const followedBy: FollowedBy[] = services.map((svc, si) => {
      const got = s.got[si]!;
      const not = s.n - got - s.earlier[si]!;
      const shown = got >= opts.k && not >= opts.k; // complementary suppression: one side would reveal the other
      return {
        code: svc.code,
        label: svc.label,
        received: shown ? groupStat(got, s.gotPositives[si]!, opts) : { suppressed: true },
        notReceived: shown ? groupStat(not, s.positives - s.gotPositives[si]! - s.earlierPositives[si]!, opts) : { suppressed: true },
      };
    });
    return {
      id: cohortId(key),
      throughBand: AGE_BANDS[s.steps.length - 1]!.name,
      steps: s.steps.map((groups, b) => ({ band: AGE_BANDS[b]!.name, groups })),
      persons: roundCount(s.n, opts.k, opts.roundTo),
      outcomeRate: rate(s.positives, s.n),
      meanPredictedRisk: Number(round(s.predictedSum / s.n, 0.001).toFixed(3)),
      followedBy,
      representative: representativePath(s, globalCodes, opts.k),
    };
  });
  paths.sort((a, b) => b.persons - a.persons || (a.id < b.id ? -1 : 1));
  return {
    formatVersion: 1,
    privacy: { k: opts.k, roundTo: opts.roundTo },
    grouping: GROUPING_DESCRIPTION,
    bands: [...AGE_BANDS],
    sourcePersons: examples.length >= opts.k ? roundCount(examples.length, opts.k, opts.roundTo) : 0,
    paths: paths.slice(0, opts.maxPaths ?? 2000),
  };
}

/** Cohort paths by their coarsened prefix, for matching planners' paths. */
export type CohortIndex = Map<string, CohortPath>;

export function indexCohortPaths(file: CohortPathsFile): CohortIndex {
  return new Map(file.paths.map((p) => [prefixKey(p.steps.map((s) => s.groups)), p]));
}

/** A bundle's cohort-paths file is immutable once loaded: its index is built once per file object. */
const indexes = new WeakMap<CohortPathsFile, CohortIndex>();

/** indexCohortPaths, memoised per file object (the service explains many paths against one bundle's file). */
export function cohortIndexOf(file: CohortPathsFile): CohortIndex {
  let index = indexes.get(file);
  if (index === undefined) {
    index = indexCohortPaths(file);
    indexes.set(file, index);
  }
  return index;
}

export type SupportMatch = { cohort: CohortPath; followed: FollowedBy } | null;

/**
 * supportFor for many (service, age) pairs of one path: the path is coarsened once, the prefix keys are built
 * incrementally, and each (band, service code) is matched once. Same answers as supportFor.
 */
export function supportMatcher(index: CohortIndex, path: Path): (service: Pick<ActionableService, 'code'>, ageDays: number) => SupportMatch {
  let keys: string[] | null = null;
  const memo = new Map<string, SupportMatch>();
  return (service, ageDays) => {
    const through = bandIndexOf(ageDays) - 1;
    if (through < 0) return null;
    const memoKey = `${through}\u0000${service.code}`;
    const known = memo.get(memoKey);
    if (known !== undefined) return known;
    // Bands are coarsened independently, so the prefixes of the deepest coarsening are those of every shallower one.
    if (keys === null || keys.length <= through) keys = prefixKeys(coarsenPath(path, Math.max(through, AGE_BANDS.length - 1)));
    const found = matchPrefixes(index, keys, through, service.code);
    memo.set(memoKey, found);
    return found;
  };
}

/** prefixKey of steps[0..b] for every b, built incrementally. */
function prefixKeys(steps: readonly (readonly string[])[]): string[] {
  const keys: string[] = [];
  let key = '';
  steps.forEach((groups, b) => {
    key = b === 0 ? groups.join(',') : `${key}|${groups.join(',')}`;
    keys.push(key);
  });
  return keys;
}

function matchPrefixes(index: CohortIndex, keys: readonly string[], through: number, code: string): SupportMatch {
  for (let b = through; b >= 0; b--) {
    const cohort = index.get(keys[b]!);
    const followed = cohort?.followedBy.find((f) => f.code === code);
    if (cohort !== undefined && followed !== undefined) return { cohort, followed };
  }
  return null;
}

/**
 * The most specific published cohort path whose prefix equals the path's coarsened prefix ending before the
 * band of `ageDays` (so that a service at that age "follows" it), with that service's received/not-received rates.
 */
export function supportFor(index: CohortIndex, path: Path, service: Pick<ActionableService, 'code'>, ageDays: number): SupportMatch {
  const through = bandIndexOf(ageDays) - 1;
  if (through < 0) return null;
  return matchPrefixes(index, prefixKeys(coarsenPath(path, through)), through, service.code);
}
