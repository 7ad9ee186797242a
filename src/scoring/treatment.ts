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
import { z } from 'zod';
import type { Catalogue } from '../schemas/catalogue.js';
import type { Path, PathEvent } from '../schemas/path.js';
import { eventFeatures, featureDim, logStep, prefixCountLogits, sparseCounts, windowCount } from './logreg.js';
import { indexAgeOf, type Preprocessing, PAD_TOKEN, RARE_CODE, tokenKey, UNK_TOKEN } from './preprocessing.js';

export const EFFECT_MODEL_VERSION = 1;

export const TreatedServiceSchema = z.object({ code: z.string().min(1), relation: z.string().min(1) }).strict();

export const EffectModelSchema = z
  .object({
    formatVersion: z.literal(EFFECT_MODEL_VERSION),
    method: z.literal('treatment-aware'),
    /** The catalogue services whose starts are treatments: (code, receiver). */
    services: z.array(TreatedServiceSchema).min(1),
    /** Starts before this child age are history (a receipt for an older sibling), not treatment. */
    fromAgeDays: z.number().int(),
    /** Time constants of the exposure basis exp(-age / tau). */
    tausDays: z.array(z.number().positive()).min(1),
    /** Which tau the interaction terms use. */
    interactionTau: z.number().int().min(0),
    /** Per service: the receiver's history tokens (relation|domain|code) whose log-counts modify the effect. */
    markers: z.array(z.array(z.string())),
    /**
     * Per service and marker: the training mean and standard deviation of log1p(count). Markers enter standardised,
     * so the exposure weights are the effect in a family with average markers and the interactions its deviations.
     */
    markerMean: z.array(z.array(z.number())),
    markerScale: z.array(z.array(z.number().positive())),
    /** Logit used for g when a path has no history event yet. */
    emptyHistoryLogit: z.number(),
    l2: z.number().min(0),
    weights: z
      .object({
        bias: z.number(),
        base: z.number(),
        /** One per logreg count feature of the preprocessing (token x window). */
        counts: z.array(z.number()),
        /** [service][tau], flattened service-major. */
        exposure: z.array(z.number()),
        /** [service][marker]. */
        interactions: z.array(z.array(z.number())),
      })
      .strict(),
  })
  .strict()
  .superRefine((m, ctx) => {
    const s = m.services.length;
    if (m.interactionTau >= m.tausDays.length) ctx.addIssue({ code: 'custom', path: ['interactionTau'], message: 'must index tausDays' });
    if (m.markers.length !== s) ctx.addIssue({ code: 'custom', path: ['markers'], message: 'one marker list per service' });
    for (const key of ['markerMean', 'markerScale'] as const) {
      if (m[key].length !== s || m[key].some((w, i) => w.length !== (m.markers[i]?.length ?? -1))) ctx.addIssue({ code: 'custom', path: [key], message: 'one value per service marker' });
    }
    if (m.weights.exposure.length !== s * m.tausDays.length) ctx.addIssue({ code: 'custom', path: ['weights', 'exposure'], message: 'services x taus weights' });
    if (m.weights.interactions.length !== s || m.weights.interactions.some((w, i) => w.length !== (m.markers[i]?.length ?? -1))) {
      ctx.addIssue({ code: 'custom', path: ['weights', 'interactions'], message: 'one weight per service marker' });
    }
  });
export type EffectModel = z.infer<typeof EffectModelSchema>;

/** What a fitted effect model is made of, before its weights. */
export type EffectShape = Pick<EffectModel, 'services' | 'fromAgeDays' | 'tausDays' | 'interactionTau' | 'markers' | 'markerMean' | 'markerScale'>;

export const DEFAULT_TAUS_DAYS = [300, 1000, 3000];
export const DEFAULT_INTERACTION_TAU = 1;

/** The catalogue's treatments: each service as (code, receiver), counted from the first insertion age on. */
export function treatedServices(catalogue: Catalogue): Pick<EffectShape, 'services' | 'fromAgeDays'> {
  return { services: catalogue.services.map((s) => ({ code: s.code, relation: s.relation })), fromAgeDays: catalogue.insertion.fromAgeDays };
}

/**
 * The effect model's shape for a catalogue: every service, the receiver's vocabulary tokens as markers, and the
 * markers' mean and spread over the training histories (a marker that never varies is left out).
 */
export function effectShape(
  prep: Preprocessing,
  catalogue: Catalogue,
  training: readonly { path: Path; split: TreatmentSplit }[],
  tausDays: readonly number[] = DEFAULT_TAUS_DAYS,
  interactionTau = DEFAULT_INTERACTION_TAU,
): EffectShape {
  const { services, fromAgeDays } = treatedServices(catalogue);
  const tokens = prep.vocab.filter((t) => t !== PAD_TOKEN && t !== UNK_TOKEN && !t.endsWith(`|${RARE_CODE}`));
  const sum = new Map<string, number>();
  const sumSq = new Map<string, number>();
  for (const { path, split } of training) {
    const counts = new Map<string, number>();
    path.events.forEach((e, t) => {
      if ((split.service[t] as number) < 0) counts.set(tokenKey(e), (counts.get(tokenKey(e)) ?? 0) + 1);
    });
    for (const [key, c] of counts) {
      const v = Math.log1p(c);
      sum.set(key, (sum.get(key) ?? 0) + v);
      sumSq.set(key, (sumSq.get(key) ?? 0) + v * v);
    }
  }
  const n = Math.max(1, training.length);
  const stats = new Map(
    tokens.map((t) => {
      const mean = (sum.get(t) ?? 0) / n;
      const variance = (sumSq.get(t) ?? 0) / n - mean * mean;
      return [t, { mean, sd: Math.sqrt(Math.max(0, variance)) }];
    }),
  );
  const markers = services.map((s) => tokens.filter((t) => t.startsWith(`${s.relation}|`) && (stats.get(t)?.sd ?? 0) > 1e-6));
  return {
    services,
    fromAgeDays,
    tausDays: [...tausDays],
    interactionTau: Math.min(interactionTau, tausDays.length - 1),
    markers,
    markerMean: markers.map((list) => list.map((t) => stats.get(t)?.mean ?? 0)),
    markerScale: markers.map((list) => list.map((t) => stats.get(t)?.sd ?? 1)),
  };
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
export function treatmentOf(shape: Pick<EffectShape, 'services' | 'fromAgeDays'>, e: PathEvent): number {
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

export function splitTreatments(shape: Pick<EffectShape, 'services' | 'fromAgeDays'>, path: Path): TreatmentSplit {
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

/** The second stage's design row of a whole path (its final step): sorted column indices and values. */
export function effectDesignRow(prep: Preprocessing, shape: EffectShape, columns: EffectColumns, path: Path, split: TreatmentSplit, baseFinal: number): { indices: Int32Array; values: Float64Array } {
  const cells = new Map<number, number>();
  cells.set(columns.base, baseFinal);
  const b = shape.tausDays.length;
  const exposure = new Float64Array(shape.services.length * b);
  const markerCounts = shape.markers.map((list) => new Float64Array(list.length));
  const refs = markersById(prep, shape);
  const windows = windowCount(prep);
  const histFeatures = split.history === null ? new Int32Array(0) : eventFeatures(prep, split.history);
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

/** Stage-two weights from a flat parameter vector laid out by effectColumns (bias last). */
export function effectWeightsFrom(shape: EffectShape, columns: EffectColumns, theta: Float64Array): EffectModel['weights'] {
  return {
    bias: theta[columns.cols] as number,
    base: theta[columns.base] as number,
    counts: Array.from(theta.subarray(columns.counts, columns.exposure)),
    exposure: Array.from(theta.subarray(columns.exposure, columns.exposure + shape.services.length * shape.tausDays.length)),
    interactions: shape.markers.map((list, s) => Array.from(theta.subarray(columns.interactions[s] as number, (columns.interactions[s] as number) + list.length))),
  };
}
