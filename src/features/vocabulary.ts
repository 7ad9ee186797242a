// Fits the preprocessing on the training split: the vocabulary (rare codes folded per relation and domain)
// and the feature scales. Deterministic: tokens are sorted.
import type { Path } from '../schemas/path.js';
import { DEFAULT_STEP_FEATURES, rareKey, tokenKey } from './preprocessing.js';
import { PAD_TOKEN, type Preprocessing, PREPROCESSING_VERSION, UNK_TOKEN } from '../schemas/fitted-models.js';

interface FitPreprocessingOptions {
  minPersonsPerCode: number;
  maxLen: number;
  /** Logreg count windows (days before index); default 1 year and 3 years. */
  countWindowsDays?: number[];
}

const DAYS_PER_YEAR = 365.25;

/** Vocabulary from training paths only: a token counts the persons (paths) it occurs in, not its events. */
export function fitPreprocessing(trainingPaths: readonly Path[], opts: FitPreprocessingOptions): Preprocessing {
  const persons = new Map<string, number>();
  const rare = new Set<string>();
  for (const path of trainingPaths) {
    const seen = new Set<string>();
    for (const e of path.events) {
      rare.add(rareKey(e));
      const key = tokenKey(e);
      if (seen.has(key)) continue;
      seen.add(key);
      persons.set(key, (persons.get(key) ?? 0) + 1);
    }
  }
  const kept = [...persons].filter(([, n]) => n >= opts.minPersonsPerCode).map(([key]) => key);
  const vocab = [PAD_TOKEN, UNK_TOKEN, ...[...new Set([...kept, ...rare])].sort()];
  return {
    formatVersion: PREPROCESSING_VERSION,
    tokenScheme: 'relation|domain|code',
    vocab,
    minPersonsPerCode: opts.minPersonsPerCode,
    maxLen: opts.maxLen,
    stepFeatures: [...DEFAULT_STEP_FEATURES],
    scales: { ageDays: 5 * DAYS_PER_YEAR, beforeIndexDays: 5 * DAYS_PER_YEAR, logGap: Math.log1p(365) },
    countWindowsDays: opts.countWindowsDays ?? [365, 1096],
  };
}

/** A context length that covers most paths: the given quantile of path lengths, within [minLen, maxLen]. */
export function chooseMaxLen(paths: readonly Path[], quantile: number, minLen: number, maxLen: number): number {
  if (paths.length === 0) return minLen;
  const lengths = paths.map((p) => p.events.length).sort((a, b) => a - b);
  const q = lengths[Math.min(lengths.length - 1, Math.floor(quantile * lengths.length))] as number;
  return Math.max(minLen, Math.min(maxLen, q));
}
