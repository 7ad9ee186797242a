// Simulates one family: latent adversity, parents and children, their true service events, censoring, deaths,
// the child-welfare outcome and recording noise. Pure given its Rng; every rate is documented in
// docs/synthetic-population.md (keep the two in step).
import {
  type ChildTraits,
  FAMILY_RELATIONS,
  type FamilyRelation,
  type ProtectiveService,
  protectiveLogHazard,
  type RiskSignal,
} from './mechanism.js';
import type { Rng } from '../util/random.js';
import { backgroundMediators, type DynamicsInput, type DynamicsRun, replayDynamics, runDynamics } from './dynamics.js';
import { FOLLOW_UP_CODES, type FamilyEvents, lowerBound, type OrderPair, type V2Eta, v2Eta } from './mechanism-v2.js';
import type { V2Settings } from './scenario.js';
import type { Scenario } from './scenario.js';
import { type Code, CODE_SLOTS, codeIndex, eventCode, eventDay, packEvent } from './services.js';

const YEAR_DAYS = 365.25;
const C = (code: Code) => codeIndex(code);
const BIRTH = C('BIRTH');
const OPEN_CARE = C('CW_OPEN_CARE');
const PLACEMENT = C('CW_PLACEMENT');
/** Scheduled child-health clinic visits (child age in days), Finnish neuvola schedule simplified. */
const NEUVOLA_AGES_DAYS = [14, 30, 60, 120, 180, 270, 365, 540, 730, 1095, 1460, 1825, 2190];
const SCHOOL_AGE_DAYS = 2557;

export interface SimContext {
  scenario: Scenario;
  /** First day of data: two years before the first possible birth, so the lookback is always covered. */
  dataStartDay: number;
  /** Extraction date: last day of data. */
  dataEndDay: number;
  birthsFromDay: number;
  birthsToDay: number;
  protective: ProtectiveService[];
  riskTable: Map<number, RiskSignal>;
  /** v2: the ordered pairs in force (the scenario's, or the defaults). */
  orderPairs: readonly OrderPair[];
}

export interface Member {
  role: 'mother' | 'father' | 'child';
  birthDay: number;
  sex: 'F' | 'M';
  obsStartDay: number;
  /** Last observed day: the extraction date, the move or the death, whichever comes first. */
  obsEndDay: number;
  /** Death day when it falls inside the data (else null). */
  deathDay: number | null;
  languageGroup: string;
  /** True events, packed (day * 64 + code), unsorted. */
  events: number[];
  /** Recorded events after noise, packed and sorted (set by recordFamily). */
  recorded: Float64Array;
}

export interface Child {
  member: Member;
  /** The child's own latent factor u ~ N(0,1). */
  u: number;
  traits: ChildTraits;
  indexDay: number;
  /** Outcome recorded on or before the index date (excluded by the task). */
  priorOutcome: boolean;
  /** Alive, observed at index and without a prior outcome: in the task's cohort. */
  eligible: boolean;
  /** Log-hazard part from latent factors and planted risk signals (no protective services). */
  etaRisk: number;
  /** Log-hazard part from the protective services actually received (<= 0). */
  etaProtective: number;
  /** Realised outcome under the task's censoring rule (eligible children only). */
  outcome: 0 | 1 | null;
  /** v2: scheduled clinic-visit days inside the observation (visit or no-show is decided by the dynamics). */
  scheduledVisitDays: number[];
}

export interface Family {
  adversity: number;
  /** The mother's traits in the form the mechanism's modifiers read. */
  motherTraits: ChildTraits;
  area: string;
  members: Member[];
  mother: Member;
  father: Member | null;
  children: Child[];
  /** v2 only: the dynamic layer's input and factual run (for counterfactual replays) and each member's background events. */
  dynamics: { input: DynamicsInput; run: DynamicsRun; background: number[][] } | null;
}

function logistic(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Poisson events at a constant rate over [fromDay, toDay]. */
function poissonSpan(rng: Rng, out: number[], code: number, fromDay: number, toDay: number, ratePerYear: number): void {
  if (toDay < fromDay || ratePerYear <= 0) return;
  const n = rng.poisson((ratePerYear * (toDay - fromDay + 1)) / YEAR_DAYS);
  for (let i = 0; i < n; i++) out.push(packEvent(rng.int(fromDay, toDay), code));
}

/** Benefit spells: a monthly on/off chain; one event per paid month. */
function monthlySpells(rng: Rng, out: number[], code: number, fromDay: number, toDay: number, startPerMonth: number, meanMonths: number): void {
  const endPerMonth = 1 / meanMonths;
  let on = false;
  for (let d = fromDay + rng.int(0, 29); d <= toDay; d += 30) {
    if (on) {
      out.push(packEvent(d, code));
      if (rng.uniform() < endPerMonth) on = false;
    } else if (rng.uniform() < startPerMonth) {
      on = true;
      out.push(packEvent(d, code));
    }
  }
}

function pushIfObserved(out: number[], day: number, code: number, m: Member): void {
  if (day >= m.obsStartDay && day <= m.obsEndDay) out.push(packEvent(day, code));
}

function newMember(role: Member['role'], birthDay: number, sex: 'F' | 'M', languageGroup: string): Member {
  return { role, birthDay, sex, obsStartDay: birthDay, obsEndDay: birthDay, deathDay: null, languageGroup, events: [], recorded: new Float64Array(0) };
}

function setEnd(m: Member, ctx: SimContext, moveDay: number, deathDay: number): void {
  m.obsEndDay = Math.min(ctx.dataEndDay, moveDay, deathDay);
  m.deathDay = deathDay <= m.obsEndDay ? deathDay : null;
}

/** Events every adult has; rates per year, A = family adversity, traits: mental health, substance abuse. */
function adultEvents(rng: Rng, m: Member, s: Scenario, a: number, mh: boolean, sa: boolean, dynamic = false): void {
  const k = s.eventRateScale;
  const cs = s.confoundingScale;
  const [from, to, out] = [m.obsStartDay, m.obsEndDay, m.events];
  poissonSpan(rng, out, C('PHC_VISIT'), from, to, k * 1.1 * Math.exp(0.2 * a));
  // v2 (dynamic): the mother's emergency visits, crises and detoxes respond to strain (dynamics.ts), not drawn here.
  if (!dynamic) poissonSpan(rng, out, C('ER_VISIT'), from, to, k * 0.3 * Math.exp(0.5 * a) * (sa ? 1.6 : 1));
  poissonSpan(rng, out, C('MH_ADULT_VISIT'), from, to, k * (mh ? 4 : 0.15) * Math.exp(0.3 * a));
  if (!dynamic) poissonSpan(rng, out, C('MH_CRISIS'), from, to, k * 0.03 * Math.exp(0.8 * a) * (mh ? 4 : 1));
  poissonSpan(rng, out, C('SUD_VISIT'), from, to, k * (sa ? 3 : 0.03));
  if (!dynamic) poissonSpan(rng, out, C('SUD_DETOX'), from, to, k * (sa ? 0.25 : 0.002));
  poissonSpan(rng, out, C('ADULT_SOCIAL_WORK'), from, to, k * 0.15 * Math.exp(0.9 * a));
  monthlySpells(rng, out, C('UNEMPLOYMENT_BENEFIT'), from, to, k * 0.006 * Math.exp(0.8 * a), 7);
  // Treatments: targeted at the trait (and, through confounding, at adversity).
  poissonSpan(rng, out, C('MH_ADULT_THERAPY'), from, to, k * (mh ? 0.25 : 0.01) * Math.exp(cs * 0.3 * a));
  poissonSpan(rng, out, C('SUD_TREATMENT'), from, to, k * (sa ? 0.25 : 0.003) * Math.exp(cs * 0.3 * a));
}

/** A child's own events before protective services; returns the notification days (they trigger help). */
function childEvents(rng: Rng, child: Child, s: Scenario, a: number, dynamic = false): number[] {
  const m = child.member;
  const k = s.eventRateScale;
  const [b, to, out] = [m.birthDay, m.obsEndDay, m.events];
  const dev = child.traits.childDevelopment;
  out.push(packEvent(b, BIRTH));
  const noShow = Math.min(0.6, 0.04 * Math.exp(0.9 * a));
  for (const age of NEUVOLA_AGES_DAYS) {
    const day = b + Math.max(1, age + rng.int(-10, 10));
    // v2: whether the child comes depends on the family's strain on the day (dynamics.ts).
    if (dynamic) {
      if (day >= m.obsStartDay && day <= m.obsEndDay) child.scheduledVisitDays.push(day);
      continue;
    }
    pushIfObserved(out, day, rng.bernoulli(noShow) ? C('NEUVOLA_NO_SHOW') : C('NEUVOLA_VISIT'), m);
  }
  poissonSpan(rng, out, C('PHC_VISIT'), b, Math.min(to, b + 1460), k * 1.5 * Math.exp(0.15 * a));
  poissonSpan(rng, out, C('PHC_VISIT'), b + 1461, to, k * 3 * Math.exp(0.15 * a));
  poissonSpan(rng, out, C('ER_VISIT'), b, to, k * 0.25 * Math.exp(0.5 * a + 0.2 * child.u));
  poissonSpan(rng, out, C('DEV_CONCERN'), b + 60, Math.min(to, b + 2555), k * (dev ? 0.8 : 0.04) * Math.exp(0.2 * a));
  poissonSpan(rng, out, C('CMH_VISIT'), b + 1460, to, k * 0.15 * Math.exp(0.8 * a + 0.5 * child.u));
  pushIfObserved(out, b + SCHOOL_AGE_DAYS, C('SCHOOL_START'), m);
  poissonSpan(rng, out, C('SCHOOL_SUPPORT'), b + SCHOOL_AGE_DAYS, to, k * 0.12 * Math.exp(0.6 * a) * (dev ? 4 : 1));
  const notifications: number[] = [];
  if (dynamic) return notifications;
  poissonSpan(rng, notifications, C('CW_NOTIFICATION'), b, to, k * 0.05 * Math.exp(1.1 * a + 0.3 * child.u));
  for (const packed of notifications) {
    out.push(packed);
    const day = eventDay(packed) + rng.int(7, 90);
    if (rng.bernoulli(0.7)) pushIfObserved(out, day, C('CW_ASSESSMENT'), m);
  }
  return notifications.map(eventDay).sort((x, y) => x - y);
}

/** Protective services the child receives (self); propensity rises with adversity and recorded signals. */
function childServices(rng: Rng, child: Child, s: Scenario, a: number, notificationDays: number[], dynamic = false): void {
  const m = child.member;
  const k = s.eventRateScale;
  const cs = s.confoundingScale;
  const [b, to, out] = [m.birthDay, m.obsEndDay, m.events];
  // v2: home visits respond to strain and notifications (dynamics.ts).
  if (!dynamic) poissonSpan(rng, out, C('NEUVOLA_HOME_VISIT'), b + 14, Math.min(to, b + 1096), k * 0.12 * Math.exp(cs * 0.9 * a));
  for (const day of notificationDays) {
    if (day - b <= 1096 && rng.bernoulli(0.3)) pushIfObserved(out, day + rng.int(7, 60), C('NEUVOLA_HOME_VISIT'), m);
  }
  let enrolAge = 240 + Math.round(rng.exponential(600 * Math.exp(-cs * 0.5 * a)));
  const firstNotification = notificationDays[0];
  if (firstNotification !== undefined && rng.bernoulli(0.5)) {
    enrolAge = Math.min(enrolAge, Math.max(240, firstNotification - b + rng.int(14, 60)));
  }
  if (enrolAge <= 2555 && b + enrolAge <= to) {
    out.push(packEvent(b + enrolAge, C('EE_ENROL')));
    const support = k * 0.05 * Math.exp(cs * 0.8 * a) * (child.traits.childDevelopment ? 6 : 1);
    poissonSpan(rng, out, C('EE_SUPPORT'), b + Math.max(enrolAge, 365), Math.min(to, b + 2555), support);
  }
}

/** Family-level services recorded to the mother (social work, income support, perinatal care). */
function motherServices(rng: Rng, fam: Family, s: Scenario, notificationDays: number[], dynamic = false): void {
  const m = fam.mother;
  const a = fam.adversity;
  const k = s.eventRateScale;
  const cs = s.confoundingScale;
  const [from, to, out] = [m.obsStartDay, m.obsEndDay, m.events];
  monthlySpells(rng, out, C('INCOME_SUPPORT'), from, to, k * 0.004 * Math.exp(1.2 * a), 8);
  monthlySpells(rng, out, C('HOUSING_ALLOWANCE'), from, to, k * 0.005 * Math.exp(0.8 * a), 20);
  // v2: family work responds to strain and notifications (dynamics.ts).
  if (!dynamic) poissonSpan(rng, out, C('FAMILY_WORK'), from, to, k * 0.03 * Math.exp(cs * 1.0 * a));
  for (const day of notificationDays) {
    if (rng.bernoulli(0.35)) pushIfObserved(out, day + rng.int(14, 120), C('FAMILY_WORK'), m);
  }
  for (const child of fam.children) {
    const b = child.member.birthDay;
    for (let v = 0; v < 4; v++) pushIfObserved(out, b - rng.int(14, 270), C('MATERNITY_CLINIC_VISIT'), m);
    poissonSpan(rng, out, C('HOME_HELP'), b, Math.min(to, b + 548), k * 0.2 * Math.exp(cs * 0.7 * a));
    poissonSpan(rng, out, C('PARENTING_GROUP'), b, Math.min(to, b + 730), k * 0.15 * Math.exp(cs * 0.3 * a));
  }
}

/** Birth days of the children: gaps of 15-50 months, all inside the births window. */
function birthDays(rng: Rng, n: number, ctx: SimContext): number[] {
  const gaps: number[] = [];
  for (let i = 1; i < n; i++) gaps.push(rng.int(450, 1500));
  const windowDays = ctx.birthsToDay - ctx.birthsFromDay;
  let span = gaps.reduce((x, y) => x + y, 0);
  if (span > windowDays) {
    for (let i = 0; i < gaps.length; i++) gaps[i] = Math.floor((gaps[i]! * windowDays) / span);
    span = gaps.reduce((x, y) => x + y, 0);
  }
  const days = [ctx.birthsFromDay + rng.int(0, Math.max(0, windowDays - span))];
  for (const g of gaps) days.push(days[days.length - 1]! + g);
  return days;
}

function language(rng: Rng, a: number): string {
  const u = rng.uniform();
  const other = Math.min(0.4, 0.12 * Math.exp(0.4 * a));
  return u < other ? 'other' : u < other + 0.06 ? 'sv' : 'fi';
}

/**
 * Draws a family with at most `maxPersons` members (1 = a lone adult without children, used to hit --persons
 * exactly). Fills true events, censoring, deaths, the risk and protective log-hazard parts and prior outcomes.
 */
export function simulateFamily(rng: Rng, ctx: SimContext, maxPersons: number): Family {
  const s = ctx.scenario;
  const a = rng.normal();
  const twoParents = maxPersons >= 3 && rng.bernoulli(s.twoParentShare);
  const nChildren = maxPersons < 2 ? 0 : Math.min(1 + rng.pick(s.childrenWeights), maxPersons - (twoParents ? 2 : 1));
  const births = nChildren > 0 ? birthDays(rng, nChildren, ctx) : [ctx.birthsFromDay + rng.int(0, ctx.birthsToDay - ctx.birthsFromDay)];
  const firstBirth = births[0]!;
  const lastBirth = births[births.length - 1]!;
  const lang = language(rng, a);
  const area = `A${String(Math.min(12, Math.max(1, Math.round(6.5 + 2 * a + 2 * rng.normal())))).padStart(2, '0')}`;

  const motherAgeYears = Math.min(42, Math.max(18, 29 - 2 * a + 4 * rng.normal()));
  const mother = newMember('mother', firstBirth - Math.round(motherAgeYears * YEAR_DAYS), 'F', lang);
  const fatherGapYears = Math.max(18 - motherAgeYears, 2 + 3 * rng.normal());
  const father = twoParents ? newMember('father', mother.birthDay - Math.round(fatherGapYears * YEAR_DAYS), 'M', lang) : null;
  const traits = {
    motherMentalHealth: rng.bernoulli(logistic(-2.2 + 0.8 * a)),
    motherSubstanceAbuse: rng.bernoulli(logistic(-3.5 + 1.0 * a)),
    fatherMentalHealth: rng.bernoulli(logistic(-2.6 + 0.7 * a)),
    fatherSubstanceAbuse: rng.bernoulli(logistic(-2.4 + 1.0 * a)),
  };
  const moveDay = s.moveRatePerYear > 0 ? lastBirth + Math.round(rng.exponential(YEAR_DAYS / s.moveRatePerYear)) : Number.POSITIVE_INFINITY;
  const parentArrival = Math.max(ctx.dataStartDay, firstBirth - rng.int(730, 3650));
  for (const [p, sa] of [
    [mother, traits.motherSubstanceAbuse],
    [father, traits.fatherSubstanceAbuse],
  ] as const) {
    if (p === null) continue;
    p.obsStartDay = parentArrival;
    const mortalityPerYear = 0.0015 * Math.exp(0.5 * a) * (sa ? 3 : 1);
    setEnd(p, ctx, moveDay, lastBirth + Math.round(rng.exponential(YEAR_DAYS / mortalityPerYear)));
  }

  const fam: Family = { adversity: a, motherTraits: motherTraits(traits), area, members: father === null ? [mother] : [mother, father], mother, father, children: [], dynamics: null };
  for (let i = 0; i < nChildren; i++) {
    const birth = births[i]!;
    const member = newMember('child', birth, rng.bernoulli(0.49) ? 'F' : 'M', lang);
    const death = rng.bernoulli(0.002) ? birth + rng.int(0, 364) : birth + 365 + Math.round(rng.exponential(YEAR_DAYS / 0.0002));
    setEnd(member, ctx, moveDay, death);
    const u = rng.normal();
    fam.children.push({
      member,
      u,
      traits: {
        motherMentalHealth: traits.motherMentalHealth,
        motherSubstanceAbuse: traits.motherSubstanceAbuse,
        childDevelopment: rng.bernoulli(logistic(-2.0 + 0.7 * a + 1.0 * u)),
      },
      indexDay: birth + s.indexAgeDays,
      priorOutcome: false,
      eligible: false,
      etaRisk: 0,
      etaProtective: 0,
      outcome: null,
      scheduledVisitDays: [],
    });
    fam.members.push(member);
  }

  const dynamic = s.mechanism === 'v2';
  adultEvents(rng, mother, s, a, traits.motherMentalHealth, traits.motherSubstanceAbuse, dynamic);
  if (father !== null) adultEvents(rng, father, s, a, traits.fatherMentalHealth, traits.fatherSubstanceAbuse);
  const allNotifications: number[] = [];
  for (const child of fam.children) {
    const notifications = childEvents(rng, child, s, a, dynamic);
    allNotifications.push(...notifications);
    childServices(rng, child, s, a, notifications, dynamic);
  }
  motherServices(rng, fam, s, allNotifications, dynamic);
  if (dynamic) addDynamics(fam, ctx, rng.nextU32(), motherTraits(traits));

  for (const child of fam.children) {
    const m = child.member;
    // Care before the index age: rarer, adversity-driven; such children leave the cohort (excludePriorOutcome).
    const pPrior = Math.min(0.5, s.preIndexOutcomeRate * Math.exp(0.8 * a - 0.32));
    if (rng.bernoulli(pPrior)) {
      const day = m.birthDay + rng.int(30, s.indexAgeDays);
      if (day <= m.obsEndDay) {
        if (fam.dynamics === null) m.events.push(packEvent(day, OPEN_CARE));
        else insertSorted(m.events, packEvent(day, OPEN_CARE)); // v2 keeps each member's events sorted
        child.priorOutcome = true;
        // v2: prior care is not from the dynamic layer: replays keep it as background.
        if (fam.dynamics !== null) insertSorted(fam.dynamics.background[1 + fam.children.indexOf(child)]!, packEvent(day, OPEN_CARE));
      }
    }
  }
  // Every child's prior care is drawn before any eta: a sibling's care counts in v2.
  for (const child of fam.children) {
    const m = child.member;
    child.eligible = !child.priorOutcome && child.indexDay >= m.obsStartDay && child.indexDay <= m.obsEndDay;
    if (child.eligible) {
      if (dynamic) {
        const eta = v2EtaOf(fam, child, ctx, (m) => m.events);
        child.etaRisk = eta.etaRisk;
        child.etaProtective = eta.protective;
      } else {
        child.etaRisk = riskEta(fam, child, ctx);
        child.etaProtective = factualProtectiveEta(fam, child, ctx);
      }
    }
  }
  return fam;
}

function motherTraits(t: { motherMentalHealth: boolean; motherSubstanceAbuse: boolean }): ChildTraits {
  return { motherMentalHealth: t.motherMentalHealth, motherSubstanceAbuse: t.motherSubstanceAbuse, childDevelopment: false };
}

/** v2: runs the dynamic layer on the family's background events and adds its events (members' events sorted). */
function addDynamics(fam: Family, ctx: SimContext, key: number, mother: ChildTraits): void {
  const dynMembers = [fam.mother, ...fam.children.map((c) => c.member)];
  const background = dynMembers.map((m) => [...m.events].sort((x, y) => x - y));
  const followUps: number[] = [];
  for (const packed of background[0]!) if (FOLLOW_UP_CODES.has(eventCode(packed))) followUps.push(eventDay(packed));
  const input: DynamicsInput = {
    key,
    adversity: fam.adversity,
    members: [
      { obsStartDay: fam.mother.obsStartDay, obsEndDay: fam.mother.obsEndDay, birthDay: fam.mother.birthDay, traits: mother, u: 0, scheduledVisitDays: [] },
      ...fam.children.map((c) => ({ obsStartDay: c.member.obsStartDay, obsEndDay: c.member.obsEndDay, birthDay: c.member.birthDay, traits: c.traits, u: c.u, scheduledVisitDays: c.scheduledVisitDays })),
    ],
    backgroundFollowUps: followUps,
    backgroundMediators: backgroundMediators(background, ctx.protective),
    scenario: ctx.scenario,
    protective: ctx.protective,
  };
  const { events, run } = runDynamics(input);
  dynMembers.forEach((m, i) => {
    m.events = mergeSorted(background[i]!, [...events[i]!].sort((x, y) => x - y));
  });
  fam.dynamics = { input, run, background };
  // The mechanism reads every member's events by binary search: the father's must be sorted too.
  if (fam.father !== null) fam.father.events.sort((x, y) => x - y);
}

function insertSorted(a: number[], x: number): void {
  a.splice(lowerBound(a, x), 0, x);
}

function mergeSorted(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i]! <= b[j]! ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

/** v2 log hazard of `child`, reading each member's (sorted) true events through `eventsOf` (factual or replayed). */
export function v2EtaOf(fam: Family, child: Child, ctx: SimContext, eventsOf: (m: Member) => readonly number[]): V2Eta {
  const s = ctx.scenario;
  const input: FamilyEvents = {
    adversity: fam.adversity,
    mother: { events: eventsOf(fam.mother), traits: fam.motherTraits },
    father: fam.father === null ? null : { events: eventsOf(fam.father) },
    children: fam.children.map((c) => ({ events: eventsOf(c.member), birthDay: c.member.birthDay, u: c.u, traits: c.traits })),
  };
  return v2Eta({
    fam: input,
    child: fam.children.indexOf(child),
    indexDay: child.indexDay,
    lookbackDays: s.lookbackDays,
    adversityHazardCoef: s.adversityHazardCoef,
    childHazardCoef: s.childHazardCoef,
    riskWeightScale: s.riskWeightScale,
    v2: s.v2 as V2Settings,
    riskTable: ctx.riskTable,
    protective: ctx.protective,
    pairs: ctx.orderPairs,
  });
}

/**
 * v2 counterfactual: the focal child's log hazard with `service` started on child age `ageDays` by its receiver,
 * replaying the dynamics from the insertion with the same random numbers (events before it are kept).
 */
export function v2CounterfactualEta(fam: Family, child: Child, ctx: SimContext, service: ProtectiveService, ageDays: number): number {
  const dyn = fam.dynamics as NonNullable<Family['dynamics']>;
  const day = child.member.birthDay + ageDays;
  const memberIndex = service.relation === 'self' ? 1 + fam.children.indexOf(child) : 0;
  const code = codeIndex(service.code);
  const replay = replayDynamics(dyn.input, dyn.run, { day, member: memberIndex, code }, child.indexDay);
  const lo = packEvent(child.indexDay - ctx.scenario.lookbackDays, 0);
  const hi = packEvent(child.indexDay + 1, 0);
  const cut = packEvent(Math.min(replay.fromDay, day), 0);
  const dynMembers = [fam.mother, ...fam.children.map((c) => c.member)];
  const events = new Map<Member, number[]>();
  dynMembers.forEach((m, i) => {
    // The factual events before the replay's start, the background from it on, the replayed ones and the insertion.
    const before = m.events.slice(lowerBound(m.events, lo), lowerBound(m.events, Math.max(lo, cut)));
    const bg = dyn.background[i]!;
    const later = bg.slice(lowerBound(bg, Math.max(lo, cut)), lowerBound(bg, hi));
    for (const packed of replay.events[i]!) if (packed >= cut && packed < hi) later.push(packed);
    if (i === memberIndex) later.push(packEvent(day, code));
    events.set(m, before.concat(later.sort((x, y) => x - y)));
  });
  const eta = v2EtaOf(fam, child, ctx, (m) => events.get(m) ?? m.events);
  return eta.etaRisk + eta.protective;
}


function relationOf(fam: Family, child: Child, m: Member): FamilyRelation {
  if (m === child.member) return 'self';
  if (m === fam.mother) return 'mother';
  if (m === fam.father) return 'father';
  return 'sibling';
}

/** Latent part + planted risk signals counted on the true events of the child and relatives in the lookback. */
export function riskEta(fam: Family, child: Child, ctx: SimContext): number {
  const s = ctx.scenario;
  const from = child.indexDay - s.lookbackDays;
  const counts = new Map<number, number>();
  for (const m of fam.members) {
    const rel = FAMILY_RELATIONS.indexOf(relationOf(fam, child, m)) * CODE_SLOTS;
    for (const packed of m.events) {
      const day = eventDay(packed);
      if (day < from || day > child.indexDay) continue;
      const key = rel + eventCode(packed);
      if (ctx.riskTable.has(key)) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  let eta = s.adversityHazardCoef * fam.adversity + s.childHazardCoef * child.u;
  for (const [key, n] of counts) {
    const sig = ctx.riskTable.get(key)!;
    eta += s.riskWeightScale * sig.weight * Math.min(n, sig.cap);
  }
  return eta;
}

/** Sum of the protective effects of the catalogue services actually received at child ages [0, index]. */
export function factualProtectiveEta(fam: Family, child: Child, ctx: SimContext): number {
  let eta = 0;
  const b = child.member.birthDay;
  const indexAge = ctx.scenario.indexAgeDays;
  for (const service of ctx.protective) {
    const receiver = service.relation === 'self' ? child.member : fam.mother;
    const code = codeIndex(service.code);
    for (const packed of receiver.events) {
      const age = eventDay(packed) - b;
      if (eventCode(packed) === code && age >= 0 && age <= indexAge) eta += protectiveLogHazard(service, age, child.traits);
    }
  }
  return eta;
}

/**
 * Draws each eligible child's outcome from the constant daily hazard exp(logBase + eta) after the index date,
 * writes the recorded outcome events and sets the realised outcome under the `exclude` censoring rule.
 */
export function realiseOutcomes(rng: Rng, fam: Family, ctx: SimContext, logBaseHazardPerDay: number): void {
  const horizon = ctx.scenario.horizonDays;
  for (const child of fam.children) {
    if (!child.eligible) continue;
    const m = child.member;
    const hazardPerDay = Math.exp(logBaseHazardPerDay + child.etaRisk + child.etaProtective);
    const waitDays = rng.exponential(1 / hazardPerDay);
    const outcomeDay = waitDays < 1e6 ? child.indexDay + Math.max(1, Math.ceil(waitDays)) : Number.POSITIVE_INFINITY;
    const isPlacement = rng.bernoulli(0.2);
    const laterPlacement = rng.bernoulli(0.15);
    const laterGap = rng.int(30, 700);
    if (outcomeDay <= m.obsEndDay) {
      m.events.push(packEvent(outcomeDay, isPlacement ? PLACEMENT : OPEN_CARE));
      if (!isPlacement && laterPlacement && outcomeDay + laterGap <= m.obsEndDay) m.events.push(packEvent(outcomeDay + laterGap, PLACEMENT));
    }
    if (outcomeDay <= child.indexDay + horizon && outcomeDay <= m.obsEndDay) child.outcome = 1;
    else child.outcome = m.obsEndDay >= child.indexDay + horizon ? 0 : null;
  }
}

/**
 * Recording noise on every event except births and outcome codes: missing (dropped), duplicated (an exact
 * second row) or late (moved 1..lateMaxDays days later, kept inside the observation period). Sorts the result.
 */
export function recordFamily(rng: Rng, fam: Family, s: Scenario): void {
  const { missingRate, duplicateRate, lateRate, lateMaxDays } = s.noise;
  for (const m of fam.members) {
    const out: number[] = [];
    for (const packed of m.events) {
      const code = eventCode(packed);
      if (code === BIRTH || code === OPEN_CARE || code === PLACEMENT) {
        out.push(packed);
        continue;
      }
      const u = rng.uniform();
      if (u < missingRate) continue;
      if (u < missingRate + duplicateRate) {
        out.push(packed, packed);
      } else if (u < missingRate + duplicateRate + lateRate) {
        const late = eventDay(packed) + rng.int(1, lateMaxDays);
        out.push(late <= m.obsEndDay ? packEvent(late, code) : packed);
      } else {
        out.push(packed);
      }
    }
    m.recorded = Float64Array.from(out).sort();
  }
}

/** Relation of each family member as seen from the child (for the recorded path). */
export function relativesOf(fam: Family, child: Child): { relation: FamilyRelation; member: Member }[] {
  return fam.members.map((m) => ({ relation: relationOf(fam, child, m), member: m }));
}
