// Differential privacy of the published cohort-path counts (docs/differential-privacy.md).
//   - The mechanism: two-sided geometric noise, the discrete Laplace mechanism of Ghosh, Roughgarden & Sundararajan
//     (2009, "Universally utility-maximizing privacy mechanisms"). A count c is published as c + Z with
//     P(Z = z) = (1 - a) / (1 + a) * a^|z|, a = exp(-epsilon / sensitivity): epsilon-DP for a release whose counts
//     one person changes by at most `sensitivity` in total (L1). Z is the difference of two geometric variables,
//     each drawn by inverting a uniform; Var Z = 2a / (1 - a)^2.
//   - The uniforms are counter-based: SHA-256 of (seed, the count's label), so a count's noise depends only on the
//     seed and on which count it is, never on the order of the computation or on the other counts.
//   - The budget split over the cohort-path tree and its accounting (cohortPathsBudget), the consistency
//     post-processing of noisy counts (clampCount, capToTotal, rescaleToTotal: post-processing keeps the guarantee)
//     and the card's paragraph (dpAccountingText).
import { createHash, randomBytes } from 'node:crypto';
import { DP_COMPOSITION, type DpAccounting } from '../schemas/disclosure.js';

/** One release: its share of epsilon and its L1 sensitivity under adding or removing one person. */
interface GeometricQuery {
  epsilon: number;
  sensitivity: number;
}

/** What seeds the noise: the same seed and labels give the same noise on every platform. */
export type DpSeed = number | string;

/** A fresh secret seed (256 bits from the operating system) for callers that give none: noise nobody can replay. */
export function secretSeed(): string {
  return randomBytes(32).toString('hex');
}

/** Two uniforms in (0, 1] with 53 random bits each, from SHA-256(seed, label). */
function uniforms(seed: DpSeed, label: string): [number, number] {
  const h = createHash('sha256').update(`servicepath/dp/v1\u0000${seed}\u0000${label}`).digest();
  const u = (at: number): number => ((h.readUInt32BE(at) >>> 11) * 4294967296 + h.readUInt32BE(at + 4) + 1) / 9007199254740992;
  return [u(0), u(8)];
}

/**
 * The two-sided geometric noise of the count named `label` in a release with the given epsilon and sensitivity:
 * G1 - G2 with G = floor(ln U / ln a), a = exp(-epsilon / sensitivity) (P(G = g) = (1 - a) a^g, g = 0, 1, ...).
 */
export function geometricNoise(seed: DpSeed, label: string, q: GeometricQuery): number {
  const lnA = -q.epsilon / q.sensitivity;
  const [u1, u2] = uniforms(seed, label);
  return Math.floor(Math.log(u1) / lnA) - Math.floor(Math.log(u2) / lnA);
}

/** Standard deviation of two-sided geometric noise of scale b = sensitivity / epsilon: sqrt(2a) / (1 - a), a = exp(-1/b). */
function geometricSd(scale: number): number {
  const a = Math.exp(-1 / scale);
  return Math.sqrt(2 * a) / (1 - a);
}

/** The quantities of cohort-paths.json that carry noise, as the accounting names them. */
const QUANTITY = {
  source: 'training persons (sourcePersons)',
  persons: 'persons per cohort path',
  outcomes: 'persons with the outcome per cohort path',
  split: 'persons per cohort path who received, did not receive or got earlier each service',
  splitOutcomes: 'persons with the outcome per cohort path who received or did not receive each service',
} as const;

/** The queries of a cohort-paths release and their accounting. Each query applies at every depth (source: once). */
export interface CohortPathsBudget {
  accounting: DpAccounting;
  source: GeometricQuery;
  persons: GeometricQuery;
  outcomes: GeometricQuery;
  split: GeometricQuery;
  splitOutcomes: GeometricQuery;
}

/**
 * The budget split of a cohort-paths file with cohort paths at `depthBands.length` depths (depth d: the prefixes
 * through the d-th band; `depthBands` names those bands) and `services` catalogue services.
 *   - Within a depth the prefixes partition the persons (each person holds one prefix through each band), so the
 *     counts of all prefixes of one depth are one release (parallel composition); the depths, and the root
 *     (sourcePersons), are separate releases whose epsilons add up (sequential composition).
 *   - epsilon/2 for numbers of persons, epsilon/2 for numbers with the outcome, each half cut in two quarters:
 *       persons per cohort path: epsilon/4 over the root and the depths, epsilon/(4(D+1)) each, sensitivity 1;
 *       persons who received / did not receive / got earlier each service: epsilon/(4D) per depth, sensitivity S
 *         (a person is in one of the three for every one of the S services);
 *       persons with the outcome per cohort path: epsilon/(4D) per depth, sensitivity 1;
 *       persons with the outcome who received / did not receive each service: epsilon/(4D) per depth, sensitivity S.
 *   - The per-query epsilons add up to epsilon (pure epsilon-DP under adding or removing one person, for the counts
 *     of the cohort paths released; docs/differential-privacy.md says what the guarantee does not cover).
 */
export function cohortPathsBudget(epsilon: number, depthBands: readonly string[], services: number): CohortPathsBudget {
  const depths = depthBands.length;
  const quarter = epsilon / 4;
  const source = { epsilon: quarter / (depths + 1), sensitivity: 1 };
  const perDepth = quarter / Math.max(1, depths);
  const budget = {
    source,
    persons: source,
    outcomes: { epsilon: perDepth, sensitivity: 1 },
    split: { epsilon: perDepth, sensitivity: services },
    splitOutcomes: { epsilon: perDepth, sensitivity: services },
  };
  const entry = (quantity: string, q: GeometricQuery) => ({ quantity, epsilon: q.epsilon, sensitivity: q.sensitivity, scale: q.sensitivity / q.epsilon });
  const perQuery = [entry(QUANTITY.source, source)];
  depthBands.forEach((band, d) => {
    const at = `, depth ${d + 1} (through ${band})`;
    perQuery.push(
      entry(`${QUANTITY.persons}${at}`, budget.persons),
      entry(`${QUANTITY.outcomes}${at}`, budget.outcomes),
      entry(`${QUANTITY.split} (${services} services)${at}`, budget.split),
      entry(`${QUANTITY.splitOutcomes} (${services} services)${at}`, budget.splitOutcomes),
    );
  });
  return { ...budget, accounting: { mechanism: 'two-sided geometric', epsilon, perQuery, composition: DP_COMPOSITION } };
}

/** A noisy count made a count: at least 0 and at most `max`. */
export function clampCount(x: number, max = Number.POSITIVE_INFINITY): number {
  return Math.min(max, Math.max(0, x));
}

/** Counts (>= 0) that add up to more than `total` scaled down in proportion (rounded down); others unchanged. */
export function capToTotal(parts: readonly number[], total: number): number[] {
  const sum = parts.reduce((s, x) => s + x, 0);
  if (sum <= total) return [...parts];
  return parts.map((x) => Math.floor((x * total) / sum));
}

/** Counts (>= 0) rescaled in proportion to add up to exactly `total` (largest remainders first); all zero stays zero. */
export function rescaleToTotal(parts: readonly number[], total: number): number[] {
  const sum = parts.reduce((s, x) => s + x, 0);
  if (sum === 0 || sum === total) return [...parts];
  const exact = parts.map((x) => (x * total) / sum);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((s, x) => s + x, 0);
  const order = exact.map((x, i) => [x - (out[i] as number), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    out[i] = (out[i] as number) + 1;
    left--;
  }
  return out;
}

const fmt = (x: number): string => String(Number(x.toPrecision(3)));

/**
 * A paragraph for the model card: the mechanism, the total epsilon, each release's share with its noise, the
 * consistency step and what the guarantee does not cover. Releases that differ only in their depth are one line.
 */
export function dpAccountingText(accounting: DpAccounting): string {
  const groups = new Map<string, { epsilon: number; scale: number; sensitivity: number; count: number }>();
  for (const q of accounting.perQuery) {
    const name = q.quantity.split(', depth ')[0] as string;
    const key = `${name}\u0000${q.epsilon}\u0000${q.sensitivity}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, { epsilon: q.epsilon, scale: q.scale, sensitivity: q.sensitivity, count: 1 });
    else g.count++;
  }
  const releases = [...groups].map(([key, g]) => {
    const where = g.count > 1 ? ` at each of ${g.count} depths` : '';
    return `${key.split('\u0000')[0]}: ε = ${fmt(g.epsilon)}${where} (sensitivity ${g.sensitivity}, noise scale ${fmt(g.scale)}, standard deviation ${fmt(geometricSd(g.scale))} persons)`;
  });
  return [
    `The cohort-path counts carry random noise for differential privacy: the ${accounting.mechanism} mechanism (the discrete Laplace mechanism; Ghosh, Roughgarden & Sundararajan 2009) with a total privacy loss of ε = ${fmt(accounting.epsilon)} for the file's counts under adding or removing any one training person (composition: ${accounting.composition}).`,
    `Half of ε is spent on numbers of persons and half on numbers with the outcome: ${releases.join('; ')}.`,
    'The noisy counts were then made consistent (no cohort path above its parent, received, not received and got earlier adding up to the cohort path, outcome counts between 0 and the count) and the disclosure rules (k, minCount, rounding, secondary suppression) applied to them; each published rate is a noisy outcome count over a noisy count.',
    'Not covered by ε: which prefixes are candidates (those shared by at least k training persons, as without noise), the representative paths and the mean predicted risks.',
  ].join(' ');
}
