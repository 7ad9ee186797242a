// The treatment-aware outcome model (training adjustment `treatment`): a path is split into its HISTORY (every
// event that is not a start of a catalogue service for the catalogue's receiver) and its TREATMENTS (those
// starts, from the catalogue's first insertion age on). The base model (logreg, gru or transformer) reads the
// history only; a second, linear stage adds the treatments as explicit, age-dependent terms:
//
//   logit = bias + base * g(history) + w . counts(history) + sum_s sum_b e[s,b] * E[s,b] + sum_s E[s,*] * (v_s . m_s)
//
// g is the base model's logit, counts are the logreg's windowed log-counts of the history (a linear adjustment
// for the recorded confounders, including the propensity of each service), E[s,b] = sum over starts of service s
// of exp(-age / tau_b) (an effect that may fade with the child's age at the start), and m_s are the receiver's
// log-counts of each history code (markers that let an effect differ between families). Inserting a service
// changes only the E terms, so its estimated effect is an explicit, auditable quantity. docs/interventions.md.
import type { EffectModel } from '../schemas/fitted-models.js';
import type { Catalogue } from '../schemas/catalogue.js';
import type { Path, PathEvent } from '../schemas/path.js';
import { eventFeatures, featureDim, logStep, sparseCounts, windowCount } from '../features/counts.js';
import { prefixCountLogits } from './logreg.js';
import { indexAgeOf } from '../schemas/path.js';
import type { Preprocessing, } from '../schemas/fitted-models.js';

/**
 * The one treatment rule: an event is a treatment (a start of a catalogue service, not history) when its (code,
 * receiver) is a catalogue service and it happens on or after the catalogue's first insertion age. The effect
 * model, the IPW weights (src/train/adjustment.ts) and the cohort paths' "followed by" all use it.
 */
export type TreatmentRule = Pick<EffectModel, 'services' | 'fromAgeDays'>;

/** What a fitted effect model is made of, before its weights. */
export type EffectShape = Pick<EffectModel, 'services' | 'fromAgeDays' | 'tausDays' | 'interactionTau' | 'markers' | 'markerMean' | 'markerScale'>;

/** The catalogue's treatments: each service as (code, receiver), counted from the first insertion age on. */
export function treatedServices(catalogue: Catalogue): TreatmentRule {
  return { services: catalogue.services.map((s) => ({ code: s.code, relation: s.relation })), fromAgeDays: catalogue.insertion.fromAgeDays };
}

const NO_REFS: readonly MarkerRef[] = [];

/** Per model, computed once: each service's modifier at zero marker counts and the interactions over the scales. */
const fastCache = new WeakMap<EffectModel, { modifierAtZero: Float64Array; scaledInteractions: Float64Array[] }>();
function fastOf(model: EffectModel): { modifierAtZero: Float64Array; scaledInteractions: Float64Array[] } {
  let f = fastCache.get(model);
  if (f === undefined) {
    const w = model.weights;
    f = {
      modifierAtZero: Float64Array.from(model.markers, (list, sv) => list.reduce((acc, _, k) => acc + ((w.interactions[sv] as number[])[k] as number) * standardised(model, sv, k, 0), 0)),
      scaledInteractions: model.markers.map((list, sv) => Float64Array.from(list, (_, k) => ((w.interactions[sv] as number[])[k] as number) / ((model.markerScale[sv] as number[])[k] as number))),
    };
    fastCache.set(model, f);
  }
  return f;
}

/** Standardised marker value of a log1p count. */
function standardised(shape: Pick<EffectShape, 'markerMean' | 'markerScale'>, service: number, marker: number, logCount: number): number {
  return (logCount - ((shape.markerMean[service] as number[])[marker] as number)) / ((shape.markerScale[service] as number[])[marker] as number);
}

const serviceMaps = new WeakMap<object, Map<string, Map<string, number>>>();

/** relation -> code -> service index. */
function serviceIndex(shape: Pick<EffectShape, 'services'>): Map<string, Map<string, number>> {
  let map = serviceMaps.get(shape.services);
  if (map === undefined) {
    const m = new Map<string, Map<string, number>>();
    shape.services.forEach((s, i) => {
      const byCode = m.get(s.relation) ?? new Map<string, number>();
      if (!byCode.has(s.code)) byCode.set(s.code, i);
      m.set(s.relation, byCode);
    });
    map = m;
    serviceMaps.set(shape.services, map);
  }
  return map;
}

/** The service index of a treatment event, or -1 for a history event. */
export function treatmentOf(shape: TreatmentRule, e: Pick<PathEvent, 'ageDays' | 'code'> & { relation: string }): number {
  if (e.ageDays < shape.fromAgeDays) return -1;
  return serviceIndex(shape).get(e.relation)?.get(e.code) ?? -1;
}

export interface TreatmentSplit {
  /** The history events as a path with the original index age; null when every event is a treatment. */
  history: Path | null;
  /** Per original step: the history step at or before it (-1 before the first history event). */
  historyStep: Int32Array;
  /** Per original step: the treated service's index, or -1 for a history event. */
  service: Int32Array;
}

export function splitTreatments(shape: TreatmentRule, path: Path): TreatmentSplit {
  const n = path.events.length;
  const historyStep = new Int32Array(n);
  const service = new Int32Array(n);
  const events: PathEvent[] = [];
  path.events.forEach((e, t) => {
    const s = treatmentOf(shape, e);
    service[t] = s;
    if (s < 0) events.push(e);
    historyStep[t] = events.length - 1;
  });
  const history = events.length === 0 ? null : events.length === n ? path : { ...path, indexAgeDays: indexAgeOf(path), events };
  return { history, historyStep, service };
}

interface MarkerRef {
  service: number;
  marker: number;
}

const markerMaps = new WeakMap<object, Map<string, MarkerRef[]>>();

const markerByIdMaps = new WeakMap<object, WeakMap<Preprocessing, (MarkerRef[] | undefined)[]>>();

/** Marker references by token id (markers are vocabulary tokens, so an event's token id finds them). */
function markersById(prep: Preprocessing, shape: Pick<EffectShape, 'markers'>): (MarkerRef[] | undefined)[] {
  let perPrep = markerByIdMaps.get(shape.markers);
  if (perPrep === undefined) {
    perPrep = new WeakMap();
    markerByIdMaps.set(shape.markers, perPrep);
  }
  let byId = perPrep.get(prep);
  if (byId === undefined) {
    const byKey = markerIndex(shape);
    byId = prep.vocab.map((token) => byKey.get(token));
    perPrep.set(prep, byId);
  }
  return byId;
}

function markerIndex(shape: Pick<EffectShape, 'markers'>): Map<string, MarkerRef[]> {
  let map = markerMaps.get(shape.markers);
  if (map === undefined) {
    const m = new Map<string, MarkerRef[]>();
    shape.markers.forEach((list, service) => {
      list.forEach((token, marker) => {
        const refs = m.get(token) ?? [];
        refs.push({ service, marker });
        m.set(token, refs);
      });
    });
    map = m;
    markerMaps.set(shape.markers, map);
  }
  return map;
}

/**
 * The second stage's logit after every step of the path, given the base model's logits after every step of the
 * history (baseLogits[k] for history step k; ignored when the split has no history).
 */
export function effectTrajectoryLogits(
  prep: Preprocessing,
  model: EffectModel,
  path: Path,
  split: TreatmentSplit,
  baseLogits: ArrayLike<number> | null,
  /** eventFeatures(prep, split.history) when the caller already has them. */
  historyFeatures?: Int32Array,
): Float64Array {
  const n = path.events.length;
  const out = new Float64Array(n);
  const w = model.weights;
  const b = model.tausDays.length;
  const ti = model.interactionTau;
  const exposure = new Float64Array(model.services.length * b);
  const fast = fastOf(model);
  /** Marker counts so far, per service and marker. */
  const markers = model.markers.map((list) => new Int32Array(list.length));
  /** Per service: v_s . standardised marker values so far (starts at the zero-count value). */
  const modifier = Float64Array.from(fast.modifierAtZero);
  const refs = markersById(prep, model);
  const windows = windowCount(prep);
  const histFeatures = historyFeatures ?? (split.history === null ? new Int32Array(0) : eventFeatures(prep, split.history));
  /** The history counts' part of the logit after each history step (the logreg's prefix counts). */
  const zCounts = prefixCountLogits(w.counts, 0, histFeatures, featureDim(prep));
  let zExposure = 0;
  let zInter = 0;
  let h = 0;
  for (let t = 0; t < n; t++) {
    const e = path.events[t] as PathEvent;
    const s = split.service[t] as number;
    if (s < 0) {
      const f = histFeatures[h++] as number;
      for (const ref of refs[Math.floor(f / windows)] ?? NO_REFS) {
        const list = markers[ref.service] as Int32Array;
        const old = list[ref.marker] as number;
        list[ref.marker] = old + 1;
        const v = ((fast.scaledInteractions[ref.service] as Float64Array)[ref.marker] as number) * logStep(old);
        modifier[ref.service] = (modifier[ref.service] as number) + v;
        zInter += v * (exposure[ref.service * b + ti] as number);
      }
    } else {
      const age = Math.max(0, e.ageDays);
      for (let k = 0; k < b; k++) {
        const d = Math.exp(-age / (model.tausDays[k] as number));
        exposure[s * b + k] = (exposure[s * b + k] as number) + d;
        zExposure += (w.exposure[s * b + k] as number) * d;
        if (k === ti) zInter += (modifier[s] as number) * d;
      }
    }
    const hs = split.historyStep[t] as number;
    const g = hs < 0 || baseLogits === null ? model.emptyHistoryLogit : (baseLogits[hs] as number);
    out[t] = w.bias + w.base * g + (hs < 0 ? 0 : (zCounts[hs] as number)) + zExposure + zInter;
  }
  return out;
}

/** Column layout of the second stage's design: base logit, counts, exposures, interactions. */
export interface EffectColumns {
  base: number;
  counts: number;
  exposure: number;
  /** First column of each service's interactions. */
  interactions: number[];
  cols: number;
}

export function effectColumns(prep: Preprocessing, shape: EffectShape): EffectColumns {
  const counts = 1;
  const exposure = counts + featureDim(prep);
  let next = exposure + shape.services.length * shape.tausDays.length;
  const interactions = shape.markers.map((list) => {
    const start = next;
    next += list.length;
    return start;
  });
  return { base: 0, counts, exposure, interactions, cols: next };
}

/** The second stage's design row of a whole path (its final step): sorted column indices and values. */
export function effectDesignRow(
  prep: Preprocessing,
  shape: EffectShape,
  columns: EffectColumns,
  path: Path,
  split: TreatmentSplit,
  baseFinal: number,
  /** eventFeatures(prep, split.history) when the caller already has them. */
  historyFeatures?: Int32Array,
): { indices: Int32Array; values: Float64Array } {
  const cells = new Map<number, number>();
  cells.set(columns.base, baseFinal);
  const b = shape.tausDays.length;
  const exposure = new Float64Array(shape.services.length * b);
  const markerCounts = shape.markers.map((list) => new Float64Array(list.length));
  const refs = markersById(prep, shape);
  const windows = windowCount(prep);
  const histFeatures = historyFeatures ?? (split.history === null ? new Int32Array(0) : eventFeatures(prep, split.history));
  let h = 0;
  path.events.forEach((e, t) => {
    const s = split.service[t] as number;
    if (s < 0) {
      const f = histFeatures[h++] as number;
      for (const ref of refs[Math.floor(f / windows)] ?? NO_REFS) {
        const list = markerCounts[ref.service] as Float64Array;
        list[ref.marker] = (list[ref.marker] as number) + 1;
      }
    } else {
      const age = Math.max(0, e.ageDays);
      for (let k = 0; k < b; k++) exposure[s * b + k] = (exposure[s * b + k] as number) + Math.exp(-age / (shape.tausDays[k] as number));
    }
  });
  const counts = sparseCounts(histFeatures);
  counts.indices.forEach((f, k) => {
    cells.set(columns.counts + f, counts.values[k] as number);
  });
  exposure.forEach((v, j) => {
    if (v !== 0) cells.set(columns.exposure + j, v);
  });
  markerCounts.forEach((list, s) => {
    const e = exposure[s * b + shape.interactionTau] as number;
    if (e === 0) return;
    list.forEach((c, k) => {
      cells.set((columns.interactions[s] as number) + k, e * standardised(shape, s, k, Math.log1p(c)));
    });
  });
  const indices = Int32Array.from([...cells.keys()].sort((x, y) => x - y));
  return { indices, values: Float64Array.from(indices, (j) => cells.get(j) as number) };
}
