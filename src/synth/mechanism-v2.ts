// The v2 outcome mechanism: a child's log hazard at the index from the TRUE events of the child and its family,
// where recency, order, runs, missed follow-ups, a sibling's care and a latent strain matter, not only counts.
// Pure functions over sorted packed events; docs/synthetic-population.md "Mechanism v2" (keep the two in step).
import { FAMILY_RELATIONS, type FamilyRelation, modifierFactor, type ProtectiveService, protectiveLogHazard, type RiskSignal } from './mechanism.js';
import type { V2Settings } from './scenario.js';
import { type Code, CODE_SLOTS, codeIndex, eventCode, eventDay } from './services.js';
import type { ChildTraits } from './mechanism.js';

const C = (code: Code) => codeIndex(code);

/** The half-life family of each risk-signal code (recency). */
const RECENCY_FAMILY: Partial<Record<Code, keyof V2Settings['recency']['halfLifeDays']>> = {
  CW_NOTIFICATION: 'child_welfare',
  CW_ASSESSMENT: 'child_welfare',
  MH_CRISIS: 'crisis',
  SUD_DETOX: 'crisis',
  ER_VISIT: 'crisis',
  NEUVOLA_NO_SHOW: 'health',
  DEV_CONCERN: 'health',
  MH_ADULT_VISIT: 'health',
  SUD_VISIT: 'health',
  ADULT_SOCIAL_WORK: 'health',
  INCOME_SUPPORT: 'benefits',
  HOUSING_ALLOWANCE: 'benefits',
  UNEMPLOYMENT_BENEFIT: 'benefits',
};

export interface OrderPair {
  first: { relation: FamilyRelation; code: string };
  second: { relation: FamilyRelation; code: string };
  withinDays: number;
  weight: number;
  cap: number;
}

/**
 * Escalation sequences: the first event, then the second within the window. The reverse order, or the same pair
 * further apart, adds nothing (each event still counts as a risk signal).
 */
export const DEFAULT_ORDER_PAIRS: readonly OrderPair[] = [
  // A notification followed within weeks by the mother's psychiatric emergency.
  { first: { relation: 'self', code: 'CW_NOTIFICATION' }, second: { relation: 'mother', code: 'MH_CRISIS' }, withinDays: 60, weight: 1.0, cap: 2 },
  // The mother's detox followed by the child's emergency visit.
  { first: { relation: 'mother', code: 'SUD_DETOX' }, second: { relation: 'self', code: 'ER_VISIT' }, withinDays: 90, weight: 0.8, cap: 2 },
  // A needs assessment followed by a new notification (the first help did not hold).
  { first: { relation: 'self', code: 'CW_ASSESSMENT' }, second: { relation: 'self', code: 'CW_NOTIFICATION' }, withinDays: 180, weight: 0.8, cap: 2 },
  // The mother's crisis followed by adult social work within weeks: the family's situation reached the social office.
  { first: { relation: 'mother', code: 'MH_CRISIS' }, second: { relation: 'mother', code: 'ADULT_SOCIAL_WORK' }, withinDays: 45, weight: 0.6, cap: 2 },
  // The mother's emergency visit followed by the child's within a month.
  { first: { relation: 'mother', code: 'ER_VISIT' }, second: { relation: 'self', code: 'ER_VISIT' }, withinDays: 30, weight: 0.6, cap: 2 },
  // A missed clinic visit followed by an emergency visit within two months.
  { first: { relation: 'self', code: 'NEUVOLA_NO_SHOW' }, second: { relation: 'self', code: 'ER_VISIT' }, withinDays: 60, weight: 0.6, cap: 2 },
];

const impulseCache = new WeakMap<V2Settings, ReadonlyMap<number, number>>();
/** Strain impulses (log-rate units) of the mother's crises, detoxes and ER visits and of the children's notifications (`v2.strain.impulses`). */
function impulseTable(v2: V2Settings): ReadonlyMap<number, number> {
  let t = impulseCache.get(v2);
  if (t === undefined) {
    const i = v2.strain.impulses;
    t = new Map([
      [C('MH_CRISIS'), i.MH_CRISIS],
      [C('SUD_DETOX'), i.SUD_DETOX],
      [C('ER_VISIT'), i.ER_VISIT],
      [C('CW_NOTIFICATION'), i.CW_NOTIFICATION],
    ]);
    impulseCache.set(v2, t);
  }
  return t;
}

/** The strain impulse of an event: the mother's crises, detoxes and ER visits, any child's notifications. */
export function strainImpulse(v2: V2Settings, byMother: boolean, code: number): number | undefined {
  const isNotification = code === C('CW_NOTIFICATION');
  return byMother === isNotification ? undefined : impulseTable(v2).get(code);
}

/** The catalogue's protective services by code index. */
export function servicesByCode(protective: readonly ProtectiveService[]): Map<number, ProtectiveService> {
  const out = new Map<number, ProtectiveService>();
  for (const p of protective) out.set(codeIndex(p.code as Code), p);
  return out;
}
/** Codes of the mother that count as a crisis follow-up. */
export const FOLLOW_UP_CODES: ReadonlySet<number> = new Set([C('MH_ADULT_VISIT'), C('MH_ADULT_THERAPY')]);
const CRISIS = C('MH_CRISIS');
const VISIT = C('NEUVOLA_VISIT');
const NO_SHOW = C('NEUVOLA_NO_SHOW');
const CARE: ReadonlySet<number> = new Set([C('CW_OPEN_CARE'), C('CW_PLACEMENT')]);

/** A strain impulse on a day (already damped by any service in force). */
interface StrainItem {
  day: number;
  impulse: number;
}

function compareStrainItems(a: StrainItem, b: StrainItem): number {
  return a.day - b.day;
}

/** A protective service's start as the strain sees it: its day and its trait factor (0-1). */
interface StrainMediator {
  day: number;
  factor: number;
}

/**
 * Share of an impulse on `day` that services damp: relief times the largest trait factor among the starts in
 * [day - days, day) (a start damps the impulses of the days after it, not its own day). `mediators` ascending.
 */
export function impulseDamping(mediators: readonly StrainMediator[], day: number, v2: V2Settings, end = mediators.length): number {
  if (!v2.mediation.enabled) return 0;
  let factor = 0;
  for (let i = end - 1; i >= 0; i--) {
    const m = mediators[i]!;
    if (m.day < day - v2.mediation.days) break;
    if (m.day < day) factor = Math.max(factor, m.factor);
  }
  return v2.strain.relief * factor;
}

/** The strain as impulses arrive in day order; it halves every halfLifeDays. `valueAt(day)` at or after the last item. */
export class StrainTracker {
  value = 0;
  day = Number.NEGATIVE_INFINITY;
  constructor(private readonly halfLifeDays: number) {}

  valueAt(day: number): number {
    return this.value === 0 ? 0 : this.value * 2 ** (-(day - this.day) / this.halfLifeDays);
  }

  add(item: StrainItem): void {
    this.value = this.valueAt(item.day) + item.impulse;
    this.day = item.day;
  }
}

/** A family as the mechanism sees it: each member's true events, packed and sorted. */
export interface FamilyEvents {
  adversity: number;
  mother: { events: readonly number[]; traits: ChildTraits };
  father: { events: readonly number[] } | null;
  children: { events: readonly number[]; birthDay: number; u: number; traits: ChildTraits }[];
}

/** First position in an ascending array whose value is >= x. */
export function lowerBound(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The members' events with a day in [fromDay, toDay] (arrays ascending). */
function inWindow(events: readonly number[], fromDay: number, toDay: number): readonly number[] {
  return events.slice(lowerBound(events, fromDay * CODE_SLOTS), lowerBound(events, (toDay + 1) * CODE_SLOTS));
}

/**
 * The strain items of the family's events with a day in [fromDay, toDay]: impulses, missed follow-ups (due F days
 * after a crisis), reliefs of services. The hazard reads the strain built inside the lookback window.
 */
export function strainItems(fam: FamilyEvents, v2: V2Settings, protective: readonly ProtectiveService[], fromDay = Number.NEGATIVE_INFINITY, toDay = Number.POSITIVE_INFINITY): StrainItem[] {
  const services = servicesByCode(protective);
  const window = (events: readonly number[], extraBefore: number, extraAfter: number) =>
    Number.isFinite(fromDay) ? inWindow(events, fromDay - extraBefore, toDay + extraAfter) : events;
  // Service starts (with their receivers' trait factors) that damp later impulses.
  const mediators: StrainMediator[] = [];
  for (const packed of window(fam.mother.events, v2.mediation.days, 0)) {
    const p = services.get(eventCode(packed));
    if (p !== undefined && p.relation === 'mother') mediators.push({ day: eventDay(packed), factor: modifierFactor(p, fam.mother.traits) });
  }
  for (const child of fam.children) {
    for (const packed of window(child.events, v2.mediation.days, 0)) {
      const p = services.get(eventCode(packed));
      if (p !== undefined && p.relation === 'self') mediators.push({ day: eventDay(packed), factor: modifierFactor(p, child.traits) });
    }
  }
  mediators.sort((a, b) => a.day - b.day);
  const raw: StrainItem[] = [];
  const mother = window(fam.mother.events, 0, v2.runs.followUpDays);
  const followUps: number[] = [];
  for (const packed of mother) if (FOLLOW_UP_CODES.has(eventCode(packed))) followUps.push(eventDay(packed));
  for (const packed of mother) {
    const day = eventDay(packed);
    if (day > toDay) break;
    const code = eventCode(packed);
    const impulse = strainImpulse(v2, true, code);
    if (impulse !== undefined) raw.push({ day, impulse });
    if (code === CRISIS && !hasFollowUp(followUps, day, v2.runs.followUpDays)) raw.push({ day: day + v2.runs.followUpDays, impulse: v2.strain.impulses.missedFollowUp });
  }
  for (const child of fam.children) {
    for (const packed of window(child.events, 0, 0)) {
      const impulse = strainImpulse(v2, false, eventCode(packed));
      if (impulse !== undefined) raw.push({ day: eventDay(packed), impulse });
    }
  }
  return raw.map((item) => ({ day: item.day, impulse: item.impulse * (1 - impulseDamping(mediators, item.day, v2)) })).sort(compareStrainItems);
}

/** True when a follow-up day lies in (day, day + within]. `days` ascending. */
export function hasFollowUp(days: readonly number[], day: number, within: number): boolean {
  for (const d of days) {
    if (d > day + within) return false;
    if (d > day) return true;
  }
  return false;
}

/** The family's strain on `day` from its items (the same rule the dynamics follow step by step). */
export function strainAt(items: readonly StrainItem[], day: number, halfLifeDays: number): number {
  const t = new StrainTracker(halfLifeDays);
  for (const item of items) {
    if (item.day > day) break;
    t.add(item);
  }
  return t.valueAt(day);
}

interface V2EtaInput {
  fam: FamilyEvents;
  /** Index of the focal child in fam.children. */
  child: number;
  indexDay: number;
  lookbackDays: number;
  adversityHazardCoef: number;
  childHazardCoef: number;
  riskWeightScale: number;
  v2: V2Settings;
  riskTable: Map<number, RiskSignal>;
  protective: readonly ProtectiveService[];
  pairs: readonly OrderPair[];
}

/** The parts of a child's v2 log hazard (each reported, so tests and docs can check their signs). */
export interface V2Eta {
  latent: number;
  signals: number;
  order: number;
  escalation: number;
  runs: number;
  family: number;
  strain: number;
  protective: number;
  /** Everything but the protective services' direct effect. */
  etaRisk: number;
}

const halfLifeCache = new WeakMap<V2Settings, Float64Array>();
/** Half-life (days) of each code's recency family, 0 for codes without one. */
function halfLifeTable(v2: V2Settings): Float64Array {
  let t = halfLifeCache.get(v2);
  if (t === undefined) {
    t = new Float64Array(CODE_SLOTS);
    for (const [code, family] of Object.entries(RECENCY_FAMILY)) t[codeIndex(code as Code)] = v2.recency.halfLifeDays[family!];
    halfLifeCache.set(v2, t);
  }
  return t;
}

const pairCache = new WeakMap<readonly OrderPair[], Map<number, number[]>>();
/** (relation, code) key -> the pairs it starts (slot i) or ends (slot -1 - i). */
function pairTable(pairs: readonly OrderPair[]): Map<number, number[]> {
  let t = pairCache.get(pairs);
  if (t === undefined) {
    const table = new Map<number, number[]>();
    const add = (relation: FamilyRelation, code: string, slot: number) => {
      const key = FAMILY_RELATIONS.indexOf(relation) * CODE_SLOTS + codeIndex(code as Code);
      table.set(key, [...(table.get(key) ?? []), slot]);
    };
    pairs.forEach((p, i) => {
      add(p.first.relation, p.first.code, i);
      add(p.second.relation, p.second.code, -1 - i);
    });
    t = table;
    pairCache.set(pairs, t);
  }
  return t;
}

/** The focal child's members with their relation (self, mother, father, siblings). */
function relatives(fam: FamilyEvents, child: number): { relation: FamilyRelation; events: readonly number[] }[] {
  const out: { relation: FamilyRelation; events: readonly number[] }[] = [{ relation: 'self', events: fam.children[child]!.events }, { relation: 'mother', events: fam.mother.events }];
  if (fam.father !== null) out.push({ relation: 'father', events: fam.father.events });
  fam.children.forEach((c, i) => {
    if (i !== child) out.push({ relation: 'sibling', events: c.events });
  });
  return out;
}

/** Log hazard of the focal child at the index (without the base hazard). */
export function v2Eta(input: V2EtaInput): V2Eta {
  const { fam, indexDay: I, v2 } = input;
  const focal = fam.children[input.child]!;
  const from = I - input.lookbackDays;
  const latent = input.adversityHazardCoef * fam.adversity + input.childHazardCoef * focal.u;
  const members = relatives(fam, input.child);

  // Risk signals, each event weighted by its recency.
  const sums = new Float64Array(FAMILY_RELATIONS.length * CODE_SLOTS);
  const halfLives = halfLifeTable(v2);
  const pairSlots = pairTable(input.pairs);
  const pairDays = input.pairs.map(() => ({ first: [] as number[], second: [] as number[] }));
  let recent = 0;
  let earlier = 0;
  let siblingCare = 0;
  const recentFrom = I - v2.escalation.recentDays;
  for (const { relation, events } of members) {
    const rel = FAMILY_RELATIONS.indexOf(relation) * CODE_SLOTS;
    const counts = relation === 'self' || relation === 'mother';
    for (const packed of inWindow(events, from, I)) {
      const day = eventDay(packed);
      const code = eventCode(packed);
      const key = rel + code;
      if (input.riskTable.has(key)) {
        const h = halfLives[code]!;
        sums[key]! += v2.recency.enabled && h > 0 ? 1 - v2.recency.share + v2.recency.share * 2 ** (-(I - day) / h) : 1;
        if (counts) {
          if (day > recentFrom) recent++;
          else earlier++;
        }
      }
      if (v2.order.enabled) {
        const slots = pairSlots.get(key);
        if (slots !== undefined) for (const slot of slots) (slot >= 0 ? pairDays[slot]!.first : pairDays[-1 - slot]!.second).push(day);
      }
      if (v2.family.enabled && relation === 'sibling' && CARE.has(code)) {
        siblingCare = Math.max(siblingCare, v2.family.siblingCareWeight * 2 ** (-(I - day) / v2.family.halfLifeDays));
      }
    }
  }
  let signals = 0;
  for (const [key, sig] of input.riskTable) {
    const sum = sums[key]!;
    if (sum > 0) signals += input.riskWeightScale * v2.signalScale * sig.weight * Math.min(sum, sig.cap);
  }

  let order = 0;
  if (v2.order.enabled) {
    input.pairs.forEach((p, i) => {
      const { first, second } = pairDays[i]!;
      let n = 0;
      for (const d2 of second) if (first.some((d1) => d2 - d1 > 0 && d2 - d1 <= p.withinDays)) n++;
      order += p.weight * Math.min(n, p.cap);
    });
  }

  let escalation = 0;
  if (v2.escalation.enabled) {
    const expected = (earlier * v2.escalation.recentDays) / (input.lookbackDays - v2.escalation.recentDays);
    escalation = Math.min(v2.escalation.cap, v2.escalation.weight * Math.max(0, Math.log((recent + v2.escalation.smoothing) / (expected + v2.escalation.smoothing))));
  }

  let runs = 0;
  if (v2.runs.enabled) {
    let run = 0;
    let longest = 0;
    for (const packed of focal.events) {
      const day = eventDay(packed);
      if (day < from || day > I) continue;
      const code = eventCode(packed);
      if (code === NO_SHOW) longest = Math.max(longest, ++run);
      else if (code === VISIT) run = 0;
    }
    runs += v2.runs.noShowRunWeight * Math.max(0, longest - 1);
    const mother = inWindow(fam.mother.events, from, I);
    const followUps: number[] = [];
    for (const packed of mother) if (FOLLOW_UP_CODES.has(eventCode(packed))) followUps.push(eventDay(packed));
    let missed = 0;
    for (const packed of mother) {
      const day = eventDay(packed);
      if (eventCode(packed) !== CRISIS || day + v2.runs.followUpDays > I) continue;
      if (!hasFollowUp(followUps, day, v2.runs.followUpDays)) missed++;
    }
    runs += v2.runs.missedFollowUpWeight * Math.min(missed, v2.runs.missedFollowUpCap);
  }

  const family = siblingCare;
  const strain = v2.strain.enabled ? v2.strain.hazardCoef * strainAt(strainItems(fam, v2, input.protective, from, I), I, v2.strain.halfLifeDays) : 0;

  let protective = 0;
  const birth = focal.birthDay;
  const indexAge = I - birth;
  for (const service of input.protective) {
    const receiver = inWindow(service.relation === 'self' ? focal.events : fam.mother.events, birth, I);
    const code = codeIndex(service.code as Code);
    for (const packed of receiver) {
      const age = eventDay(packed) - birth;
      if (eventCode(packed) === code && age >= 0 && age <= indexAge) protective += protectiveLogHazard(service, age, focal.traits);
    }
  }
  const etaRisk = latent + signals + order + escalation + runs + family + strain;
  return { latent, signals, order, escalation, runs, family, strain, protective, etaRisk };
}
