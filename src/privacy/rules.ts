// Statistical disclosure control: the one set of rules every published aggregate follows (docs/privacy.md).
//   - a group (cell) is shown only with at least k persons (default 10, never below 5);
//   - an outcome count and its complement are each shown only when at least minCount (default 5, never below 3):
//     0 to 4 children with the outcome show as "<5", never as a rate of 0 or a count;
//   - shown counts are rounded to a multiple of roundTo (default 5) and never below k;
//   - secondary suppression (src/privacy/cohort-paths.ts) hides further cells so that no hidden cell can be
//     recovered by differencing published ones.
// The rules are decided on the published (rounded) values as well as the true ones, so that the audit
// (privacy-check), which sees only the published values, agrees with what was published.
import type { DisclosureRules, OutcomeSuppression } from '../schemas/disclosure.js';

/** Rounds a count to the nearest multiple of `roundTo` (half away from zero). */
export function roundCount(count: number, roundTo: number): number {
  return Math.round(count / roundTo) * roundTo;
}

/** A subgroup slice of an evaluation is shown only when its people, positives and negatives each number at least k. */
export function isSuppressed(n: number, positives: number, k: number): boolean {
  return n < k || positives < k || n - positives < k;
}

/** A shown group size: rounded, and never below k (the smallest group that may be shown). */
export function shownCount(n: number, rules: Pick<DisclosureRules, 'k' | 'roundTo'>): number {
  const floor = Math.ceil(rules.k / rules.roundTo) * rules.roundTo;
  return Math.max(floor, roundCount(n, rules.roundTo));
}

/** A shown rate: to two decimals. */
export function shownRate(positives: number, n: number): number {
  return Number((Math.round(positives / n / 0.01) * 0.01).toFixed(2));
}

/** The outcome count a reader infers from a shown rate and a shown group size (rate x persons). */
function impliedCount(rate: number, persons: number): number {
  return rate * persons;
}

/** Whether a count a reader infers (possibly fractional) is below minCount once rounded to a whole child. */
export function impliedBelow(count: number, minCount: number): boolean {
  return Math.round(count) < minCount;
}

/**
 * The primary rule for one group's outcome: why the rate may not be shown, or null when it may. Both the true
 * counts and the counts a reader infers from the shown values must clear minCount on both sides.
 */
export function outcomeSuppression(n: number, positives: number, rules: DisclosureRules): OutcomeSuppression | null {
  if (positives < rules.minCount) return 'numerator';
  if (n - positives < rules.minCount) return 'complement';
  return impliedSuppression(shownRate(positives, n), shownCount(n, rules), rules.minCount);
}

/** The rule on what a reader sees: a shown rate of shown persons whose implied count or complement is under minCount. */
export function impliedSuppression(rate: number, persons: number, minCount: number): 'numerator' | 'complement' | null {
  const implied = impliedCount(rate, persons);
  if (impliedBelow(implied, minCount)) return 'numerator';
  if (impliedBelow(persons - implied, minCount)) return 'complement';
  return null;
}

/** What is wrong with a group a reader derives: `persons` of whom `outcomes` had the outcome (null when fine). */
export function outcomeRestProblem(persons: number, outcomes: number, minCount: number, what: string): string | null {
  if (persons <= 0) return null;
  const whole = (x: number) => Math.max(0, Math.round(x));
  if (impliedBelow(outcomes, minCount)) return `${what}: ${persons} persons of whom ${whole(outcomes)} with the outcome, below ${minCount}`;
  if (impliedBelow(persons - outcomes, minCount)) return `${what}: ${persons} persons of whom ${whole(persons - outcomes)} without the outcome, below ${minCount}`;
  return null;
}

/** A published outcome: the rate, or null with the reason. */
type OutcomeCell = { outcomeRate: number } | { outcomeRate: null; outcomeSuppressed: OutcomeSuppression };

export function outcomeCell(n: number, positives: number, rules: DisclosureRules): OutcomeCell {
  const why = outcomeSuppression(n, positives, rules);
  return why === null ? { outcomeRate: shownRate(positives, n) } : { outcomeRate: null, outcomeSuppressed: why };
}

/** What a reader may say about a published cell: every rule it breaks, in words (empty when it is fine). */
export function cellProblems(persons: number, outcomeRate: number | null, rules: DisclosureRules): string[] {
  const problems: string[] = [];
  if (persons < rules.k) problems.push(`group of ${persons} is below k=${rules.k}`);
  if (persons % rules.roundTo !== 0) problems.push(`count ${persons} is not a multiple of ${rules.roundTo}`);
  if (outcomeRate !== null) {
    const implied = impliedCount(outcomeRate, persons);
    if (impliedBelow(implied, rules.minCount)) problems.push(`rate ${outcomeRate} of ${persons} implies ${Math.round(implied)} with the outcome, below ${rules.minCount}`);
    if (impliedBelow(persons - implied, rules.minCount)) problems.push(`rate ${outcomeRate} of ${persons} implies ${Math.round(persons - implied)} without the outcome, below ${rules.minCount}`);
  }
  return problems;
}
