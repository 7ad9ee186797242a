// Simulates one family: latent adversity, parents and children, their true service events, censoring, deaths,
// the child-welfare outcome and recording noise. Pure given its Rng; every rate is a scenario key (scenario.ts,
// mostly under `generator`), listed with its default in docs/synthetic-population.md (a test holds the two in step).
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

export interface SimContext {
  scenario: Scenario;
  /** First day of data: two years before the first possible birth, so the lookback is always covered. */
  dataStartDay: number;
  /** Extraction date: last day of data. */
  dataEndDay: number;
  birthsFromDay: number;
  birthsToDay: number;
  protective: ProtectiveService[];
  /** The planted risk signals in force (the scenario's `generator.riskSignals`) and their lookup table. */
  riskSignals: readonly RiskSignal[];
  riskTable: Map<number, RiskSignal>;
  /** v2: the ordered pairs in force (the scenario's, or the defaults). */
  orderPairs: readonly OrderPair[];
}

interface Member {
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

/** Events every adult has (`generator.adult`); rates per year, A = family adversity, traits: mental health, substance abuse. */
function adultEvents(rng: Rng, m: Member, s: Scenario, a: number, mh: boolean, sa: boolean, dynamic = false): void {
  const k = s.eventRateScale;
  const cs = s.confoundingScale;
  const g = s.generator.adult;
  const { MH_ADULT_THERAPY: therapy, SUD_TREATMENT: treatment } = s.generator.services;
  const [from, to, out] = [m.obsStartDay, m.obsEndDay, m.events];
  poissonSpan(rng, out, C('PHC_VISIT'), from, to, k * g.PHC_VISIT.perYear * Math.exp(g.PHC_VISIT.adversity * a));
  // v2 (dynamic): the mother's emergency visits, crises and detoxes respond to strain (dynamics.ts), not drawn here.
  if (!dynamic) poissonSpan(rng, out, C('ER_VISIT'), from, to, k * g.ER_VISIT.perYear * Math.exp(g.ER_VISIT.adversity * a) * (sa ? g.ER_VISIT.substanceAbuseMultiplier : 1));
  poissonSpan(rng, out, C('MH_ADULT_VISIT'), from, to, k * (mh ? g.MH_ADULT_VISIT.withTrait : g.MH_ADULT_VISIT.perYear) * Math.exp(g.MH_ADULT_VISIT.adversity * a));
  if (!dynamic) poissonSpan(rng, out, C('MH_CRISIS'), from, to, k * g.MH_CRISIS.perYear * Math.exp(g.MH_CRISIS.adversity * a) * (mh ? g.MH_CRISIS.traitMultiplier : 1));
  poissonSpan(rng, out, C('SUD_VISIT'), from, to, k * (sa ? g.SUD_VISIT.withTrait : g.SUD_VISIT.perYear));
  if (!dynamic) poissonSpan(rng, out, C('SUD_DETOX'), from, to, k * (sa ? g.SUD_DETOX.withTrait : g.SUD_DETOX.perYear));
  poissonSpan(rng, out, C('ADULT_SOCIAL_WORK'), from, to, k * g.ADULT_SOCIAL_WORK.perYear * Math.exp(g.ADULT_SOCIAL_WORK.adversity * a));
  const benefit = g.UNEMPLOYMENT_BENEFIT;
  monthlySpells(rng, out, C('UNEMPLOYMENT_BENEFIT'), from, to, k * benefit.startPerMonth * Math.exp(benefit.adversity * a), benefit.meanMonths);
  // Treatments: targeted at the trait (and, through confounding, at adversity).
  poissonSpan(rng, out, C('MH_ADULT_THERAPY'), from, to, k * (mh ? therapy.withTrait : therapy.perYear) * Math.exp(cs * therapy.adversity * a));
  poissonSpan(rng, out, C('SUD_TREATMENT'), from, to, k * (sa ? treatment.withTrait : treatment.perYear) * Math.exp(cs * treatment.adversity * a));
}

/** A child's own events before protective services; returns the notification days (they trigger help). */
function childEvents(rng: Rng, child: Child, s: Scenario, a: number, dynamic = false): number[] {
  const m = child.member;
  const k = s.eventRateScale;
  const g = s.generator.child;
  const [b, to, out] = [m.birthDay, m.obsEndDay, m.events];
  const dev = child.traits.childDevelopment;
  out.push(packEvent(b, BIRTH));
  const noShow = Math.min(g.NEUVOLA_NO_SHOW.maxShare, g.NEUVOLA_NO_SHOW.share * Math.exp(g.NEUVOLA_NO_SHOW.adversity * a));
  const jitter = g.NEUVOLA_VISIT.jitterDays;
  for (const age of g.NEUVOLA_VISIT.agesDays) {
    const day = b + Math.max(1, age + rng.int(-jitter, jitter));
    // v2: whether the child comes depends on the family's strain on the day (dynamics.ts).
    if (dynamic) {
      if (day >= m.obsStartDay && day <= m.obsEndDay) child.scheduledVisitDays.push(day);
      continue;
    }
    pushIfObserved(out, day, rng.bernoulli(noShow) ? C('NEUVOLA_NO_SHOW') : C('NEUVOLA_VISIT'), m);
  }
  const phc = g.PHC_VISIT;
  poissonSpan(rng, out, C('PHC_VISIT'), b, Math.min(to, b + phc.switchAgeDays), k * phc.perYear * Math.exp(phc.adversity * a));
  poissonSpan(rng, out, C('PHC_VISIT'), b + (phc.switchAgeDays + 1), to, k * phc.laterPerYear * Math.exp(phc.adversity * a));
  poissonSpan(rng, out, C('ER_VISIT'), b, to, k * g.ER_VISIT.perYear * Math.exp(g.ER_VISIT.adversity * a + g.ER_VISIT.childFactor * child.u));
  const concern = g.DEV_CONCERN;
  poissonSpan(rng, out, C('DEV_CONCERN'), b + concern.fromAgeDays, Math.min(to, b + concern.toAgeDays), k * (dev ? concern.withTrait : concern.perYear) * Math.exp(concern.adversity * a));
  const cmh = g.CMH_VISIT;
  poissonSpan(rng, out, C('CMH_VISIT'), b + cmh.fromAgeDays, to, k * cmh.perYear * Math.exp(cmh.adversity * a + cmh.childFactor * child.u));
  const school = g.SCHOOL_START.ageDays;
  pushIfObserved(out, b + school, C('SCHOOL_START'), m);
  poissonSpan(rng, out, C('SCHOOL_SUPPORT'), b + school, to, k * g.SCHOOL_SUPPORT.perYear * Math.exp(g.SCHOOL_SUPPORT.adversity * a) * (dev ? g.SCHOOL_SUPPORT.traitMultiplier : 1));
  const notifications: number[] = [];
  if (dynamic) return notifications;
  const cw = g.CW_NOTIFICATION;
  poissonSpan(rng, notifications, C('CW_NOTIFICATION'), b, to, k * cw.perYear * Math.exp(cw.adversity * a + cw.childFactor * child.u));
  const assessment = g.CW_ASSESSMENT;
  for (const packed of notifications) {
    out.push(packed);
    const day = eventDay(packed) + rng.int(assessment.minDays, assessment.maxDays);
    if (rng.bernoulli(assessment.share)) pushIfObserved(out, day, C('CW_ASSESSMENT'), m);
  }
  return notifications.map(eventDay).sort((x, y) => x - y);
}

/** Protective services the child receives (self); propensity rises with adversity and recorded signals. */
function childServices(rng: Rng, child: Child, s: Scenario, a: number, notificationDays: number[], dynamic = false): void {
  const m = child.member;
  const k = s.eventRateScale;
  const cs = s.confoundingScale;
  const { NEUVOLA_HOME_VISIT: home, EE_ENROL: enrol, EE_SUPPORT: ee } = s.generator.services;
  const [b, to, out] = [m.birthDay, m.obsEndDay, m.events];
  // v2: home visits respond to strain and notifications (dynamics.ts).
  if (!dynamic) poissonSpan(rng, out, C('NEUVOLA_HOME_VISIT'), b + home.fromAgeDays, Math.min(to, b + home.toAgeDays), k * home.perYear * Math.exp(cs * home.adversity * a));
  const homeAfter = home.afterNotification;
  for (const day of notificationDays) {
    if (day - b <= home.toAgeDays && rng.bernoulli(homeAfter.share)) pushIfObserved(out, day + rng.int(homeAfter.minDays, homeAfter.maxDays), C('NEUVOLA_HOME_VISIT'), m);
  }
  let enrolAge = enrol.fromAgeDays + Math.round(rng.exponential(enrol.meanWaitDays * Math.exp(cs * enrol.waitAdversity * a)));
  const firstNotification = notificationDays[0];
  const enrolAfter = enrol.afterNotification;
  if (firstNotification !== undefined && rng.bernoulli(enrolAfter.share)) {
    enrolAge = Math.min(enrolAge, Math.max(enrol.fromAgeDays, firstNotification - b + rng.int(enrolAfter.minDays, enrolAfter.maxDays)));
  }
  if (enrolAge <= enrol.toAgeDays && b + enrolAge <= to) {
    out.push(packEvent(b + enrolAge, C('EE_ENROL')));
    const support = k * ee.perYear * Math.exp(cs * ee.adversity * a) * (child.traits.childDevelopment ? ee.traitMultiplier : 1);
    poissonSpan(rng, out, C('EE_SUPPORT'), b + Math.max(enrolAge, ee.fromAgeDays), Math.min(to, b + ee.toAgeDays), support);
  }
}

/** Family-level services recorded to the mother (social work, income support, perinatal care). */
function motherServices(rng: Rng, fam: Family, s: Scenario, notificationDays: number[], dynamic = false): void {
  const m = fam.mother;
  const a = fam.adversity;
  const k = s.eventRateScale;
  const cs = s.confoundingScale;
  const { INCOME_SUPPORT: income, HOUSING_ALLOWANCE: housing, MATERNITY_CLINIC_VISIT: maternity } = s.generator.mother;
  const { FAMILY_WORK: work, HOME_HELP: help, PARENTING_GROUP: group } = s.generator.services;
  const [from, to, out] = [m.obsStartDay, m.obsEndDay, m.events];
  monthlySpells(rng, out, C('INCOME_SUPPORT'), from, to, k * income.startPerMonth * Math.exp(income.adversity * a), income.meanMonths);
  monthlySpells(rng, out, C('HOUSING_ALLOWANCE'), from, to, k * housing.startPerMonth * Math.exp(housing.adversity * a), housing.meanMonths);
  // v2: family work responds to strain and notifications (dynamics.ts).
  if (!dynamic) poissonSpan(rng, out, C('FAMILY_WORK'), from, to, k * work.perYear * Math.exp(cs * work.adversity * a));
  const workAfter = work.afterNotification;
  for (const day of notificationDays) {
    if (rng.bernoulli(workAfter.share)) pushIfObserved(out, day + rng.int(workAfter.minDays, workAfter.maxDays), C('FAMILY_WORK'), m);
  }
  for (const child of fam.children) {
    const b = child.member.birthDay;
    for (let v = 0; v < maternity.visits; v++) pushIfObserved(out, b - rng.int(maternity.minDays, maternity.maxDays), C('MATERNITY_CLINIC_VISIT'), m);
    poissonSpan(rng, out, C('HOME_HELP'), b, Math.min(to, b + help.daysAfterBirth), k * help.perYear * Math.exp(cs * help.adversity * a));
    poissonSpan(rng, out, C('PARENTING_GROUP'), b, Math.min(to, b + group.daysAfterBirth), k * group.perYear * Math.exp(cs * group.adversity * a));
  }
}

/** Birth days of the children: gaps of `family.birthGapDays` (15-50 months), all inside the births window. */
function birthDays(rng: Rng, n: number, ctx: SimContext): number[] {
  const gap = ctx.scenario.generator.family.birthGapDays;
  const gaps: number[] = [];
  for (let i = 1; i < n; i++) gaps.push(rng.int(gap.minDays, gap.maxDays));
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

function language(rng: Rng, a: number, l: Scenario['generator']['family']['language']): string {
  const u = rng.uniform();
  const other = Math.min(l.otherMaxShare, l.otherShare * Math.exp(l.otherAdversity * a));
  return u < other ? 'other' : u < other + l.svShare ? 'sv' : 'fi';
}

/**
 * Draws a family with at most `maxPersons` members (1 = a lone adult without children, used to hit --persons
 * exactly). Fills true events, censoring, deaths, the risk and protective log-hazard parts and prior outcomes.
 */
export function simulateFamily(rng: Rng, ctx: SimContext, maxPersons: number): Family {
  const s = ctx.scenario;
  const g = s.generator;
  const a = rng.normal();
  const twoParents = maxPersons >= 3 && rng.bernoulli(s.twoParentShare);
  const nChildren = maxPersons < 2 ? 0 : Math.min(1 + rng.pick(s.childrenWeights), maxPersons - (twoParents ? 2 : 1));
  const births = nChildren > 0 ? birthDays(rng, nChildren, ctx) : [ctx.birthsFromDay + rng.int(0, ctx.birthsToDay - ctx.birthsFromDay)];
  const firstBirth = births[0]!;
  const lastBirth = births[births.length - 1]!;
  const lang = language(rng, a, g.family.language);
  const areas = g.family.area;
  const area = `A${String(Math.min(areas.count, Math.max(1, Math.round((areas.count + 1) / 2 + areas.adversity * a + areas.sd * rng.normal())))).padStart(2, '0')}`;

  const ma = g.family.motherAge;
  const motherAgeYears = Math.min(ma.maxYears, Math.max(ma.minYears, ma.meanYears + ma.adversityYears * a + ma.sdYears * rng.normal()));
  const mother = newMember('mother', firstBirth - Math.round(motherAgeYears * YEAR_DAYS), 'F', lang);
  const fa = g.family.fatherAge;
  const fatherGapYears = Math.max(fa.minYears - motherAgeYears, fa.gapYears + fa.gapSdYears * rng.normal());
  const father = twoParents ? newMember('father', mother.birthDay - Math.round(fatherGapYears * YEAR_DAYS), 'M', lang) : null;
  const t = g.traits;
  const traits = {
    motherMentalHealth: rng.bernoulli(logistic(t.motherMentalHealth.intercept + t.motherMentalHealth.adversity * a)),
    motherSubstanceAbuse: rng.bernoulli(logistic(t.motherSubstanceAbuse.intercept + t.motherSubstanceAbuse.adversity * a)),
    fatherMentalHealth: rng.bernoulli(logistic(t.fatherMentalHealth.intercept + t.fatherMentalHealth.adversity * a)),
    fatherSubstanceAbuse: rng.bernoulli(logistic(t.fatherSubstanceAbuse.intercept + t.fatherSubstanceAbuse.adversity * a)),
  };
  const moveDay = s.moveRatePerYear > 0 ? lastBirth + Math.round(rng.exponential(YEAR_DAYS / s.moveRatePerYear)) : Number.POSITIVE_INFINITY;
  const parentArrival = Math.max(ctx.dataStartDay, firstBirth - rng.int(g.family.parentArrivalDays.minDays, g.family.parentArrivalDays.maxDays));
  const deaths = g.deaths;
  for (const [p, sa] of [
    [mother, traits.motherSubstanceAbuse],
    [father, traits.fatherSubstanceAbuse],
  ] as const) {
    if (p === null) continue;
    p.obsStartDay = parentArrival;
    const mortalityPerYear = deaths.parentPerYear * Math.exp(deaths.parentAdversity * a) * (sa ? deaths.substanceAbuseMultiplier : 1);
    setEnd(p, ctx, moveDay, lastBirth + Math.round(rng.exponential(YEAR_DAYS / mortalityPerYear)));
  }

  const fam: Family = { adversity: a, motherTraits: motherTraits(traits), area, members: father === null ? [mother] : [mother, father], mother, father, children: [], dynamics: null };
  for (let i = 0; i < nChildren; i++) {
    const birth = births[i]!;
    const member = newMember('child', birth, rng.bernoulli(g.family.girlShare) ? 'F' : 'M', lang);
    const death = rng.bernoulli(deaths.childFirstYearShare) ? birth + rng.int(0, 364) : birth + 365 + Math.round(rng.exponential(YEAR_DAYS / deaths.childPerYear));
    setEnd(member, ctx, moveDay, death);
    const u = rng.normal();
    fam.children.push({
      member,
      u,
      traits: {
        motherMentalHealth: traits.motherMentalHealth,
        motherSubstanceAbuse: traits.motherSubstanceAbuse,
        childDevelopment: rng.bernoulli(logistic(t.childDevelopment.intercept + t.childDevelopment.adversity * a + t.childDevelopment.childFactor * u)),
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
    const o = g.outcome;
    const pPrior = Math.min(o.priorMaxShare, s.preIndexOutcomeRate * Math.exp(o.priorAdversity * a - o.priorCentring));
    if (rng.bernoulli(pPrior)) {
      const day = m.birthDay + rng.int(o.priorFromAgeDays, s.indexAgeDays);
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
function v2EtaOf(fam: Family, child: Child, ctx: SimContext, eventsOf: (m: Member) => readonly number[]): V2Eta {
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
function riskEta(fam: Family, child: Child, ctx: SimContext): number {
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
function factualProtectiveEta(fam: Family, child: Child, ctx: SimContext): number {
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
  const o = ctx.scenario.generator.outcome;
  for (const child of fam.children) {
    if (!child.eligible) continue;
    const m = child.member;
    const hazardPerDay = Math.exp(logBaseHazardPerDay + child.etaRisk + child.etaProtective);
    const waitDays = rng.exponential(1 / hazardPerDay);
    const outcomeDay = waitDays < 1e6 ? child.indexDay + Math.max(1, Math.ceil(waitDays)) : Number.POSITIVE_INFINITY;
    const isPlacement = rng.bernoulli(o.placementShare);
    const laterPlacement = rng.bernoulli(o.laterPlacementShare);
    const laterGap = rng.int(o.laterPlacementDays.minDays, o.laterPlacementDays.maxDays);
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
