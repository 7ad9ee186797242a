// Disclosure control of cohort-paths.json on what a reader sees: the primary rules on every cell, and the additive
// relations a reader can difference along:
//   - received + not received + got it earlier = the cohort path (for each "followed by" service);
//   - a cohort path = its published one-band-longer paths + the rest (the source persons for the first band).
// auditCohortPaths lists every cell or derivable remainder that breaks the rules; enforceCohortPaths hides or drops
// cells (secondary suppression) until the audit is clean. Both read only published values, so the audit of a file
// the miner wrote is clean by construction, and a tampered file is caught.
import type { CohortPath, CohortPathsFile, FollowedBy, GroupStat } from '../schemas/cohort-paths.js';
import type { DisclosureRules } from '../schemas/disclosure.js';
import { cellProblems, outcomeRestProblem } from './rules.js';

/** One rule broken: the JSON pointer of the cell (or of the relation's parent) and why. */
export interface PrivacyFinding {
  pointer: string;
  message: string;
}

type Shown = { persons: number; outcomeRate: number | null };

const shownStat = (g: GroupStat): Shown | null => ('persons' in g ? g : null);

/** The remainder a reader derives from parent - sum(children), and what is wrong with it (null when fine). */
function remainderProblem(parent: Shown, children: readonly Shown[], rules: DisclosureRules, what: string): string | null {
  const restN = parent.persons - children.reduce((s, c) => s + c.persons, 0);
  if (restN > 0 && restN < rules.k) return `${what}: ${restN} persons, below k=${rules.k}`;
  if (parent.outcomeRate === null) return null;
  // Outcomes: only children whose rate is shown can be subtracted; the others stay in the rest.
  const hidden = children.filter((c) => c.outcomeRate === null).reduce((s, c) => s + c.persons, 0);
  const n = Math.max(0, restN) + hidden;
  const p = parent.outcomeRate * parent.persons - children.reduce((s, c) => s + (c.outcomeRate === null ? 0 : c.outcomeRate * c.persons), 0);
  return outcomeRestProblem(n, p, rules.minCount, what);
}

/** prefix key of a cohort path's steps, and of its parent (one band shorter; '' for the first band). */
const keyOf = (steps: readonly { groups: readonly string[] }[]): string => steps.map((s) => s.groups.join(',')).join('|');

function childrenByParent(paths: readonly CohortPath[]): Map<string, number[]> {
  const byParent = new Map<string, number[]>();
  paths.forEach((p, i) => {
    const parent = keyOf(p.steps.slice(0, -1));
    const list = byParent.get(parent) ?? [];
    list.push(i);
    byParent.set(parent, list);
  });
  return byParent;
}

function followedByFindings(p: CohortPath, f: FollowedBy, at: string, rules: DisclosureRules): PrivacyFinding[] {
  const out: PrivacyFinding[] = [];
  const sides = [
    ['received', f.received],
    ['notReceived', f.notReceived],
  ] as const;
  for (const [name, g] of sides) {
    const s = shownStat(g);
    if (s !== null) for (const message of cellProblems(s.persons, s.outcomeRate, rules)) out.push({ pointer: `${at}/${name}`, message });
  }
  const received = shownStat(f.received);
  const notReceived = shownStat(f.notReceived);
  if ((received === null) !== (notReceived === null)) {
    out.push({ pointer: at, message: 'one side is suppressed and the other shown: the cohort path minus the shown side recovers it' });
  }
  if (received !== null && notReceived !== null) {
    const problem = remainderProblem(p, [received, notReceived], rules, 'those who got it earlier (cohort path - received - not received)');
    if (problem !== null) out.push({ pointer: at, message: problem });
  }
  return out;
}

/** Every rule the published file breaks (empty when it is clean). */
export function auditCohortPaths(file: CohortPathsFile, rules: DisclosureRules = file.privacy): PrivacyFinding[] {
  const out: PrivacyFinding[] = [];
  file.paths.forEach((p, i) => {
    for (const message of cellProblems(p.persons, p.outcomeRate, rules)) out.push({ pointer: `/paths/${i}`, message });
    p.followedBy.forEach((f, j) => {
      out.push(...followedByFindings(p, f, `/paths/${i}/followedBy/${j}`, rules));
    });
  });
  const byKey = new Map(file.paths.map((p, i) => [keyOf(p.steps), i]));
  for (const [parentKey, children] of childrenByParent(file.paths)) {
    const kids = children.map((c) => file.paths[c] as CohortPath);
    if (parentKey === '') {
      const problem = remainderProblem({ persons: file.sourcePersons, outcomeRate: null }, kids, rules, 'source persons outside the first-band cohort paths');
      if (problem !== null) out.push({ pointer: '/sourcePersons', message: problem });
      continue;
    }
    const parent = byKey.get(parentKey);
    if (parent === undefined) continue; // an unpublished parent: nothing to difference against
    const problem = remainderProblem(file.paths[parent] as CohortPath, kids, rules, 'the rest of the cohort path (not in its published longer paths)');
    if (problem !== null) out.push({ pointer: `/paths/${parent}`, message: problem });
  }
  return out;
}

const hideRate = <T extends { outcomeRate: number | null }>(c: T): T =>
  c.outcomeRate === null ? c : { ...c, outcomeRate: null, outcomeSuppressed: 'secondary' as const };

/** A "followed by" entry that passes: its sides as they are, their rates hidden, or both sides suppressed. */
function enforceFollowedBy(p: CohortPath, f: FollowedBy, rules: DisclosureRules): FollowedBy {
  const clean = (x: FollowedBy) => followedByFindings(p, x, '', rules).length === 0;
  if (clean(f)) return f;
  const received = shownStat(f.received);
  const notReceived = shownStat(f.notReceived);
  if (received !== null && notReceived !== null) {
    const ratesHidden: FollowedBy = { ...f, received: hideRate({ ...received }), notReceived: hideRate({ ...notReceived }) };
    if (clean(ratesHidden)) return ratesHidden;
  }
  return { ...f, received: { suppressed: true, reason: 'secondary' }, notReceived: { suppressed: true, reason: 'secondary' } };
}

/**
 * Secondary suppression until auditCohortPaths is clean: "followed by" sides lose their rates or are suppressed;
 * along the tree, the smallest shown child loses its rate while the outcome rest is too small, and the smallest
 * child is dropped while the rest is a group below k. Cells that break a primary rule are the miner's to avoid
 * (they never reach here); any left are dropped.
 */
export function enforceCohortPaths(file: CohortPathsFile): CohortPathsFile {
  const rules = file.privacy;
  let paths = file.paths
    .filter((p) => cellProblems(p.persons, p.outcomeRate, rules).length === 0)
    .map((p) => ({ ...p, followedBy: p.followedBy.map((f) => enforceFollowedBy(p, f, rules)) }));
  // Along the tree, parents first (shorter prefixes): what a parent's relation drops cannot disturb its ancestors'.
  for (let changed = true; changed; ) {
    changed = false;
    const byKey = new Map(paths.map((p, i) => [keyOf(p.steps), i]));
    const groups = [...childrenByParent(paths)].sort((a, b) => a[0].split('|').length - b[0].split('|').length);
    for (const [parentKey, children] of groups) {
      const parentIndex = byKey.get(parentKey);
      const parent: Shown | null = parentKey === '' ? { persons: file.sourcePersons, outcomeRate: null } : parentIndex === undefined ? null : (paths[parentIndex] as CohortPath);
      if (parent === null) continue;
      const kids = children.map((c) => paths[c] as CohortPath);
      const problem = remainderProblem(parent, kids, rules, '');
      if (problem === null) continue;
      const restN = parent.persons - kids.reduce((s, c) => s + c.persons, 0);
      const bySize = [...children].sort((a, b) => (paths[a] as CohortPath).persons - (paths[b] as CohortPath).persons);
      if (restN > 0 && restN < rules.k) {
        const drop = bySize[0] as number;
        paths = paths.filter((_, i) => i !== drop);
      } else {
        const hide = bySize.find((c) => (paths[c] as CohortPath).outcomeRate !== null);
        if (hide === undefined) continue;
        paths = paths.map((p, i) => (i === hide ? hideRate(p) : p));
      }
      changed = true;
      break;
    }
  }
  return { ...file, paths };
}
