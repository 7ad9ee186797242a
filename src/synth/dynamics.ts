// The v2 dynamic layer: the events that respond to the family's latent strain (the mother's crises, detoxes and
// emergency visits, the children's notifications and missed clinic visits) and the services that respond to them
// (home visits, family work), simulated in 14-day steps in time order. Every draw is a counter-based uniform of
// (family key, slot, step), so a replay with a service inserted uses the same random numbers (common random numbers):
// events before the insertion stay as they were and later ones change only where the service changes them.
// docs/synthetic-population.md "Mechanism v2".
import { mix32 } from '../util/random.js';
import { FOLLOW_UP_CODES, hasFollowUp, impulseDamping, StrainTracker, servicesByCode, strainImpulse } from './mechanism-v2.js';
import { type ChildTraits, modifierFactor, type ProtectiveService } from './mechanism.js';
import type { Scenario, V2Settings } from './scenario.js';
import { type Code, codeIndex, eventCode, eventDay, packEvent } from './services.js';

export const STEP_DAYS = 14;
const YEAR_DAYS = 365.25;
const C = (code: Code) => codeIndex(code);
const CRISIS = C('MH_CRISIS');
const DETOX = C('SUD_DETOX');
const ER = C('ER_VISIT');
const MH_VISIT = C('MH_ADULT_VISIT');
const FAMILY_WORK = C('FAMILY_WORK');
const HOME_VISIT = C('NEUVOLA_HOME_VISIT');
const NOTIFICATION = C('CW_NOTIFICATION');
const ASSESSMENT = C('CW_ASSESSMENT');
const VISIT = C('NEUVOLA_VISIT');
const NO_SHOW = C('NEUVOLA_NO_SHOW');
/** Item code of a crisis follow-up check (not an event). */
const CHECK = -1;


/** Counter-based uniform in [0, 1) of (key, slot, n): no state, so any step can be replayed. */
export function crnUniform(key: number, slot: number, n: number): number {
  const h = mix32(key ^ Math.imul(slot + 1, 0x9e3779b1));
  return mix32(h ^ Math.imul(n + 1, 0x85ebca77)) / 4294967296;
}

/** One member of the dynamic layer (index 0 is the mother, 1 + i child i). */
interface DynMember {
  obsStartDay: number;
  obsEndDay: number;
  birthDay: number;
  traits: ChildTraits;
  /** Child only: own latent factor u. */
  u: number;
  /** Child only: scheduled clinic-visit days (visit or no-show is decided here). */
  scheduledVisitDays: readonly number[];
}

export interface DynamicsInput {
  key: number;
  adversity: number;
  members: readonly DynMember[];
  /** The mother's background crisis follow-ups (mental-health visits, therapy), ascending days. */
  backgroundFollowUps: readonly number[];
  /** Background starts of catalogue services by their receivers, as (day, member, code), ascending. */
  backgroundMediators: readonly Mediator[];
  scenario: Scenario;
  protective: readonly ProtectiveService[];
}

interface Mediator {
  day: number;
  member: number;
  code: number;
}

/** An item the layer created: an event of a member, or a crisis follow-up check (code -1) due on `day`. */
interface Item {
  day: number;
  member: number;
  code: number;
  step: number;
}

/** The factual run: every created item and, per step, what a replay needs to restart there. */
export interface DynamicsRun {
  t0: number;
  steps: number;
  items: Item[];
  /** Per step start: strain tracker (value, day), created items so far, processed mediators so far. */
  snapValue: Float64Array;
  snapDay: Float64Array;
  snapItems: Int32Array;
  snapMediators: Int32Array;
  /** Mediators in the order they were processed (background, dynamic, inserted), with their factor. */
  mediators: { day: number; factor: number }[];
  /** The mother's dynamic crisis follow-up days, ascending. */
  followUps: number[];
}

interface State {
  tracker: StrainTracker;
  pending: Item[];
  /** Processed mediators (day, trait factor), ascending days. */
  mediators: { day: number; factor: number }[];
  /** Index of the next background mediator. */
  bgNext: number;
  /** Dynamic follow-up visit days of the mother processed so far. */
  followUps: number[];
  /** Processed dynamic events per member (packed). */
  events: number[][];
}

function mediatorFactor(input: DynamicsInput, services: Map<number, ProtectiveService>, m: Mediator): number {
  const p = services.get(m.code);
  return p === undefined ? 0 : modifierFactor(p, input.members[m.member]!.traits);
}

/** The first step start and the number of steps that cover every member's observation. */
function span(input: DynamicsInput): { t0: number; steps: number } {
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const m of input.members) {
    from = Math.min(from, m.obsStartDay);
    to = Math.max(to, m.obsEndDay);
  }
  return { t0: from, steps: Math.max(0, Math.ceil((to - from + 1) / STEP_DAYS)) };
}

/** Probability of an event in one step at a yearly rate: rate * 14 / 365.25, at most 1 (one event a step at most). */
const STEP_YEARS = STEP_DAYS / YEAR_DAYS;
const stepProbability = (ratePerYear: number) => Math.min(1, ratePerYear * STEP_YEARS);

function observed(m: DynMember, day: number): boolean {
  return day >= m.obsStartDay && day <= m.obsEndDay;
}

/** Runs steps [fromStep, ...) while the step starts on or before untilDay; records snapshots when `run` is given. */
function simulate(input: DynamicsInput, state: State, t0: number, fromStep: number, untilDay: number, run: DynamicsRun | null, items: Item[], inserted: Mediator | null): void {
  const s = input.scenario;
  const v2 = s.v2 as V2Settings;
  const g = s.generator;
  const k = s.eventRateScale;
  const cs = s.confoundingScale;
  const a = input.adversity;
  const gamma = v2.confounding.gamma;
  const trigger = Math.min(1, gamma);
  const key = input.key;
  const mother = input.members[0]!;
  const F = v2.runs.followUpDays;
  const F0 = v2.runs.followUpMinDays;
  const [crisis, detox, er] = [g.adult.MH_CRISIS, g.adult.SUD_DETOX, g.adult.ER_VISIT];
  const [notification, assessment, noShowRate] = [g.child.CW_NOTIFICATION, g.child.CW_ASSESSMENT, g.child.NEUVOLA_NO_SHOW];
  const [homeVisit, familyWork] = [g.services.NEUVOLA_HOME_VISIT, g.services.FAMILY_WORK];
  const [homeAfter, workAfter] = [homeVisit.afterNotification, familyWork.afterNotification];
  let pendingMediator = inserted;
  const services = servicesByCode(input.protective);
  for (let step = fromStep; ; step++) {
    const d = t0 + step * STEP_DAYS;
    if (d > untilDay || (run !== null && step >= run.steps)) break;
    if (run !== null) {
      run.snapValue[step] = state.tracker.value;
      run.snapDay[step] = state.tracker.day;
      run.snapItems[step] = items.length;
      run.snapMediators[step] = state.mediators.length;
    }
    const strain = v2.strain.enabled ? state.tracker.valueAt(d) : 0;
    let support = 0;
    if (v2.mediation.enabled) {
      for (let i = state.mediators.length - 1; i >= 0; i--) {
        const m = state.mediators[i]!;
        if (m.day <= d - v2.mediation.days) break;
        support = Math.max(support, m.factor);
      }
    }
    const riskMult = Math.exp(Math.min(v2.strain.maxRateLog, v2.strain.rateCoef * strain) - v2.mediation.logRateReduction * support);
    const serviceMult = Math.exp(gamma * strain);
    const end = d + STEP_DAYS;
    const created: Item[] = [];
    const add = (day: number, member: number, code: number) => {
      const item = { day, member, code, step };
      items.push(item);
      created.push(item);
    };
    const u = (slot: number) => crnUniform(key, slot, step);
    // The mother.
    if (d <= mother.obsEndDay && end > mother.obsStartDay) {
      const mh = mother.traits.motherMentalHealth;
      const sa = mother.traits.motherSubstanceAbuse;
      if (u(0) < stepProbability(k * crisis.perYear * Math.exp(crisis.adversity * a) * (mh ? crisis.traitMultiplier : 1) * riskMult)) {
        const day = d + Math.floor(u(1) * STEP_DAYS);
        if (observed(mother, day)) {
          add(day, 0, CRISIS);
          if (u(2) < v2.runs.followUpShare) add(day + F0 + Math.floor(u(3) * (F - F0 + 1)), 0, MH_VISIT);
          add(day + F, 0, CHECK);
        }
      }
      if (u(4) < stepProbability(k * (sa ? detox.withTrait : detox.perYear) * riskMult)) add(d + Math.floor(u(5) * STEP_DAYS), 0, DETOX);
      if (u(6) < stepProbability(k * er.perYear * Math.exp(er.adversity * a) * (sa ? er.substanceAbuseMultiplier : 1) * riskMult)) add(d + Math.floor(u(7) * STEP_DAYS), 0, ER);
      if (u(8) < stepProbability(k * familyWork.perYear * Math.exp(cs * familyWork.adversity * a) * serviceMult)) add(d + Math.floor(u(9) * STEP_DAYS), 0, FAMILY_WORK);
    }
    // The children.
    for (let c = 1; c < input.members.length; c++) {
      const m = input.members[c]!;
      if (d > m.obsEndDay || end <= m.birthDay) continue;
      const base = 16 * c;
      if (u(base) < stepProbability(k * notification.perYear * Math.exp(notification.adversity * a + notification.childFactor * m.u) * riskMult)) {
        const day = d + Math.floor(u(base + 1) * STEP_DAYS);
        add(day, c, NOTIFICATION);
        if (u(base + 2) < assessment.share) add(day + assessment.minDays + Math.floor(u(base + 3) * (assessment.maxDays - assessment.minDays + 1)), c, ASSESSMENT);
        if (day - m.birthDay <= homeVisit.toAgeDays && u(base + 4) < homeAfter.share * trigger) {
          add(day + homeAfter.minDays + Math.floor(u(base + 5) * (homeAfter.maxDays - homeAfter.minDays + 1)), c, HOME_VISIT);
        }
        if (u(base + 6) < workAfter.share * trigger) add(day + workAfter.minDays + Math.floor(u(base + 7) * (workAfter.maxDays - workAfter.minDays + 1)), 0, FAMILY_WORK);
      }
      const age = d - m.birthDay;
      // From birth (the background generator of `additive` starts home visits at fromAgeDays).
      if (age >= 0 && age <= homeVisit.toAgeDays && u(base + 8) < stepProbability(k * homeVisit.perYear * Math.exp(cs * homeVisit.adversity * a) * serviceMult)) {
        add(d + Math.floor(u(base + 9) * STEP_DAYS), c, HOME_VISIT);
      }
      const visits = m.scheduledVisitDays;
      if (visits.length > 0 && visits[0]! < end && visits[visits.length - 1]! >= d) {
        const noShow = Math.min(noShowRate.maxShare, noShowRate.share * Math.exp(noShowRate.adversity * a) * riskMult);
        for (let v = 0; v < visits.length; v++) {
          const day = visits[v]!;
          if (day >= d && day < end) add(day, c, crnUniform(key, base + 10, v) < noShow ? NO_SHOW : VISIT);
        }
      }
    }
    // Process this step's items in day order: events, then checks, then mediators.
    const due: Item[] = [];
    for (const item of created) (item.day >= end ? state.pending : due).push(item);
    if (state.pending.length > 0) {
      let keep = 0;
      for (const item of state.pending) {
        if (item.day < end && item.step < step) due.push(item);
        else state.pending[keep++] = item;
      }
      state.pending.length = keep;
    }
    const mediators: Mediator[] = [];
    while (state.bgNext < input.backgroundMediators.length && input.backgroundMediators[state.bgNext]!.day < end) mediators.push(input.backgroundMediators[state.bgNext++]!);
    if (pendingMediator !== null && pendingMediator.day < end) {
      mediators.push(pendingMediator);
      pendingMediator = null;
    }
    const order = (i: Item) => (i.code === CHECK ? 1 : 0);
    const addImpulse = (day: number, impulse: number) => state.tracker.add({ day, impulse: impulse * (1 - impulseDamping(state.mediators, day, v2)) });
    due.sort((x, y) => x.day - y.day || order(x) - order(y));
    let mi = 0;
    mediators.sort((x, y) => x.day - y.day);
    const processMediatorsUntil = (day: number, inclusive: boolean) => {
      while (mi < mediators.length && (inclusive ? mediators[mi]!.day <= day : mediators[mi]!.day < day)) {
        const med = mediators[mi++]!;
        const factor = mediatorFactor(input, services, med);
        state.mediators.push({ day: med.day, factor });
      }
    };
    for (const item of due) {
      processMediatorsUntil(item.day, false);
      if (item.code === CHECK) {
        const crisisDay = item.day - F;
        if (!hasFollowUp(input.backgroundFollowUps, crisisDay, F) && !hasFollowUp(state.followUps, crisisDay, F)) addImpulse(item.day, v2.strain.impulses.missedFollowUp);
        continue;
      }
      const member = input.members[item.member]!;
      if (!observed(member, item.day)) continue;
      state.events[item.member]!.push(packEvent(item.day, item.code));
      if (item.member === 0 && FOLLOW_UP_CODES.has(item.code)) state.followUps.push(item.day);
      const impulse = strainImpulse(v2, item.member === 0, item.code);
      if (impulse !== undefined) addImpulse(item.day, impulse);
      const p = services.get(item.code);
      if (p !== undefined && (p.relation === 'self') === (item.member !== 0)) {
        // A dynamic service start is a mediator too (after the same day's impulses).
        mediators.splice(mi, 0, { day: item.day, member: item.member, code: item.code });
      }
    }
    processMediatorsUntil(Number.POSITIVE_INFINITY, true);
  }
}

function emptyState(input: DynamicsInput): State {
  return {
    tracker: new StrainTracker((input.scenario.v2 as V2Settings).strain.halfLifeDays),
    pending: [],
    mediators: [],
    bgNext: 0,
    followUps: [],
    events: input.members.map(() => []),
  };
}

/** The factual run: the dynamic events of every member (packed, in processing order) and the snapshots. */
export function runDynamics(input: DynamicsInput): { events: number[][]; run: DynamicsRun } {
  const { t0, steps } = span(input);
  const run: DynamicsRun = {
    t0,
    steps,
    items: [],
    snapValue: new Float64Array(steps),
    snapDay: new Float64Array(steps),
    snapItems: new Int32Array(steps),
    snapMediators: new Int32Array(steps),
    mediators: [],
    followUps: [],
  };
  const state = emptyState(input);
  simulate(input, state, t0, 0, Number.POSITIVE_INFINITY, run, run.items, null);
  run.mediators = state.mediators;
  run.followUps = state.followUps;
  return { events: state.events, run };
}

/**
 * How many steps before its due day an item can be created, plus one: an item of a step lies at most the longest
 * follow-on delay (assessment, home visit, family work, the crisis follow-up and its check) after the step's last day.
 */
function maxDelaySteps(s: Scenario): number {
  const g = s.generator;
  const longest = Math.max(g.child.CW_ASSESSMENT.maxDays, g.services.NEUVOLA_HOME_VISIT.afterNotification.maxDays, g.services.FAMILY_WORK.afterNotification.maxDays, (s.v2 as V2Settings).runs.followUpDays);
  return Math.floor((STEP_DAYS - 1 + longest) / STEP_DAYS) + 1;
}

/**
 * Replays the family with one catalogue service inserted (`member` receives `code` on `day`) up to `untilDay`,
 * from the factual snapshot of the step holding `day`. Returns each member's dynamic events from that step's start
 * on (packed; earlier ones are the factual ones).
 */
export function replayDynamics(input: DynamicsInput, run: DynamicsRun, insert: Mediator, untilDay: number): { fromDay: number; events: number[][] } {
  const step = Math.min(run.steps - 1, Math.max(0, Math.floor((insert.day - run.t0) / STEP_DAYS)));
  if (run.steps === 0) return { fromDay: Number.POSITIVE_INFINITY, events: input.members.map(() => []) };
  const d = run.t0 + step * STEP_DAYS;
  const state = emptyState(input);
  state.tracker.value = run.snapValue[step]!;
  state.tracker.day = run.snapDay[step]!;
  state.mediators = run.mediators.slice(0, run.snapMediators[step]!);
  while (state.bgNext < input.backgroundMediators.length && input.backgroundMediators[state.bgNext]!.day < d) state.bgNext++;
  const itemCount = run.snapItems[step]!;
  const items: Item[] = [];
  // Items created before this step and due on or after its start (created at most maxDelaySteps earlier).
  const oldest = step - maxDelaySteps(input.scenario);
  for (let i = itemCount - 1; i >= 0 && run.items[i]!.step >= oldest; i--) {
    if (run.items[i]!.day >= d) state.pending.push(run.items[i]!);
  }
  state.pending.reverse();
  for (const day of run.followUps) {
    if (day >= d) break;
    state.followUps.push(day);
  }
  simulate(input, state, run.t0, step, untilDay, null, items, insert.day >= d ? insert : null);
  return { fromDay: d, events: state.events };
}

/** Background mediators of a family: starts of catalogue services by their receivers (mother 0, children 1+). */
export function backgroundMediators(memberEvents: readonly (readonly number[])[], protective: readonly ProtectiveService[]): Mediator[] {
  const out: Mediator[] = [];
  const codes = servicesByCode(protective);
  memberEvents.forEach((events, member) => {
    for (const packed of events) {
      const p = codes.get(eventCode(packed));
      if (p !== undefined && (p.relation === 'self') === (member !== 0)) out.push({ day: eventDay(packed), member, code: eventCode(packed) });
    }
  });
  return out.sort((x, y) => x.day - y.day || x.member - y.member || x.code - y.code);
}
