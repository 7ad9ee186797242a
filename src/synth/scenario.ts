// The scenario: every tunable rate of the mechanism and of the generator, with its default and why, in one commented
// place. A scenario file (JSON or YAML) overrides any subset; unknown keys fail (.strict()). The key table of
// docs/synthetic-population.md ("Scenario file") lists every key with its default and unit;
// tests/unit/synth/scenario-docs.test.ts holds the two in step.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatZodIssues, ServicepathError } from '../errors/index.js';
import { SERVICE_CODES } from './services.js';

const KNOWN_CODES = new Set<string>(SERVICE_CODES.map((c) => c.code));

const rate = z.number().min(0).max(1);
const halfLife = z.number().min(1).max(36_525);
const logEffect = z.number().min(0).max(5);
/** Events per person-year (before `eventRateScale`). */
const perYear = z.number().min(0).max(1000);
/** Log-rate loading per unit of the latent family adversity A or of the child's own factor u (both ~ N(0,1)). */
const loading = z.number().min(-5).max(5);
/** A factor on a rate (with a trait, for example). */
const multiplier = z.number().min(0).max(100);
/** Days: ages, delays, windows. */
const days = z.number().int().min(0).max(36_525);
/** Years: parents' ages. */
const years = z.number().min(0).max(100);

const AT_LEAST_MIN = 'must be at least minDays';

/** A closed day range [minDays, maxDays]. */
const span = (minDays: number, maxDays: number) =>
  z
    .object({ minDays: days.default(minDays), maxDays: days.default(maxDays) })
    .strict()
    .refine((s) => s.minDays <= s.maxDays, { message: AT_LEAST_MIN, path: ['maxDays'] })
    .prefault({});

/** A follow-on event: with probability `share`, minDays-maxDays (uniform, whole days) after the event that triggers it. */
const followOn = (share: number, minDays: number, maxDays: number) =>
  z
    .object({ share: rate.default(share), minDays: days.default(minDays), maxDays: days.default(maxDays) })
    .strict()
    .refine((s) => s.minDays <= s.maxDays, { message: AT_LEAST_MIN, path: ['maxDays'] })
    .prefault({});

/** A latent trait: present with probability logistic(intercept + adversity A). */
const trait = (intercept: number, adversity: number) =>
  z.object({ intercept: z.number().min(-20).max(20).default(intercept), adversity: loading.default(adversity) }).strict().prefault({});

/** A yearly rate perYear x exp(adversity A). */
const yearly = (rateDefault: number, adversity: number) => z.object({ perYear: perYear.default(rateDefault), adversity: loading.default(adversity) }).strict().prefault({});

/** A rate that depends on a trait: withTrait with it, perYear without, x exp(adversity A). */
const byTrait = (without: number, withTrait: number, adversity: number) =>
  z.object({ perYear: perYear.default(without), withTrait: perYear.default(withTrait), adversity: loading.default(adversity) }).strict().prefault({});

/** A monthly benefit spell: starts with probability startPerMonth x exp(adversity A), lasts meanMonths on average (geometric). */
const spells = (startPerMonth: number, adversity: number, meanMonths: number) =>
  z
    .object({ startPerMonth: rate.default(startPerMonth), adversity: loading.default(adversity), meanMonths: z.number().min(1).max(600).default(meanMonths) })
    .strict()
    .prefault({});

/** Refinement of a group with fromAgeDays and toAgeDays. */
const agesInOrder = (s: { fromAgeDays: number; toAgeDays: number }) => s.fromAgeDays <= s.toAgeDays;
const AGES_IN_ORDER = { message: 'must be at least fromAgeDays', path: ['toAgeDays'] };

/** One planted risk signal: log-hazard `weight` per TRUE event in the lookback window, counting at most `cap` events. */
const signal = (weight: number, cap: number) =>
  z.object({ weight: z.number().min(0).max(3).default(weight), cap: z.number().int().min(1).max(1000).default(cap) }).strict().prefault({});

/**
 * The planted risk signals by relation (seen from the child) and code: many weak ones, none decisive. The additive
 * log hazard adds riskWeightScale x weight x min(count, cap); v2 counts recency-weighted events (docs).
 */
const RiskSignalsSchema = z
  .object({
    self: z
      .object({ CW_NOTIFICATION: signal(0.3, 3), CW_ASSESSMENT: signal(0.15, 3), ER_VISIT: signal(0.08, 5), NEUVOLA_NO_SHOW: signal(0.15, 4), DEV_CONCERN: signal(0.1, 4) })
      .strict()
      .prefault({}),
    mother: z
      .object({
        MH_ADULT_VISIT: signal(0.03, 15),
        MH_CRISIS: signal(0.25, 2),
        SUD_VISIT: signal(0.05, 12),
        SUD_DETOX: signal(0.2, 2),
        ER_VISIT: signal(0.06, 5),
        ADULT_SOCIAL_WORK: signal(0.1, 4),
        INCOME_SUPPORT: signal(0.015, 36),
        HOUSING_ALLOWANCE: signal(0.006, 36),
        UNEMPLOYMENT_BENEFIT: signal(0.008, 36),
      })
      .strict()
      .prefault({}),
    father: z
      .object({
        MH_CRISIS: signal(0.15, 2),
        SUD_VISIT: signal(0.04, 12),
        SUD_DETOX: signal(0.15, 2),
        ER_VISIT: signal(0.05, 5),
        UNEMPLOYMENT_BENEFIT: signal(0.008, 36),
        ADULT_SOCIAL_WORK: signal(0.08, 4),
      })
      .strict()
      .prefault({}),
    sibling: z.object({ CW_NOTIFICATION: signal(0.15, 3), CW_ASSESSMENT: signal(0.08, 3) }).strict().prefault({}),
  })
  .strict()
  .prefault({});

/**
 * The generator's coefficients: who the families are, how often each service event happens, who gets help, deaths
 * and the written outcome. Rates are per year unless named otherwise; every unscheduled rate is also multiplied by
 * `eventRateScale`, and the adversity loadings of the protective services (`services`) by `confoundingScale`.
 * Under v2 the dynamic layer (dynamics.ts) reads the same keys for the events it draws.
 */
const GeneratorSchema = z
  .object({
    /** Days of data before the first possible birth (--start): the parents' history before every birth is covered. */
    historyDays: days.default(730),
    family: z
      .object({
        /** Days between consecutive births (uniform), scaled down when they do not fit the births window. */
        birthGapDays: span(450, 1500),
        /** Mother's age at the first birth: meanYears + adversityYears A + N(0, sdYears), clipped to minYears-maxYears. */
        motherAge: z
          .object({ meanYears: years.default(29), adversityYears: z.number().min(-20).max(20).default(-2), sdYears: years.default(4), minYears: years.default(18), maxYears: years.default(42) })
          .strict()
          .refine((s) => s.minYears <= s.maxYears, { message: 'must be at least minYears', path: ['maxYears'] })
          .prefault({}),
        /** Father: gapYears + N(0, gapSdYears) older than the mother, at least minYears at the first birth. */
        fatherAge: z.object({ gapYears: z.number().min(-20).max(20).default(2), gapSdYears: years.default(3), minYears: years.default(18) }).strict().prefault({}),
        /** The parents arrive (are first observed) this many days before the first birth (uniform; not before the data start). */
        parentArrivalDays: span(730, 3650),
        /** Area A01-A<count>: round((count + 1) / 2 + adversity A + N(0, sd)), clipped to 1-count. */
        area: z.object({ count: z.number().int().min(1).max(99).default(12), adversity: z.number().min(-20).max(20).default(2), sd: z.number().min(0).max(20).default(2) }).strict().prefault({}),
        /** Language group: other with min(otherMaxShare, otherShare exp(otherAdversity A)), then sv with svShare, else fi. */
        language: z
          .object({ otherShare: rate.default(0.12), otherAdversity: loading.default(0.4), otherMaxShare: rate.default(0.4), svShare: rate.default(0.06) })
          .strict()
          .prefault({}),
        /** Share of girls among the children. */
        girlShare: rate.default(0.49),
      })
      .strict()
      .prefault({}),
    /** Latent traits (each has recorded markers): logistic(intercept + adversity A), the child's also + childFactor u. */
    traits: z
      .object({
        motherMentalHealth: trait(-2.2, 0.8),
        motherSubstanceAbuse: trait(-3.5, 1),
        fatherMentalHealth: trait(-2.6, 0.7),
        fatherSubstanceAbuse: trait(-2.4, 1),
        childDevelopment: z.object({ intercept: z.number().min(-20).max(20).default(-2), adversity: loading.default(0.7), childFactor: loading.default(1) }).strict().prefault({}),
      })
      .strict()
      .prefault({}),
    /** Deaths: parents after the last birth, children in the first year or later. A death ends the observation. */
    deaths: z
      .object({
        /** Parents: parentPerYear x exp(parentAdversity A), x substanceAbuseMultiplier with the substance-abuse trait. */
        parentPerYear: rate.default(0.0015),
        parentAdversity: loading.default(0.5),
        substanceAbuseMultiplier: multiplier.default(3),
        /** Children: probability of dying in the first year, then a yearly rate. */
        childFirstYearShare: rate.default(0.002),
        childPerYear: rate.default(0.0002),
      })
      .strict()
      .prefault({}),
    /** Events of each parent (mother and father alike; under v2 the mother's ER_VISIT, MH_CRISIS, SUD_DETOX come from the dynamic layer). */
    adult: z
      .object({
        PHC_VISIT: yearly(1.1, 0.2),
        /** perYear exp(adversity A), x substanceAbuseMultiplier with the substance-abuse trait. */
        ER_VISIT: z.object({ perYear: perYear.default(0.3), adversity: loading.default(0.5), substanceAbuseMultiplier: multiplier.default(1.6) }).strict().prefault({}),
        /** withTrait with the mental-health trait, else perYear; x exp(adversity A). */
        MH_ADULT_VISIT: byTrait(0.15, 4, 0.3),
        /** perYear exp(adversity A), x traitMultiplier with the mental-health trait. */
        MH_CRISIS: z.object({ perYear: perYear.default(0.03), adversity: loading.default(0.8), traitMultiplier: multiplier.default(4) }).strict().prefault({}),
        /** withTrait with the substance-abuse trait, else perYear (no adversity loading). */
        SUD_VISIT: z.object({ perYear: perYear.default(0.03), withTrait: perYear.default(3) }).strict().prefault({}),
        SUD_DETOX: z.object({ perYear: perYear.default(0.002), withTrait: perYear.default(0.25) }).strict().prefault({}),
        ADULT_SOCIAL_WORK: yearly(0.15, 0.9),
        UNEMPLOYMENT_BENEFIT: spells(0.006, 0.8, 7),
      })
      .strict()
      .prefault({}),
    /** Events recorded to the mother only. */
    mother: z
      .object({
        INCOME_SUPPORT: spells(0.004, 1.2, 8),
        HOUSING_ALLOWANCE: spells(0.005, 0.8, 20),
        /** `visits` maternity-clinic visits, each minDays-maxDays before each birth. */
        MATERNITY_CLINIC_VISIT: z
          .object({ visits: z.number().int().min(0).max(50).default(4), minDays: days.default(14), maxDays: days.default(270) })
          .strict()
          .refine((s) => s.minDays <= s.maxDays, { message: AT_LEAST_MIN, path: ['maxDays'] })
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** A child's own events (before the protective services). */
    child: z
      .object({
        /** Scheduled child-health clinic visits at these ages (days), each moved by up to +-jitterDays. */
        NEUVOLA_VISIT: z
          .object({
            agesDays: z.array(days).max(100).default([14, 30, 60, 120, 180, 270, 365, 540, 730, 1095, 1460, 1825, 2190]),
            jitterDays: z.number().int().min(0).max(365).default(10),
          })
          .strict()
          .prefault({}),
        /** A scheduled visit is missed with p = min(maxShare, share exp(adversity A)) (v2: x the strain and mediation factor). */
        NEUVOLA_NO_SHOW: z.object({ share: rate.default(0.04), adversity: loading.default(0.9), maxShare: rate.default(0.6) }).strict().prefault({}),
        /** perYear exp(adversity A) up to switchAgeDays, then laterPerYear exp(adversity A). */
        PHC_VISIT: z
          .object({ perYear: perYear.default(1.5), adversity: loading.default(0.15), switchAgeDays: days.default(1460), laterPerYear: perYear.default(3) })
          .strict()
          .prefault({}),
        /** perYear exp(adversity A + childFactor u). */
        ER_VISIT: z.object({ perYear: perYear.default(0.25), adversity: loading.default(0.5), childFactor: loading.default(0.2) }).strict().prefault({}),
        /** withTrait with the developmental need, else perYear; x exp(adversity A); ages fromAgeDays-toAgeDays. */
        DEV_CONCERN: z
          .object({ perYear: perYear.default(0.04), withTrait: perYear.default(0.8), adversity: loading.default(0.2), fromAgeDays: days.default(60), toAgeDays: days.default(2555) })
          .strict()
          .refine(agesInOrder, AGES_IN_ORDER)
          .prefault({}),
        /** perYear exp(adversity A + childFactor u) from fromAgeDays. */
        CMH_VISIT: z
          .object({ perYear: perYear.default(0.15), adversity: loading.default(0.8), childFactor: loading.default(0.5), fromAgeDays: days.default(1460) })
          .strict()
          .prefault({}),
        SCHOOL_START: z.object({ ageDays: days.default(2557) }).strict().prefault({}),
        /** From school start: perYear exp(adversity A), x traitMultiplier with the developmental need. */
        SCHOOL_SUPPORT: z.object({ perYear: perYear.default(0.12), adversity: loading.default(0.6), traitMultiplier: multiplier.default(4) }).strict().prefault({}),
        /** perYear exp(adversity A + childFactor u). */
        CW_NOTIFICATION: z.object({ perYear: perYear.default(0.05), adversity: loading.default(1.1), childFactor: loading.default(0.3) }).strict().prefault({}),
        /** Follows a notification. */
        CW_ASSESSMENT: followOn(0.7, 7, 90),
      })
      .strict()
      .prefault({}),
    /**
     * Who gets the protective services (confounding by indication): adversity loadings are multiplied by
     * `confoundingScale`; services also follow notifications (v2: with strength min(1, gamma)).
     */
    services: z
      .object({
        /** Child: perYear exp(adversity A) at ages fromAgeDays-toAgeDays (v2: from birth), and after notifications up to toAgeDays. */
        NEUVOLA_HOME_VISIT: z
          .object({
            perYear: perYear.default(0.12),
            adversity: loading.default(0.9),
            fromAgeDays: days.default(14),
            toAgeDays: days.default(1096),
            afterNotification: followOn(0.3, 7, 60),
          })
          .strict()
          .refine(agesInOrder, AGES_IN_ORDER)
          .prefault({}),
        /** Child, once: at fromAgeDays + Exp(mean meanWaitDays exp(waitAdversity A)); after the first notification earlier with afterNotification; not after toAgeDays. */
        EE_ENROL: z
          .object({
            fromAgeDays: days.default(240),
            meanWaitDays: z.number().min(1).max(36_525).default(600),
            waitAdversity: loading.default(-0.5),
            toAgeDays: days.default(2555),
            afterNotification: followOn(0.5, 14, 60),
          })
          .strict()
          .refine(agesInOrder, AGES_IN_ORDER)
          .prefault({}),
        /** Child, after enrolment, ages fromAgeDays-toAgeDays: perYear exp(adversity A), x traitMultiplier with the developmental need. */
        EE_SUPPORT: z
          .object({ perYear: perYear.default(0.05), adversity: loading.default(0.8), traitMultiplier: multiplier.default(6), fromAgeDays: days.default(365), toAgeDays: days.default(2555) })
          .strict()
          .refine(agesInOrder, AGES_IN_ORDER)
          .prefault({}),
        /** Mother: perYear exp(adversity A), and after any child's notification. */
        FAMILY_WORK: z.object({ perYear: perYear.default(0.03), adversity: loading.default(1), afterNotification: followOn(0.35, 14, 120) }).strict().prefault({}),
        /** Mother, for daysAfterBirth after each birth: perYear exp(adversity A). */
        HOME_HELP: z.object({ perYear: perYear.default(0.2), adversity: loading.default(0.7), daysAfterBirth: days.default(548) }).strict().prefault({}),
        PARENTING_GROUP: z.object({ perYear: perYear.default(0.15), adversity: loading.default(0.3), daysAfterBirth: days.default(730) }).strict().prefault({}),
        /** Each parent: withTrait with the mental-health (substance-abuse) trait, else perYear; x exp(adversity A). */
        MH_ADULT_THERAPY: byTrait(0.01, 0.25, 0.3),
        SUD_TREATMENT: byTrait(0.003, 0.25, 0.3),
      })
      .strict()
      .prefault({}),
    /** The written outcome and the care before the index (which excludes the child). */
    outcome: z
      .object({
        /** Share of outcomes written as CW_PLACEMENT (else CW_OPEN_CARE). */
        placementShare: rate.default(0.2),
        /** Share of open-care outcomes followed by a placement laterPlacementDays later (inside the observation). */
        laterPlacementShare: rate.default(0.15),
        laterPlacementDays: span(30, 700),
        /** Care before the index: p = min(priorMaxShare, preIndexOutcomeRate exp(priorAdversity A - priorCentring)) at ages priorFromAgeDays-index. */
        priorAdversity: loading.default(0.8),
        priorCentring: z.number().min(-20).max(20).default(0.32),
        priorMaxShare: rate.default(0.5),
        priorFromAgeDays: days.default(30),
      })
      .strict()
      .prefault({}),
    riskSignals: RiskSignalsSchema,
  })
  .strict()
  .prefault({});

/** The mechanisms: `additive` is the first mechanism, bit for bit; `v2` adds order and timing (docs/synthetic-population.md). */
const MECHANISMS = ['additive', 'v2'] as const;
/** Version of the v2 mechanism's rules: bumped whenever a rule changes, so a card can say which world made its data. */
export const MECHANISM_V2_VERSION = 1;

const OrderPairSchema = z
  .object({
    first: z.object({ relation: z.enum(['self', 'mother', 'father', 'sibling']), code: z.string().min(1) }).strict(),
    second: z.object({ relation: z.enum(['self', 'mother', 'father', 'sibling']), code: z.string().min(1) }).strict(),
    /** The pair counts when `second` follows `first` within this many days (0 < gap <= withinDays). */
    withinDays: z.number().int().min(1).max(3650),
    /** Log-hazard added per such pair (at most `cap` pairs). */
    weight: logEffect,
    cap: z.number().int().min(1).max(10).default(2),
  })
  .strict();

/** v2: order and timing effects, each with its magnitude and an on/off switch (`enabled`). */
const V2Schema = z
  .object({
    /** Multiplies the planted risk-signal weights (with recency, an old event weighs less than in `additive`). */
    signalScale: z.number().min(0).max(5).default(1),
    /** A risk signal's event weighs (1 - share) + share * 2^(-age / halfLife) at the index: recent events weigh more. */
    recency: z
      .object({
        enabled: z.boolean().default(true),
        share: rate.default(0.7),
        halfLifeDays: z
          .object({ child_welfare: halfLife.default(90), crisis: halfLife.default(60), health: halfLife.default(180), benefits: halfLife.default(365) })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** Ordered pairs: A then B within N days adds risk; B then A, or the pair far apart, adds nothing. */
    order: z
      .object({ enabled: z.boolean().default(true), pairs: z.array(OrderPairSchema).max(32).optional() })
      .strict()
      .prefault({}),
    /** Escalation: weight * ln((recent + smoothing) / (expected + smoothing)), above 0 only, where expected scales the earlier rate. */
    escalation: z
      .object({
        enabled: z.boolean().default(true),
        weight: logEffect.default(0.8),
        recentDays: z.number().int().min(30).max(1000).default(180),
        cap: logEffect.default(2),
        /** Added to both counts: a family with few events cannot escalate by chance alone. */
        smoothing: z.number().gt(0).max(100).default(0.5),
      })
      .strict()
      .prefault({}),
    /** Runs and gaps: consecutive missed scheduled clinic visits; a mental-health crisis of the mother without a visit within followUpDays. */
    runs: z
      .object({
        enabled: z.boolean().default(true),
        noShowRunWeight: logEffect.default(0.8),
        missedFollowUpWeight: logEffect.default(0.6),
        followUpDays: z.number().int().min(1).max(365).default(30),
        /** At most this many missed follow-ups count. */
        missedFollowUpCap: z.number().int().min(0).max(100).default(2),
        /** Dynamic layer: share of the mother's crises followed by a mental-health visit, followUpMinDays-followUpDays later. */
        followUpShare: rate.default(0.6),
        followUpMinDays: z.number().int().min(1).max(365).default(3),
      })
      .strict()
      .prefault({}),
    /** Family timing: a sibling's child-welfare care weighs weight * 2^(-age / halfLifeDays). */
    family: z
      .object({ enabled: z.boolean().default(true), siblingCareWeight: logEffect.default(0.9), halfLifeDays: halfLife.default(365) })
      .strict()
      .prefault({}),
    /**
     * The latent, unrecorded family strain: impulses from crises, detoxes, emergency visits, notifications and missed
     * follow-ups, halving every halfLifeDays; it raises the rates of those events (rateCoef) and the outcome hazard (hazardCoef).
     */
    strain: z
      .object({
        enabled: z.boolean().default(true),
        halfLifeDays: halfLife.default(120),
        rateCoef: z.number().min(0).max(3).default(0.5),
        /** The strain raises event rates by at most this much (log scale): self-excitation stays bounded. */
        maxRateLog: z.number().min(0).max(5).default(1),
        hazardCoef: z.number().min(0).max(3).default(2),
        /** Share of each later impulse a protective service's start damps for mediation.days (times its trait modifier). */
        relief: rate.default(0.3),
        /** Impulse of each event: the mother's crisis, detox and emergency visit, any child's notification, and a crisis without a follow-up (on day + followUpDays). */
        impulses: z
          .object({
            MH_CRISIS: logEffect.default(1),
            SUD_DETOX: logEffect.default(0.8),
            ER_VISIT: logEffect.default(0.3),
            CW_NOTIFICATION: logEffect.default(0.6),
            missedFollowUp: logEffect.default(0.6),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** Time-varying confounding: services respond to recent notifications and strain with strength gamma (0 = none). */
    confounding: z.object({ gamma: z.number().min(0).max(5).default(1) }).strict().prefault({}),
    /** Mediation: a protective service's start lowers the rates of later risk events for `days` (log-rate reduction). */
    mediation: z
      .object({ enabled: z.boolean().default(true), logRateReduction: logEffect.default(0.4), days: z.number().int().min(1).max(3650).default(365) })
      .strict()
      .prefault({}),
  })
  .strict();
export type V2Settings = z.infer<typeof V2Schema>;

const ProtectiveOverrideSchema = z
  .object({
    /** Log-hazard reduction when the service starts at child age 0 (positive number: a reduction). */
    effect: z.number().min(0).max(3).optional(),
    /** The effect fades as exp(-ageDays / tauDays) with the child's age at the start. */
    tauDays: z.number().min(30).max(100_000).optional(),
    /** Share of the effect kept without the service's modifier trait (services with a modifier). */
    offTraitFactor: rate.optional(),
  })
  .strict();

/** The catalogue's services (mechanism.ts PROTECTIVE): the only codes `protective` may override. */
export const PROTECTIVE_CODES: ReadonlySet<string> = new Set(['NEUVOLA_HOME_VISIT', 'EE_ENROL', 'EE_SUPPORT', 'FAMILY_WORK', 'HOME_HELP', 'PARENTING_GROUP', 'MH_ADULT_THERAPY', 'SUD_TREATMENT']);

const ScenarioSchema = z
  .object({
    /** Which outcome mechanism: `v2` (default: order and timing matter) or `additive` (capped counts only, the first world). */
    mechanism: z.enum(MECHANISMS).default('v2'),
    /** The v2 mechanism's effects; refused with `mechanism: additive` (it would be ignored). */
    v2: V2Schema.optional(),
    /** Mean true probability of the outcome among eligible children (calibrated on the population itself). ~8% as in the brief. */
    baseRate: z.number().gt(0).lt(0.5).default(0.08),
    /** Share of children with an open-care measure or placement before the index age (they are excluded). */
    preIndexOutcomeRate: rate.default(0.02),
    /** Task: index at the third birthday, 5 years of lookback (3 of life + 2 of the parents' history), 3-year horizon. */
    indexAgeDays: z.number().int().min(365).max(6000).default(1096),
    lookbackDays: z.number().int().min(365).max(10_000).default(1826),
    horizonDays: z.number().int().min(30).max(6000).default(1096),
    /** Days of follow-up after the last birth date (--end): index age + horizon + a week, so nobody is cut by the extraction date. */
    followUpDays: z.number().int().min(0).max(10_000).default(2200),
    /** Share of families with two parents (Finland: ~80% of families with children). */
    twoParentShare: rate.default(0.8),
    /** Weights of 1, 2, 3, 4 children per family (mean ~2.1). */
    childrenWeights: z.array(z.number().min(0)).length(4).default([0.3, 0.4, 0.2, 0.1]),
    /** Direct log-hazard coefficients of the latent family adversity A ~ N(0,1) and the child's own factor u ~ N(0,1). */
    adversityHazardCoef: z.number().min(0).max(3).default(0.15),
    childHazardCoef: z.number().min(0).max(3).default(0.05),
    /** Multiplies every weight of the planted risk signals (0 = the path carries no direct risk). */
    riskWeightScale: z.number().min(0).max(5).default(1),
    /** Multiplies every unscheduled event rate (volume knob: ~70 events per person at 1). */
    eventRateScale: z.number().gt(0).max(10).default(1),
    /** Strength of confounding by indication: multiplies the adversity loading of protective-service propensities. */
    confoundingScale: z.number().min(0).max(5).default(1),
    /** Family moves away (censoring) per year after the last birth (~3%/year net out-migration of families). */
    moveRatePerYear: rate.default(0.03),
    /** Recording noise on non-outcome events: dropped, written twice (exact duplicate), written late. */
    noise: z
      .object({
        missingRate: rate.default(0.02),
        duplicateRate: rate.default(0.01),
        lateRate: rate.default(0.02),
        lateMaxDays: z.number().int().min(1).max(365).default(120),
      })
      .strict()
      .prefault({}),
    /** Overrides of the protective effects (catalogue code -> effect, tauDays, offTraitFactor); defaults in mechanism.ts PROTECTIVE. */
    protective: z.record(z.string(), ProtectiveOverrideSchema).default({}),
    /** The generator's coefficients (families, event rates, services, deaths, written outcome, risk signals). */
    generator: GeneratorSchema,
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.mechanism === 'additive' && s.v2 !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['v2'], message: 'v2 settings contradict mechanism: additive (remove them or set mechanism: v2)' });
    }
    for (const code of Object.keys(s.protective)) {
      if (!PROTECTIVE_CODES.has(code)) ctx.addIssue({ code: 'custom', path: ['protective', code], message: `not a catalogue service (one of ${[...PROTECTIVE_CODES].join(', ')})` });
    }
    const v2 = s.v2;
    if (v2 === undefined) return;
    if (v2.escalation.recentDays >= s.lookbackDays) {
      ctx.addIssue({ code: 'custom', path: ['v2', 'escalation', 'recentDays'], message: `must be below lookbackDays (${s.lookbackDays}): the earlier rate needs a period` });
    }
    if (v2.runs.followUpMinDays > v2.runs.followUpDays) {
      ctx.addIssue({ code: 'custom', path: ['v2', 'runs', 'followUpMinDays'], message: `must be at most followUpDays (${v2.runs.followUpDays})` });
    }
    (v2.order.pairs ?? []).forEach((p, i) => {
      for (const side of ['first', 'second'] as const) {
        if (!KNOWN_CODES.has(p[side].code)) ctx.addIssue({ code: 'custom', path: ['v2', 'order', 'pairs', i, side, 'code'], message: `unknown code "${p[side].code}"` });
      }
      if (p.withinDays > s.lookbackDays) ctx.addIssue({ code: 'custom', path: ['v2', 'order', 'pairs', i, 'withinDays'], message: `must be at most lookbackDays (${s.lookbackDays})` });
    });
  })
  .transform((s) => (s.mechanism === 'v2' ? { ...s, v2: s.v2 ?? V2Schema.parse({}) } : s));
export type Scenario = z.infer<typeof ScenarioSchema>;
export type ScenarioInput = z.input<typeof ScenarioSchema>;

export function resolveScenario(input: ScenarioInput = {}, file = 'scenario'): Scenario {
  const parsed = ScenarioSchema.safeParse(input);
  if (!parsed.success) throw new ServicepathError('CONFIG_INVALID', { file, issues: formatZodIssues(parsed.error) });
  return parsed.data;
}

/**
 * Keys added after truth/effects.json first recorded the resolved scenario (issue 21: the generator's coefficients
 * and a few v2 constants). effects.json records each only where it differs from its default, so a run at the
 * defaults writes the same bytes as before; every other key is recorded in full.
 */
const RECORDED_IF_CHANGED: readonly (readonly string[])[] = [
  ['generator'],
  ['v2', 'escalation', 'smoothing'],
  ['v2', 'runs', 'missedFollowUpCap'],
  ['v2', 'runs', 'followUpShare'],
  ['v2', 'runs', 'followUpMinDays'],
  ['v2', 'strain', 'impulses'],
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const isRecord = (x: unknown): x is Record<string, Json> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The part of `value` that differs from `base` (whole arrays and numbers; objects key by key); undefined when equal. */
function changes(value: Json, base: Json | undefined): Json | undefined {
  if (JSON.stringify(value) === JSON.stringify(base)) return undefined;
  if (!isRecord(value) || !isRecord(base)) return value;
  const out: Record<string, Json> = {};
  for (const [key, v] of Object.entries(value)) {
    const c = changes(v, base[key]);
    if (c !== undefined) out[key] = c;
  }
  return out;
}

/** The scenario as truth/effects.json records it: every key, except RECORDED_IF_CHANGED ones only where changed. */
export function recordedScenario(s: Scenario): Record<string, Json> {
  const out = structuredClone(s) as unknown as Record<string, Json>;
  const defaults = resolveScenario({ mechanism: s.mechanism }) as unknown as Record<string, Json>;
  for (const path of RECORDED_IF_CHANGED) {
    let node: Json | undefined = out;
    let base: Json | undefined = defaults;
    for (const key of path.slice(0, -1)) {
      node = isRecord(node) ? node[key] : undefined;
      base = isRecord(base) ? base[key] : undefined;
    }
    const last = path[path.length - 1]!;
    if (!isRecord(node) || !(last in node)) continue;
    const c = changes(node[last]!, isRecord(base) ? base[last] : undefined);
    if (c === undefined) delete node[last];
    else node[last] = c;
  }
  return out;
}

/** Built-in scenarios a `--scenario` may name instead of a file. */
const NAMED_SCENARIOS: Record<string, ScenarioInput> = { v2: { mechanism: 'v2' }, additive: { mechanism: 'additive' } };

/** Reads a JSON or YAML scenario file (or a built-in name: `v2`, `additive`) and validates it. */
export function loadScenario(file: string): Scenario {
  const named = NAMED_SCENARIOS[file];
  if (named !== undefined) return resolveScenario(named, file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ServicepathError('FILE_NOT_FOUND', { file }, { cause: err });
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new ServicepathError('CONFIG_INVALID', { file, issues: `not valid JSON or YAML: ${(err as Error).message}` }, { cause: err });
  }
  return resolveScenario((data ?? {}) as ScenarioInput, file);
}
