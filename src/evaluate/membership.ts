// Membership inference, measured: the loss-threshold attack of Yeom et al. (2018), "Privacy Risk in Machine
// Learning: Analyzing the Connection to Overfitting". The attacker sees the calibrated probability the bundle serves
// and the person's label, scores each person by the model's loss on them (lower loss = more likely a training
// member) and the AUC of that score, members against non-members, measures how well membership can be told apart.
// 0.5 means the model leaks nothing this attack can see; 1 means it gives every training person away.
import type { MembershipAttack } from '../schemas/metrics.js';
import { auroc, descendingOrder } from '../util/rank.js';
import { bootstrapIntervals, createRng, deriveSeed, gather } from './bootstrap.js';
import { checkBinaryInput, checkInteger } from './validate.js';

interface MembershipAttackInput {
  /** Calibrated probabilities of the training persons' final step (members), with their labels. */
  memberProbs: ArrayLike<number>;
  memberLabels: ArrayLike<number>;
  /** The same for held-out persons the model never trained on (non-members: the test split). */
  nonMemberProbs: ArrayLike<number>;
  nonMemberLabels: ArrayLike<number>;
  /** Bootstrap replicates of the interval (0 gives no interval). */
  bootstrapSamples: number;
  seed: number;
}

/** The card's limit on the attack's AUC: above it the card lists the model's membership leakage as a limitation. */
const AUC_TARGET = 0.55;
const ALPHA = 0.05;
const CLIP = 1e-7;

/** Binary cross-entropy of one prediction, the probability clipped to [1e-7, 1 - 1e-7]. */
function loss(p: number, y: number): number {
  const q = Math.min(1 - CLIP, Math.max(CLIP, p));
  return y === 1 ? -Math.log(q) : -Math.log(1 - q);
}

/** `size` of the indices 0..n-1 drawn without replacement (partial Fisher-Yates), in ascending order. */
function sampleIndices(n: number, size: number, rng: () => number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(rng() * (n - i));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx.slice(0, size).sort((a, b) => a - b);
}

/**
 * AUC of the loss-threshold attack with a seeded percentile-bootstrap interval. The larger group is cut to the size
 * of the smaller by a seeded sample without replacement (normally the training persons down to the test split's
 * size), so the figure is not driven by the groups' sizes. The bootstrap resamples persons (not families) from the
 * pooled members and non-members. Deterministic for a seed.
 */
export function membershipAttack(input: MembershipAttackInput): MembershipAttack {
  checkBinaryInput(input.memberLabels, input.memberProbs, 'memberProbs');
  checkBinaryInput(input.nonMemberLabels, input.nonMemberProbs, 'nonMemberProbs');
  checkInteger(input.bootstrapSamples, 'bootstrapSamples', 0);
  checkInteger(input.seed, 'seed', Number.MIN_SAFE_INTEGER);
  const memberPool = input.memberProbs.length;
  const nonMemberPool = input.nonMemberProbs.length;
  const size = Math.min(memberPool, nonMemberPool);
  const rng = createRng(deriveSeed(input.seed, 'membership-sample'));
  const pick = (n: number) => (n > size ? sampleIndices(n, size, rng) : Array.from({ length: n }, (_, i) => i));
  const members = pick(memberPool);
  const nonMembers = pick(nonMemberPool);
  // Score = -loss, so members (label 1) score high when the model fits them better than people it never saw.
  const isMember = new Float64Array(2 * size);
  const score = new Float64Array(2 * size);
  members.forEach((i, k) => {
    isMember[k] = 1;
    score[k] = -loss(input.memberProbs[i]!, input.memberLabels[i]!);
  });
  nonMembers.forEach((i, k) => {
    score[size + k] = -loss(input.nonMemberProbs[i]!, input.nonMemberLabels[i]!);
  });
  const interval = bootstrapIntervals(2 * size, (idx) => ({ auc: auroc(gather(isMember, idx), gather(score, idx)) }), ['auc'], {
    samples: input.bootstrapSamples,
    seed: deriveSeed(input.seed, 'membership-bootstrap'),
    alpha: ALPHA,
    order: descendingOrder(score),
  }).auc;
  return {
    method: 'loss-threshold (Yeom et al. 2018)',
    score: 'negative binary cross-entropy of the calibrated final-step probability',
    auc: { estimate: auroc(isMember, score), ...interval },
    members: size,
    nonMembers: size,
    memberPool,
    nonMemberPool,
    balancing: memberPool > nonMemberPool ? 'sampled members' : memberPool < nonMemberPool ? 'sampled non-members' : 'none',
    target: AUC_TARGET,
    bootstrap: { samples: input.bootstrapSamples, seed: input.seed, alpha: ALPHA, unit: 'person' },
  };
}
