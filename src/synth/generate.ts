// Orchestrates a run: calibrates the baseline hazard on a pilot, then streams families to the canonical CSV
// files and truth/, writing into a temporary folder that is renamed into place at the end.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { z } from 'zod';
import { isServicepathError, ServicepathError } from '../errors/index.js';
import { type Catalogue, insertionAges } from '../schemas/catalogue.js';
import { TABLE_COLUMNS } from '../schemas/data-contract.js';
import { dayToIso } from '../schemas/dates.js';
import { DIRTY_ROWS_COLUMNS, type PlantedEffectSchema, type TruthChild, type TruthSummary } from '../schemas/truth.js';
import { type DirtyPerson, type DirtyRow, dirtyEventRow, dirtyLinkRow, dirtyPeriodRow, dirtyPersonRow } from './dirty.js';
import { type Child, type Family, realiseOutcomes, recordFamily, relativesOf, type SimContext, simulateFamily, v2CounterfactualEta } from './family.js';
import { DEFAULT_ORDER_PAIRS } from './mechanism-v2.js';
import { domainOf, outcomeProbability, protectiveLogHazard, resolveProtective, riskSignalsOf, riskSignalTable } from './mechanism.js';
import { HeadroomAccumulator, type HeadroomReport } from './learnability.js';
import { auroc } from './metrics.js';
import { MECHANISM_V2_VERSION, recordedScenario } from './scenario.js';
import { buildRecordedPath, type DatedFamilyEvent } from './path.js';
import { Rng } from '../util/random.js';
import { STREAM } from './prng.js';
import type { TaskSpec } from '../schemas/task.js';
import type { Scenario } from './scenario.js';
import { eventCode, eventDay, SERVICE_CODES } from './services.js';
import { buildCatalogue, buildTask } from './task-catalogue.js';
import { LineWriter } from './writer.js';

interface SynthOptions {
  persons: number;
  seed: number;
  outDir: string;
  /** First and last possible birth day of the children (day numbers). */
  birthsFromDay: number;
  birthsToDay: number;
  scenario: Scenario;
  /** Share of extra malformed rows per written row (0 = none). */
  dirtyRate: number;
  /** Fit the headroom's count model (default true; tests of other things may skip it). */
  headroom?: boolean;
  onProgress?: (personsWritten: number) => void;
}

export interface SynthResult {
  outDir: string;
  seed: number;
  persons: number;
  families: number;
  events: number;
  eligibleChildren: number;
  censoredChildren: number;
  outcomeRate: number;
  meanTrueProbability: number;
  oracleAuroc: number;
  dirtyRows: number;
  logBaseHazardPerDay: number;
  /** The scenario's mechanism and, for v2, its rules' version. */
  mechanism: Scenario['mechanism'];
  mechanismVersion: number;
  /** Oracle AUROC next to a count-only model on the windowed counts (null when it was not computed). */
  headroom: HeadroomReport | null;
}

type PlantedEffect = z.infer<typeof PlantedEffectSchema>;

export function makeContext(s: Scenario, birthsFromDay: number, birthsToDay: number): SimContext {
  const riskSignals = riskSignalsOf(s);
  return {
    scenario: s,
    dataStartDay: birthsFromDay - s.generator.historyDays,
    dataEndDay: birthsToDay + s.followUpDays,
    birthsFromDay,
    birthsToDay,
    protective: resolveProtective(s),
    riskSignals,
    riskTable: riskSignalTable(riskSignals),
    orderPairs: s.v2?.order.pairs ?? DEFAULT_ORDER_PAIRS,
  };
}

/**
 * Log daily baseline hazard that makes the mean true probability among the eligible children of THIS population
 * equal baseRate: a first pass replays the families' latent and pre-index draws (same streams, nothing written).
 */
function calibrateBaseHazard(ctx: SimContext, seed: number, persons: number): number {
  const etas: number[] = [];
  let placed = 0;
  for (let i = 0; placed < persons; i++) {
    const fam = simulateFamily(new Rng(seed, STREAM.families, i), ctx, persons - placed);
    placed += fam.members.length;
    for (const c of fam.children) if (c.eligible) etas.push(c.etaRisk + c.etaProtective);
  }
  if (etas.length === 0) return DEFAULT_LOG_BASE_HAZARD;
  const meanProbability = (logBase: number) => etas.reduce((sum, eta) => sum + outcomeProbability(logBase, eta, ctx.scenario.horizonDays), 0) / etas.length;
  let lo = -25;
  let hi = 0;
  for (let it = 0; it < 60; it++) {
    const mid = (lo + hi) / 2;
    if (meanProbability(mid) < ctx.scenario.baseRate) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Used only when a population has no eligible child (nothing to calibrate on). */
const DEFAULT_LOG_BASE_HAZARD = -10.75;

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** The truth line of one eligible child: true risk, realised outcome, recorded path, counterfactuals. */
function truthChild(fam: Family, child: Child, ids: Map<object, string>, familyId: string, ctx: SimContext, catalogue: Catalogue, logBase: number): TruthChild {
  const s = ctx.scenario;
  const events: DatedFamilyEvent[] = [];
  for (const { relation, member } of relativesOf(fam, child)) {
    // The store keeps one row of each exact duplicate (ingest counts the rest), so the path does too.
    for (let i = 0; i < member.recorded.length; i++) {
      const packed = member.recorded[i]!;
      if (i > 0 && member.recorded[i - 1] === packed) continue;
      const c = SERVICE_CODES[eventCode(packed)]!;
      events.push({ day: eventDay(packed), code: c.code, domain: c.domain, relation });
    }
  }
  const path = buildRecordedPath({ childBirthDay: child.member.birthDay, indexDay: child.indexDay, lookbackDays: s.lookbackDays, events });
  const eta = child.etaRisk + child.etaProtective;
  const counterfactuals: TruthChild['counterfactuals'] = [];
  for (const service of ctx.protective) {
    for (const age of insertionAges(catalogue, s.indexAgeDays)) {
      if (age < service.minAgeDays || age > service.maxAgeDays) continue;
      // additive: closed form (the service changes only the hazard); v2: replay with the service inserted.
      const cfEta = s.mechanism === 'v2' ? v2CounterfactualEta(fam, child, ctx, service, age) : eta + protectiveLogHazard(service, age, child.traits);
      const p = outcomeProbability(logBase, cfEta, s.horizonDays);
      counterfactuals.push({ code: service.code, ageDays: age, trueProbability: round6(p) });
    }
  }
  return {
    personId: ids.get(child.member)!,
    familyId,
    indexDate: dayToIso(child.indexDay),
    indexAgeDays: s.indexAgeDays,
    trueProbability: round6(outcomeProbability(logBase, eta, s.horizonDays)),
    outcome: child.outcome,
    path,
    counterfactuals,
  };
}

/** The planted effects as truth/effects.json lists them. */
function plantedEffects(ctx: SimContext): PlantedEffect[] {
  const risk: PlantedEffect[] = ctx.riskSignals.map((r) => ({
    code: r.code,
    domain: domainOf(r.code),
    relation: r.relation,
    kind: 'risk_signal',
    logHazardEffect: ctx.scenario.riskWeightScale * r.weight,
    timing: `per true event in the lookback window, counting at most ${r.cap}`,
  }));
  const protective: PlantedEffect[] = ctx.protective.map((p) => ({
    code: p.code,
    domain: domainOf(p.code),
    relation: p.relation,
    kind: 'protective',
    logHazardEffect: -p.effect,
    timing: `x exp(-ageDays/${p.tauDays}) at the start age; ${p.modifier === 'none' ? 'no modifier' : `x ${p.offTraitFactor} without the ${p.modifier} trait`}; allowed ages ${p.minAgeDays}-${p.maxAgeDays}`,
  }));
  return [...risk, ...protective];
}

class Tables {
  readonly persons: LineWriter;
  readonly links: LineWriter;
  readonly events: LineWriter;
  readonly periods: LineWriter;
  readonly truth: LineWriter;
  readonly dirty: LineWriter | null;

  constructor(dir: string, withDirty: boolean) {
    const header = (w: LineWriter, cols: readonly string[]) => {
      w.line(cols.join(','));
      return w;
    };
    this.persons = header(new LineWriter(join(dir, 'persons.csv')), [...TABLE_COLUMNS.persons.required, ...TABLE_COLUMNS.persons.optional]);
    this.links = header(new LineWriter(join(dir, 'links.csv')), TABLE_COLUMNS.links.required);
    this.events = header(new LineWriter(join(dir, 'events.csv')), TABLE_COLUMNS.events.required);
    this.periods = header(new LineWriter(join(dir, 'observation_periods.csv')), TABLE_COLUMNS.observation_periods.required);
    this.truth = new LineWriter(join(dir, 'truth', 'children.ndjson'));
    this.dirty = withDirty ? header(new LineWriter(join(dir, 'truth', 'dirty-rows.csv')), DIRTY_ROWS_COLUMNS) : null;
  }

  all(): LineWriter[] {
    return [this.persons, this.links, this.events, this.periods, this.truth, ...(this.dirty === null ? [] : [this.dirty])];
  }
}

/** Writes a dirty row to `w` and lists it in truth/dirty-rows.csv. */
function plant(t: Tables, w: LineWriter, name: string, row: DirtyRow): void {
  const line = w.line(row.text);
  t.dirty!.line(`${name},${line},${row.reason}`);
}

/** Generates the population into outDir (refused if it exists; written to a temporary folder, then renamed). */
export function generatePopulation(o: SynthOptions): SynthResult {
  const outDir = resolve(o.outDir);
  if (existsSync(outDir)) throw new ServicepathError('FILE_EXISTS', { file: o.outDir });
  const tmpDir = `${outDir}.partial-${process.pid}`;
  try {
    rmSync(tmpDir, { recursive: true, force: true });
    mkdirSync(join(tmpDir, 'truth'), { recursive: true });
    const result = writePopulation(o, tmpDir);
    renameSync(tmpDir, outDir);
    return { ...result, outDir };
  } catch (err) {
    rmSync(tmpDir, { recursive: true, force: true });
    if (isServicepathError(err)) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === undefined) throw err;
    throw new ServicepathError('SYNTH_WRITE_FAILED', { file: o.outDir, reason: code }, { cause: err });
  }
}

function writePopulation(o: SynthOptions, dir: string): Omit<SynthResult, 'outDir'> {
  const s = o.scenario;
  const ctx = makeContext(s, o.birthsFromDay, o.birthsToDay);
  const logBase = calibrateBaseHazard(ctx, o.seed, o.persons);
  const task: TaskSpec = buildTask(s, o.birthsFromDay, o.birthsToDay);
  const catalogue = buildCatalogue(ctx.protective);
  const t = new Tables(dir, o.dirtyRate > 0);
  const dirtyRng = new Rng(o.seed, STREAM.dirty);
  const isoCache = new Map<number, string>();
  const iso = (day: number) => {
    let text = isoCache.get(day);
    if (text === undefined) {
      text = dayToIso(day);
      isoCache.set(day, text);
    }
    return text;
  };
  const codeText = SERVICE_CODES.map((c) => `,${c.domain},${c.code}`);
  const scores: number[] = [];
  const labels: number[] = [];
  let [personsWritten, families, events, eligible, censored, dirtyRows, probabilitySum] = [0, 0, 0, 0, 0, 0, 0];
  const headroomAcc = o.headroom === false ? null : new HeadroomAccumulator();
  const dirtyHere = () => o.dirtyRate > 0 && dirtyRng.uniform() < o.dirtyRate;

  while (personsWritten < o.persons) {
    const rng = new Rng(o.seed, STREAM.families, families);
    const fam = simulateFamily(rng, ctx, o.persons - personsWritten);
    realiseOutcomes(rng, fam, ctx, logBase);
    recordFamily(rng, fam, s);
    families++;
    const familyId = `f${String(families).padStart(7, '0')}`;
    const ids = new Map<object, string>();
    for (const m of fam.members) ids.set(m, `p${String(++personsWritten).padStart(7, '0')}`);

    for (const m of fam.members) {
      const id = ids.get(m)!;
      const who: DirtyPerson = { personId: id, birthDay: m.birthDay, deathDay: m.deathDay };
      t.persons.line(`${id},${dayToIso(m.birthDay)},${m.sex},${fam.area},${m.languageGroup},${m.deathDay === null ? '' : dayToIso(m.deathDay)}`);
      if (dirtyHere()) plant(t, t.persons, 'persons.csv', dirtyPersonRow(dirtyRng));
      t.periods.line(`${id},${iso(m.obsStartDay)},${iso(m.obsEndDay)}`);
      if (dirtyHere()) plant(t, t.periods, 'observation_periods.csv', dirtyPeriodRow(dirtyRng, who));
      for (const packed of m.recorded) {
        t.events.line(`${id},${iso(eventDay(packed))}${codeText[eventCode(packed)]}`);
        events++;
        if (dirtyHere()) plant(t, t.events, 'events.csv', dirtyEventRow(dirtyRng, who, ctx.dataEndDay));
      }
    }
    const motherId = ids.get(fam.mother)!;
    const fatherId = fam.father === null ? null : ids.get(fam.father)!;
    if (fatherId !== null) {
      t.links.line(`${motherId},${fatherId},partner`);
      t.links.line(`${fatherId},${motherId},partner`);
    }
    for (const child of fam.children) {
      const id = ids.get(child.member)!;
      t.links.line(`${id},${motherId},mother`);
      if (fatherId !== null) t.links.line(`${id},${fatherId},father`);
      for (const sib of fam.children) if (sib !== child) t.links.line(`${id},${ids.get(sib.member)!},sibling`);
      if (dirtyHere()) plant(t, t.links, 'links.csv', dirtyLinkRow(dirtyRng, id));
      if (!child.eligible) continue;
      const truth = truthChild(fam, child, ids, familyId, ctx, catalogue, logBase);
      t.truth.line(JSON.stringify(truth));
      eligible++;
      probabilitySum += truth.trueProbability;
      headroomAcc?.add(truth.path, truth.outcome, truth.trueProbability);
      if (truth.outcome === null) censored++;
      else {
        scores.push(truth.trueProbability);
        labels.push(truth.outcome);
      }
    }
    if (o.onProgress !== undefined && families % 5000 === 0) o.onProgress(personsWritten);
  }
  for (const w of t.all()) {
    dirtyRows += w === t.dirty ? w.lines - 1 : 0;
    w.close();
  }
  const positives = labels.reduce((a, b) => a + b, 0);
  const room = headroomAcc === null ? null : headroomAcc.report();
  const summary: Omit<SynthResult, 'outDir'> = {
    seed: o.seed,
    persons: personsWritten,
    families,
    events,
    eligibleChildren: eligible,
    censoredChildren: censored,
    outcomeRate: labels.length === 0 ? 0 : positives / labels.length,
    meanTrueProbability: eligible === 0 ? 0 : probabilitySum / eligible,
    oracleAuroc: auroc(scores, labels),
    dirtyRows,
    logBaseHazardPerDay: logBase,
    mechanism: s.mechanism,
    mechanismVersion: s.mechanism === 'v2' ? MECHANISM_V2_VERSION : 1,
    headroom: room,
  };
  const effects: TruthSummary = {
    seed: o.seed,
    persons: personsWritten,
    eligibleChildren: eligible,
    outcomeRate: summary.outcomeRate,
    oracleAuroc: Number.isNaN(summary.oracleAuroc) ? 0 : summary.oracleAuroc,
    effects: plantedEffects(ctx),
    families,
    events,
    censoredChildren: censored,
    meanTrueProbability: summary.meanTrueProbability,
    dirtyRows,
    logBaseHazardPerDay: logBase,
    latent: { adversityHazardCoef: s.adversityHazardCoef, childHazardCoef: s.childHazardCoef },
    window: { birthsFrom: dayToIso(o.birthsFromDay), birthsTo: dayToIso(o.birthsToDay), dataStart: dayToIso(ctx.dataStartDay), extractionDate: dayToIso(ctx.dataEndDay) },
    scenario: recordedScenario(s),
    mechanism: s.mechanism,
    mechanismVersion: summary.mechanismVersion,
    counterfactual: {
      method: s.mechanism === 'v2' ? 'replay-common-random-numbers' : 'closed-form',
      /** No Monte Carlo: each child's counterfactual is exact given its own random numbers (see the docs). */
      monteCarloStandardError: null,
    },
    headroom: room,
    ...(s.mechanism === 'v2' ? { orderPairs: ctx.orderPairs } : {}),
  };
  writeFileSync(join(dir, 'truth', 'effects.json'), `${JSON.stringify(effects, null, 2)}\n`);
  writeFileSync(join(dir, 'task.json'), `${JSON.stringify(task, null, 2)}\n`);
  writeFileSync(join(dir, 'catalogue.json'), `${JSON.stringify(catalogue, null, 2)}\n`);
  return summary;
}
