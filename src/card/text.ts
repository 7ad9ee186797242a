// The card's fixed prose: purpose, oversight, limitations. Numbers never appear here (they must carry a source).

export const INTENDED_PURPOSE =
  'Support planners of public services in finding, across anonymised cohort paths, the points where earlier services ' +
  'are associated with lower risk of later need for child-welfare services, and in planning services for groups. ' +
  'Scores are for service planning and for professionals to review, never an automated decision about a person.';

export const OUT_OF_SCOPE_USES = [
  'Automated decisions about an individual person or family (eligibility, sanctions, child-welfare referrals).',
  'Use on populations, registers or recording practices other than those the model was validated on without external validation.',
  'Reading the estimated effect of a service as a proven causal effect.',
  'Profiling or ranking people for purposes other than offering them services.',
];

export const HUMAN_OVERSIGHT = [
  'A trained professional reviews every output before any action; the model only ranks and explains.',
  'Outputs show the uncertainty (intervals) and the cohort support behind them; low support is shown as such.',
  'The service keeps a hash-chained audit log of every query; auditors can verify and reproduce the bundle.',
  'A bundle that fails its checksums, schema or input example is refused and never served.',
  'Operators can withdraw a model version at any time; the previous version stays available.',
];

/** How the training adjusted for confounding by indication (resolvedConfig.adjustment), appended to the architecture. */
export const ADJUSTMENTS: Record<string, string> = {
  none: 'No adjustment for confounding by indication (adjustment none): the estimated effects of inserting a service are unadjusted associations, and the API and the page label them so.',
  ipw: 'Training loss reweighted by stabilised inverse-propensity weights of the catalogue services (adjustment ipw).',
  treatment:
    'Treatment-aware outcome model (adjustment treatment): the model reads the history without the catalogue service starts; a second, ridge logistic stage adds the base logit, the history counts and each start as exp(-age/tau) terms with marker interactions (effect-model.json).',
  'treatment+ipw': 'Treatment-aware outcome model (effect-model.json) fitted with inverse-propensity weights (adjustment treatment+ipw).',
};

/** The intervals of the treatment-aware estimates (treatment.bootstrapReplicates > 0). */
export const EFFECT_INTERVALS = (replicates: number, level: number): string =>
  `Every estimated risk drop carries a ${Math.round(level * 100)}% percentile interval from ${replicates} refits of the second stage on bootstrap resamples of the training families; the base model is held fixed, so the intervals do not include its uncertainty (docs/interventions.md).`;

export const LIMITATIONS = [
  'Estimates are associations learnt from observational records, not causal effects of services.',
  'Confounding by indication: services are given more often to families already at risk, which can make helpful services look harmful.',
  'Population and recording-practice shift: changes in who lives in the area, in service supply or in how events are recorded degrade accuracy and calibration.',
  'Only events recorded in the linked registers are seen; services outside them and people who move away are missing (censoring).',
  'Subgroups smaller than k persons, positives or negatives are suppressed and their performance is unknown.',
];

export const COHORT_DISCLOSURE =
  'Cohort paths, their "followed by" sides and the intervention support follow the same rules, with secondary suppression so that no hidden cell can be recovered by differencing along the cohort-path tree or a received / not-received split; servicepath privacy-check audits every published number, and the service refuses a bundle that fails it (docs/privacy.md).';
export const DP_MECHANISM = 'two-sided geometric mechanism (Ghosh, Roughgarden and Sundararajan) on the cohort-path counts, before the disclosure rules';
export const DP_ACCOUNTING =
  'Pure differential privacy under adding or removing one person: half of epsilon for person counts and half for outcome counts, each spread evenly over the prefix depths (sequential composition) and shared within a depth (parallel composition); the per-count scales are in cohort-paths.json under privacy.dp (docs/differential-privacy.md).';
export const MEMBERSHIP_REFERENCE = 'Privacy Risk in Machine Learning: Analyzing the Connection to Overfitting (Yeom et al., IEEE CSF 2018)';
export const MEMBERSHIP_STATEMENT =
  'Membership inference is measured: the loss-threshold attack of Yeom et al. ranks persons by the loss of the calibrated prediction the bundle serves, training persons against an equal number of held-out test persons; an AUC of one half means the attack learns nothing.';

/**
 * The limitation line of the loss-threshold membership-inference attack, by whether its AUC is within the target
 * (null: not defined). The figures themselves are sourced values under privacy_measures.membership_inference.
 */
export const MEMBERSHIP_LIMITATION = (withinTarget: boolean | null): string =>
  withinTarget === null
    ? 'Membership inference: the loss-threshold attack of Yeom et al. could not be measured on this bundle (its AUC is not defined), so how much the model reveals about who was in its training data is unknown.'
    : withinTarget
      ? 'Membership inference: the AUC of the loss-threshold attack of Yeom et al. is within its target (privacy measures give the figure, its interval and the target); stronger attacks were not measured, so this bounds only what this attack can see.'
      : 'Membership inference: the AUC of the loss-threshold attack of Yeom et al. exceeds its target (privacy measures give the figure, its interval and the target): the model tells its training persons from held-out persons better than intended, so its outputs reveal more about who was in the training data.';

export const USERS = ['Social-services and health-services planners', 'Data scientists who train and compare models', 'Auditors and supervisory authorities'];
export const USE_CASES = [
  'Comparing anonymised service paths and where risk turns upward.',
  'Ranking candidate intervention points for service planning.',
  'Auditing the model: accuracy by group, calibration, data provenance.',
];
export const TRADEOFFS = [
  'Alert thresholds trade sensitivity against the workload of false alerts; the threshold table shows both at each alert rate.',
  'Suppressing small groups protects privacy but hides performance in those groups.',
  'Sequence models may discriminate better than the logistic-regression baseline but are harder to explain.',
];
export const ETHICAL_CONSIDERATIONS = [
  {
    name: 'Stigmatisation of families labelled as high risk',
    mitigation_strategy: 'No person-level output leaves the service; planners see cohort paths with counts rounded and groups under k suppressed.',
  },
  {
    name: 'Unequal accuracy across sex, birth cohort, area and language group',
    mitigation_strategy: 'Performance is reported per group with intervals; auditors review gaps before use.',
  },
  {
    name: 'High-risk AI system (EU AI Act, Annex III point 5(a))',
    mitigation_strategy: 'Technical documentation generated from the run, logging, human oversight and verification tools are part of the bundle.',
  },
];

export const PSEUDONYMISATION_METHOD = 'Keyed HMAC-SHA256 pseudonyms computed at ingest; raw identifiers are never written.';
export const SPLIT_UNIT = 'Families: all members of a family (parents, siblings) fall in the same split, seeded.';
export const INPUT_FORMAT =
  "One token sequence per person at the index date: own and relatives' events (code, domain, relation, age, time before index) within the lookback window; rare codes folded into per-domain <rare> tokens.";
export const OUTPUT_FORMAT = 'A calibrated probability of the outcome within the horizon, after every step of the path (a risk trajectory).';

/** Appended to a sequence model's architecture when resolvedConfig.wide is true, by resolvedConfig.wideInit. */
export const WIDE_PART = (wideInit: string): string =>
  wideInit === 'logreg-fixed'
    ? 'Plus a wide part: the logistic-regression baseline fitted first on the same features (a weight per (code, window before the index) on the log count so far), kept fixed and added to every step\'s logit; the recurrent part starts at zero and learns only what it adds to the baseline.'
    : `Plus a wide part: a learned weight per (code, window before the index) on the log count so far, added to every step's logit (the baseline's features learnt jointly${wideInit === 'logreg' ? ', starting from the fitted baseline' : ''}).`;

/** Appended to a sequence model's architecture when resolvedConfig.contextHalfLivesDays is not empty. */
export const TIME_CONTEXT = (halfLivesDays: readonly number[]): string =>
  `Each step's gates also see the recent path: a learned vector per earlier event, weighed by how long ago it happened (half-lives ${halfLivesDays.join(' and ')} days), so an event followed soon by another can count differently from the same two events far apart.`;

/** Appended to a sequence model's architecture when resolvedConfig.emaDecay > 0. */
export const WEIGHT_AVERAGE = (decay: number): string =>
  `Its weights are an exponential moving average over the training steps (decay ${decay}), which validation and early stopping also used.`;

export const ARCHITECTURES: Record<string, string> = {
  logreg: 'Regularised logistic regression on windowed code counts (the baseline).',
  gru: 'Causal GRU over the event sequence emitting a risk after every step.',
  transformer: 'Small causal transformer encoder with time and age embeddings emitting a risk after every step.',
};
