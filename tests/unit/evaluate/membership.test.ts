import { describe, expect, it } from 'vitest';
import { createRng, membershipAttack } from '../../../src/evaluate/index.js';

/** Persons with a true risk, a label drawn from it and the model's probability from `predict(risk, label)`. */
function persons(n: number, seed: number, predict: (risk: number, label: 0 | 1, rng: () => number) => number) {
  const rng = createRng(seed);
  const labels: (0 | 1)[] = [];
  const probs: number[] = [];
  for (let i = 0; i < n; i++) {
    const risk = 0.05 + 0.5 * rng();
    const label = rng() < risk ? 1 : 0;
    labels.push(label);
    probs.push(predict(risk, label, rng));
  }
  return { labels, probs };
}

const attack = (members: ReturnType<typeof persons>, nonMembers: ReturnType<typeof persons>, seed = 11, bootstrapSamples = 200) =>
  membershipAttack({
    memberProbs: members.probs,
    memberLabels: members.labels,
    nonMemberProbs: nonMembers.probs,
    nonMemberLabels: nonMembers.labels,
    bootstrapSamples,
    seed,
  });

describe('membershipAttack', () => {
  it('gives a model that memorises its training labels away (AUC well above 0.9)', () => {
    // Members: the probability sits next to each person's own label. Non-members: uninformative probabilities.
    const members = persons(2000, 1, (_r, label, rng) => (label === 1 ? 0.97 : 0.03) + (rng() - 0.5) * 0.04);
    const nonMembers = persons(500, 2, (_r, _label, rng) => rng());
    const result = attack(members, nonMembers);
    expect(result.auc.estimate!).toBeGreaterThan(0.9);
    expect(result.auc.lower!).toBeGreaterThan(0.9);
    expect(result.auc.upper!).toBeGreaterThanOrEqual(result.auc.estimate!);
    expect(result.auc.replicates).toBe(200);
    expect(result).toMatchObject({
      method: 'loss-threshold (Yeom et al. 2018)',
      members: 500,
      nonMembers: 500,
      memberPool: 2000,
      nonMemberPool: 500,
      balancing: 'sampled members',
      target: 0.55,
      bootstrap: { samples: 200, seed: 11, alpha: 0.05, unit: 'person' },
    });
  });

  it('finds nothing when members and non-members come from one distribution (AUC near 0.5, inside its interval)', () => {
    const calibrated = (risk: number) => risk;
    const result = attack(persons(1500, 3, calibrated), persons(600, 4, calibrated));
    expect(Math.abs(result.auc.estimate! - 0.5)).toBeLessThan(0.05);
    expect(result.auc.lower!).toBeLessThan(0.5);
    expect(result.auc.upper!).toBeGreaterThan(0.5);
    expect(result.auc.upper!).toBeLessThan(0.55);
  });

  it('ranks by loss: lower loss counts as a member, and probabilities are clipped to [1e-7, 1 - 1e-7]', () => {
    // Losses: members 0.105 (p 0.9, y 1) and 0.511 (p 0.4, y 0); non-members 0.357 (p 0.7, y 1) and 0.010 (p 0.01, y 0).
    // Member beats non-member in 1 of 4 pairs.
    const hand = membershipAttack({ memberProbs: [0.9, 0.4], memberLabels: [1, 0], nonMemberProbs: [0.7, 0.01], nonMemberLabels: [1, 0], bootstrapSamples: 0, seed: 1 });
    expect(hand.auc).toEqual({ estimate: 0.25, lower: null, upper: null, replicates: 0 });
    expect(hand.balancing).toBe('none');
    // p = 0 and p = 1e-9 for a positive both clip to 1e-7: equal losses, a tie (unclipped, p = 0 would lose).
    const clipped = membershipAttack({ memberProbs: [0], memberLabels: [1], nonMemberProbs: [1e-9], nonMemberLabels: [1], bootstrapSamples: 0, seed: 1 });
    expect(clipped.auc.estimate).toBe(0.5);
  });

  it('samples the larger group down when the non-members outnumber the members', () => {
    const result = attack(persons(100, 5, (r) => r), persons(300, 6, (r) => r));
    expect(result).toMatchObject({ members: 100, nonMembers: 100, memberPool: 100, nonMemberPool: 300, balancing: 'sampled non-members' });
  });

  it('is deterministic for a seed and changes with the seed', () => {
    const members = persons(800, 7, (r, _l, rng) => Math.min(1, r + rng() * 0.1));
    const nonMembers = persons(200, 8, (r) => r);
    const a = attack(members, nonMembers, 21);
    expect(attack(members, nonMembers, 21)).toEqual(a);
    const b = attack(members, nonMembers, 22);
    expect(b.auc.estimate).not.toBe(a.auc.estimate);
    expect(b.auc.lower).not.toBe(a.auc.lower);
  });

  it('rejects probabilities outside [0, 1] and mismatched lengths, naming the field', () => {
    const bad = (memberProbs: number[]) => () =>
      membershipAttack({ memberProbs, memberLabels: [1, 0], nonMemberProbs: [0.5, 0.5], nonMemberLabels: [1, 0], bootstrapSamples: 10, seed: 1 });
    expect(bad([1.5, 0.2])).toThrow(expect.objectContaining({ code: 'EVALUATE_INPUT_INVALID', message: expect.stringMatching(/memberProbs\/0/) }));
    expect(bad([0.5])).toThrow(expect.objectContaining({ code: 'EVALUATE_INPUT_INVALID' }));
  });
});
