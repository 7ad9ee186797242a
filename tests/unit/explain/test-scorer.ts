// A transparent test double for PathScorer: additive logistic risk over codes, with a call counter.
import type { Catalogue, CatalogueInput, Path, PathScorer } from '../../../src/schemas/index.js';
import { CatalogueSchema } from '../../../src/schemas/index.js';

export interface CountingScorer extends PathScorer {
  calls: number;
  pathsScored: number;
}

/** risk after step i = sigmoid(bias + sum of weights of codes up to i); unknown codes weigh 0. */
export function additiveScorer(weights: Record<string, number>, bias = -2): CountingScorer {
  const scorer: CountingScorer = {
    modelKind: 'logreg',
    calls: 0,
    pathsScored: 0,
    async scoreTrajectories(paths: readonly Path[]) {
      scorer.calls++;
      scorer.pathsScored += paths.length;
      return paths.map((p) => {
        const out = new Float64Array(p.events.length);
        let z = bias;
        p.events.forEach((e, i) => {
          z += weights[e.code] ?? 0;
          out[i] = 1 / (1 + Math.exp(-z));
        });
        return out;
      });
    },
  };
  return scorer;
}

export function catalogue(input: Partial<CatalogueInput> = {}): Catalogue {
  return CatalogueSchema.parse({
    services: [
      { code: 'FAMILY_WORK', domain: 'social_work', label: 'Family work', labelFi: 'Perhetyö' },
      { code: 'HOME_HELP', domain: 'social_work', label: 'Home help', labelFi: 'Kotipalvelu' },
      { code: 'ECEC', domain: 'early_education', label: 'Early education', labelFi: 'Varhaiskasvatus', minAgeDays: 270 },
    ],
    insertion: { fromAgeDays: 0, stepDays: 182 },
    ...input,
  });
}

export function samplePath(): Path {
  return {
    indexAgeDays: 1096,
    events: [
      { code: 'BIRTH', domain: 'health', relation: 'self', ageDays: 0, immutable: true },
      { code: 'VISIT', domain: 'health', relation: 'self', ageDays: 30 },
      { code: 'MOTHER_DEPRESSION', domain: 'mental_health', relation: 'mother', ageDays: 200, immutable: true },
      { code: 'INCOME_SUPPORT', domain: 'income_support', relation: 'mother', ageDays: 400 },
      { code: 'VISIT', domain: 'health', relation: 'self', ageDays: 400 },
      { code: 'CW_NOTICE', domain: 'child_welfare', relation: 'self', ageDays: 800 },
    ],
  };
}

export const WEIGHTS: Record<string, number> = {
  MOTHER_DEPRESSION: 1.2,
  INCOME_SUPPORT: 0.5,
  CW_NOTICE: 0.9,
  VISIT: -0.05,
  FAMILY_WORK: -0.8,
  HOME_HELP: -0.3,
  ECEC: -0.5,
};
