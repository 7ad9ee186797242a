// The shared preprocessing: path events -> token ids and per-step continuous features. Training and scoring
// both call these functions with the same preprocessing.json, so a path is encoded identically in both.
import { type Preprocessing, UNK_ID, type STEP_FEATURES } from '../schemas/fitted-models.js';
import { indexAgeOf, type Path, type PathEvent } from '../schemas/path.js';

export const RARE_CODE = '<rare>';
/** The step features new preprocessings use. */
export const DEFAULT_STEP_FEATURES: readonly (typeof STEP_FEATURES)[number][] = [
  'ageYears',
  'yearsBeforeIndex',
  'logGapDays',
  'recency90',
  'recency365',
  'logGapSameToken',
  'logGapSameDomain',
];
/** Days standing in for "no earlier event of this token (domain) in the path" in the same-token (domain) gaps. */
const NO_EARLIER_DAYS = 3650;

export function tokenKey(e: Pick<PathEvent, 'relation' | 'domain' | 'code'>): string {
  return `${e.relation}|${e.domain}|${e.code}`;
}

export function rareKey(e: Pick<PathEvent, 'relation' | 'domain'>): string {
  return `${e.relation}|${e.domain}|${RARE_CODE}`;
}

/** relation -> domain -> code -> token id, and relation -> domain -> the `<rare>` token id (no string keys per event). */
interface TokenLookup {
  ids: Map<string, Map<string, Map<string, number>>>;
  rare: Map<string, Map<string, number>>;
}

const lookups = new WeakMap<Preprocessing, TokenLookup>();

function lookupOf(prep: Preprocessing): TokenLookup {
  let lookup = lookups.get(prep);
  if (lookup === undefined) {
    lookup = { ids: new Map(), rare: new Map() };
    prep.vocab.forEach((token, id) => {
      const [relation, domain, ...rest] = token.split('|');
      if (relation === undefined || domain === undefined || rest.length === 0) return; // <pad>, <unk>
      const code = rest.join('|');
      const l = lookup as TokenLookup;
      if (code === RARE_CODE) {
        const byDomain = l.rare.get(relation) ?? new Map<string, number>();
        byDomain.set(domain, id);
        l.rare.set(relation, byDomain);
        return;
      }
      const byDomain = l.ids.get(relation) ?? new Map<string, Map<string, number>>();
      const byCode = byDomain.get(domain) ?? new Map<string, number>();
      byCode.set(code, id);
      byDomain.set(domain, byCode);
      l.ids.set(relation, byDomain);
    });
    lookups.set(prep, lookup);
  }
  return lookup;
}

export function tokenId(prep: Preprocessing, e: Pick<PathEvent, 'relation' | 'domain' | 'code'>): number {
  const l = lookupOf(prep);
  return l.ids.get(e.relation)?.get(e.domain)?.get(e.code) ?? l.rare.get(e.relation)?.get(e.domain) ?? UNK_ID;
}


/** The step features by kind, numbered once per preprocessing (encodeEvents' hot loop compares numbers, not names). */
const FEATURE_KINDS = ['ageYears', 'yearsBeforeIndex', 'recency90', 'recency365', 'logGapSameToken', 'logGapSameDomain'] as const;
const featureKindCache = new WeakMap<Preprocessing, Int8Array>();
function featureKinds(prep: Preprocessing): Int8Array {
  let kinds = featureKindCache.get(prep);
  if (kinds === undefined) {
    // -1: the gap since the previous event (the one remaining kind).
    kinds = Int8Array.from(prep.stepFeatures, (name) => FEATURE_KINDS.indexOf(name as (typeof FEATURE_KINDS)[number]));
    featureKindCache.set(prep, kinds);
  }
  return kinds;
}

/** Token id and step features of every event of the path (the whole path, before truncation). */
export function encodeEvents(prep: Preprocessing, path: Path): { tokens: Int32Array; feats: Float32Array } {
  const n = path.events.length;
  const kinds = featureKinds(prep);
  const f = kinds.length;
  const tokens = new Int32Array(n);
  const feats = new Float32Array(n * f);
  const indexAge = indexAgeOf(path);
  const { ageDays: ageScale, beforeIndexDays, logGap } = prep.scales;
  let prevAge: number | null = null;
  const lastOfToken = new Map<number, number>();
  const lastOfDomain = new Map<string, number>();
  const logGapSince = (last: number | undefined, age: number) => Math.log1p(last === undefined ? NO_EARLIER_DAYS : Math.max(0, age - last)) / logGap;
  for (let t = 0; t < n; t++) {
    const e = path.events[t] as PathEvent;
    const token = tokenId(prep, e);
    tokens[t] = token;
    for (let j = 0; j < f; j++) {
      let v: number;
      switch (kinds[j]) {
        case 0:
          v = e.ageDays / ageScale;
          break;
        case 1:
          v = (indexAge - e.ageDays) / beforeIndexDays;
          break;
        case 2:
          v = 2 ** (-Math.max(0, indexAge - e.ageDays) / 90);
          break;
        case 3:
          v = 2 ** (-Math.max(0, indexAge - e.ageDays) / 365);
          break;
        case 4:
          v = logGapSince(lastOfToken.get(token), e.ageDays);
          break;
        case 5:
          v = logGapSince(lastOfDomain.get(e.domain), e.ageDays);
          break;
        default:
          v = prevAge === null ? 0 : Math.log1p(Math.max(0, e.ageDays - prevAge)) / logGap;
      }
      feats[t * f + j] = v;
    }
    prevAge = e.ageDays;
    lastOfToken.set(token, e.ageDays);
    lastOfDomain.set(e.domain, e.ageDays);
  }
  return { tokens, feats };
}

export interface EncodedBatch {
  tokens: Int32Array; // [B*T], right-padded with 0
  feats: Float32Array; // [B*T*F]
  lengths: Int32Array; // [B]
  batchSize: number;
  seqLen: number;
}

/** Rows [start, end) of each path's encoded events, right-padded to the longest row. */
export function encodeWindows(prep: Preprocessing, rows: readonly { path: Path; start: number; end: number }[], encoded?: readonly { tokens: Int32Array; feats: Float32Array }[]): EncodedBatch {
  const f = prep.stepFeatures.length;
  const batchSize = rows.length;
  let seqLen = 1;
  for (const r of rows) seqLen = Math.max(seqLen, r.end - r.start); // no spread: rows may be many
  const tokens = new Int32Array(batchSize * seqLen);
  const feats = new Float32Array(batchSize * seqLen * f);
  const lengths = new Int32Array(batchSize);
  rows.forEach((r, i) => {
    const enc = encoded?.[i] ?? encodeEvents(prep, r.path);
    const len = r.end - r.start;
    lengths[i] = len;
    tokens.set(enc.tokens.subarray(r.start, r.end), i * seqLen);
    feats.set(enc.feats.subarray(r.start * f, r.end * f), i * seqLen * f);
  });
  return { tokens, feats, lengths, batchSize, seqLen };
}

/** Where a sequence model's input of an n-event path starts: its most recent maxLen events are the input. */
const windowStart = (prep: Preprocessing, n: number): number => Math.max(0, n - prep.maxLen);

/** The events of a path a sequence model reads at its index date (and so all its wide part counts). */
export function modelWindow(prep: Preprocessing, path: Path): Path {
  const start = windowStart(prep, path.events.length);
  return start === 0 ? path : { ...path, events: path.events.slice(start) };
}

/** The model input of each path: its most recent maxLen events (as in training). */
export function encodePaths(prep: Preprocessing, paths: readonly Path[]): EncodedBatch {
  return encodeWindows(
    prep,
    paths.map((path) => ({ path, start: windowStart(prep, path.events.length), end: path.events.length })),
  );
}

/**
 * Windows that give a risk after every step of an n-event path with a causal model of context maxLen:
 * [0, min(n, maxLen)) read at every position, then for each later step i the window ending at i, read at its end.
 * The last window is always the training-time input (the most recent maxLen events).
 */
export function trajectoryWindows(n: number, maxLen: number): { start: number; end: number; readFrom: number }[] {
  const first = Math.min(n, maxLen);
  const windows = [{ start: 0, end: first, readFrom: 0 }];
  for (let i = maxLen; i < n; i++) windows.push({ start: i - maxLen + 1, end: i + 1, readFrom: maxLen - 1 });
  return windows;
}
