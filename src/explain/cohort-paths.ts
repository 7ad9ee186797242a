// Mines anonymised cohort paths from the training split (coarsened prefixes shared by >= k persons) and
// matches a planner's path to them. Counts are rounded; every count or rate stands for at least k persons.
// With `epsilon` the counts carry differential-privacy noise first (src/privacy/dp.ts, docs/differential-privacy.md).
import { createHash } from 'node:crypto';
import { ServicepathError } from '../errors/index.js';
import { type TreatmentRule, treatedServices, treatmentOf } from '../scoring/treatment.js';
import { enforceCohortPaths } from '../privacy/cohort-paths.js';
import { type CohortPathsBudget, capToTotal, clampCount, cohortPathsBudget, type DpSeed, geometricNoise, rescaleToTotal, secretSeed } from '../privacy/dp.js';
import { outcomeCell, shownCount } from '../privacy/rules.js';
import { type DisclosureRules, DisclosureRulesSchema } from '../schemas/disclosure.js';
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
  /** Smallest outcome count, and complement, behind a shown rate (>= 3; default 5). */
  minCount?: number;
  /** Counts are rounded to a multiple of this (default 5). */
  roundTo: number;
  /** Keep at most this many cohort paths, largest first (default 2000). */
  maxPaths?: number;
  /**
   * Differential privacy of the counts (docs/differential-privacy.md): the total privacy loss (> 0) of the file's
   * counts and outcome counts; undefined or null: exact counts under the disclosure rules alone.
   */
  epsilon?: number | null;
  /** Seeds the noise (with epsilon), so that a run repeats; default: a fresh secret seed. */
  seed?: number;
}

const round = (x: number, step: number): number => Math.round(x / step) * step;

function groupStat(n: number, positives: number, rules: DisclosureRules): GroupStat {
  return n >= rules.k ? { persons: shownCount(n, rules), ...outcomeCell(n, positives, rules) } : { suppressed: true, reason: 'group' };
}

function checkEpsilon(epsilon: number | null | undefined): number | null {
  if (epsilon === undefined || epsilon === null) return null;
  if (!Number.isFinite(epsilon) || epsilon <= 0) {
    throw new ServicepathError('CONFIG_INVALID', { file: 'cohort-paths options', issues: 'privacy.epsilon: must be greater than 0 (allowed: a number > 0, or null for no noise)' });
  }
  return epsilon;
}

function checkPrivacy(opts: MineOptions): DisclosureRules {
  const parsed = DisclosureRulesSchema.safeParse({ k: opts.k, roundTo: opts.roundTo, ...(opts.minCount === undefined ? {} : { minCount: opts.minCount }) });
  if (!parsed.success) throw new ServicepathError('EXPLAIN_PRIVACY_THRESHOLD', { minK: MIN_COHORT_K, k: opts.k, roundTo: opts.roundTo });
  return parsed.data;
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

/** A prefix's counts as published: the true ones, or noisy ones made consistent (`noisyCounts`). */
interface PrefixCounts {
  n: number;
  positives: number;
  /** Per service: received after the prefix, and those of them with the outcome. */
  got: number[];
  gotPositives: number[];
  /** Per service: did not receive it by the index date (those who got it earlier are the rest of n). */
  not: number[];
  notPositives: number[];
}

function trueCounts(s: PrefixStats): PrefixCounts {
  return {
    n: s.n,
    positives: s.positives,
    got: s.got,
    gotPositives: s.gotPositives,
    not: s.got.map((got, si) => s.n - got - s.earlier[si]!),
    notPositives: s.gotPositives.map((gotPositives, si) => s.positives - gotPositives - s.earlierPositives[si]!),
  };
}

/** The parent of the first band's prefixes: all training persons (sourcePersons); no prefix key looks like it. */
const ROOT = '\u0000root';

/**
 * The counts with two-sided geometric noise (src/privacy/dp.ts), each count's noise seeded by its own label, then
 * made consistent, parents first: negative counts become 0; prefixes whose noisy counts add up to more than their
 * parent's are scaled down to fit under it; per service, received, not received and got earlier are rescaled to
 * add up to the prefix's count; outcome counts lie between 0 and their count. All of it is post-processing of the
 * noisy counts, which keeps the guarantee.
 */
function noisyCounts(
  stats: ReadonlyMap<string, PrefixStats>,
  sourceN: number,
  services: readonly { code: string }[],
  budget: CohortPathsBudget,
  seed: DpSeed,
): { source: number; counts: Map<string, PrefixCounts> } {
  const source = clampCount(sourceN + geometricNoise(seed, 'source', budget.source));
  const n = new Map<string, number>([[ROOT, source]]);
  const children = new Map<string, string[]>();
  for (const [key, s] of stats) {
    n.set(key, clampCount(s.n + geometricNoise(seed, `persons\u0000${key}`, budget.persons)));
    const parent = s.steps.length === 1 ? ROOT : prefixKey(s.steps.slice(0, -1));
    const siblings = children.get(parent);
    if (siblings === undefined) children.set(parent, [key]);
    else siblings.push(key);
  }
  const depth = (key: string): number => (key === ROOT ? 0 : stats.get(key)!.steps.length);
  for (const parent of [ROOT, ...[...stats.keys()].sort((a, b) => depth(a) - depth(b))]) {
    const kids = children.get(parent) ?? [];
    const capped = capToTotal(kids.map((k) => n.get(k)!), n.get(parent)!);
    kids.forEach((k, i) => {
      n.set(k, capped[i]!);
    });
  }
  const counts = new Map<string, PrefixCounts>();
  for (const [key, s] of stats) {
    const total = n.get(key)!;
    const noisy = (label: string, q: CohortPathsBudget['split'], value: number) => clampCount(value + geometricNoise(seed, `${label}\u0000${key}`, q));
    const c: PrefixCounts = { n: total, positives: clampCount(noisy('outcomes', budget.outcomes, s.positives), total), got: [], gotPositives: [], not: [], notPositives: [] };
    services.forEach((svc, si) => {
      const got = s.got[si]!;
      const earlier = s.earlier[si]!;
      const sides = [
        noisy(`received\u0000${svc.code}`, budget.split, got),
        noisy(`notReceived\u0000${svc.code}`, budget.split, s.n - got - earlier),
        noisy(`earlier\u0000${svc.code}`, budget.split, earlier),
      ];
      const [r, u] = rescaleToTotal(sides, total) as [number, number, number];
      const gotPositives = s.gotPositives[si]!;
      c.got.push(r);
      c.not.push(u);
      c.gotPositives.push(clampCount(noisy(`receivedOutcomes\u0000${svc.code}`, budget.splitOutcomes, gotPositives), r));
      c.notPositives.push(clampCount(noisy(`notReceivedOutcomes\u0000${svc.code}`, budget.splitOutcomes, s.positives - gotPositives - s.earlierPositives[si]!), u));
    });
    counts.set(key, c);
  }
  return { source, counts };
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
 *
 * With `epsilon` (> 0; CONFIG_INVALID otherwise) the counts of the prefixes shared by at least k persons, and the
 * number of training persons, carry two-sided geometric noise with total privacy loss epsilon (the budget split and
 * its accounting: cohortPathsBudget in src/privacy/dp.ts; the file's privacy.dp records it), are made consistent,
 * and the disclosure rules then apply to the noisy counts; rates are noisy outcome counts over noisy counts.
 * Without it the file is exactly what it was before differential privacy existed.
 */
export function mineCohortPaths(examples: readonly CohortExample[], catalogue: Catalogue, opts: MineOptions): CohortPathsFile {
  const rules = checkPrivacy(opts);
  const epsilon = checkEpsilon(opts.epsilon);
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
      if ((sizes.get(key) ?? 0) < rules.k) break; // longer prefixes are subsets: smaller still
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
  // Differential privacy over the depths that have prefixes to publish (those held by at least k persons).
  const depths = [...stats.values()].reduce((d, s) => Math.max(d, s.steps.length), 0);
  const budget = epsilon === null ? null : cohortPathsBudget(epsilon, AGE_BANDS.slice(0, depths).map((b) => b.name), services.length);
  const published =
    budget === null
      ? { source: examples.length, counts: new Map([...stats].map(([key, s]) => [key, trueCounts(s)])) }
      : noisyCounts(stats, examples.length, services, budget, opts.seed ?? secretSeed());
  const shownPrefixes = [...stats.entries()].filter(([key]) => published.counts.get(key)!.n >= rules.k);
  const paths: CohortPath[] = shownPrefixes.map(([key, s]) => {
    const c = published.counts.get(key)!;
    const followedBy: FollowedBy[] = services.map((svc, si) => {
      const got = c.got[si]!;
      const not = c.not[si]!;
      const earlier = c.n - got - not;
      // Complementary suppression: one side, or those who got it earlier (the cohort path minus both sides), would
      // be a group below k.
      const shown = got >= rules.k && not >= rules.k && (earlier === 0 || earlier >= rules.k);
      const hidden = { suppressed: true as const, reason: got < rules.k || not < rules.k ? ('group' as const) : ('secondary' as const) };
      return {
        code: svc.code,
        label: svc.label,
        received: shown ? groupStat(got, c.gotPositives[si]!, rules) : hidden,
        notReceived: shown ? groupStat(not, c.notPositives[si]!, rules) : hidden,
      };
    });
    return {
      id: cohortId(key),
      throughBand: AGE_BANDS[s.steps.length - 1]!.name,
      steps: s.steps.map((groups, b) => ({ band: AGE_BANDS[b]!.name, groups })),
      persons: shownCount(c.n, rules),
      ...outcomeCell(c.n, c.positives, rules),
      meanPredictedRisk: Number(round(s.predictedSum / s.n, 0.001).toFixed(3)),
      followedBy,
      representative: representativePath(s, globalCodes, rules.k),
    };
  });
  paths.sort((a, b) => b.persons - a.persons || (a.id < b.id ? -1 : 1));
  return enforceCohortPaths({
    formatVersion: 1,
    privacy: budget === null ? rules : { ...rules, dp: budget.accounting },
    grouping: GROUPING_DESCRIPTION,
    bands: [...AGE_BANDS],
    sourcePersons: published.source >= rules.k ? shownCount(published.source, rules) : 0,
    paths: paths.slice(0, opts.maxPaths ?? 2000),
  });
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
