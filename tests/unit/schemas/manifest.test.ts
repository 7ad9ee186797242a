// The manifest's stages: derived from the model kind and the training config, and checked against them, so a
// manifest cannot claim a stage its training did not fit (or hide one it did).
import { describe, expect, it } from 'vitest';
import { hasStage, ManifestSchema, StoredManifestSchema, stagesOf } from '../../../src/schemas/manifest.js';
import { fitsEffectModel, ResolvedTrainConfigSchema, TrainConfigSchema, resolveContextHalfLives } from '../../../src/schemas/train-config.js';
import { fixtureEvidence } from '../card/fixtures.js';

describe('bundle stages', () => {
  it('lists base model, effect model (treatment adjustments only) and calibration in scoring order', () => {
    expect(stagesOf('logreg', { adjustment: 'none', calibration: 'isotonic' })).toEqual([
      { stage: 'base-model', kind: 'logreg', files: ['logreg.json'] },
      { stage: 'calibration', method: 'isotonic', file: 'calibration.json' },
    ]);
    for (const adjustment of ['none', 'ipw', 'treatment', 'treatment+ipw'] as const) {
      const stages = stagesOf('gru', { adjustment, calibration: 'platt' });
      expect(stages.map((s) => s.stage)).toEqual(fitsEffectModel(adjustment) ? ['base-model', 'effect-model', 'calibration'] : ['base-model', 'calibration']);
    }
  });

  it('refuses a manifest whose stages disagree with its model kind or training config', () => {
    const { manifest } = fixtureEvidence();
    expect(ManifestSchema.safeParse(manifest).success).toBe(true);
    expect(hasStage(ManifestSchema.parse(manifest), 'effect-model')).toBe(false);
    const treated = { ...manifest, resolvedConfig: { ...manifest.resolvedConfig, adjustment: 'treatment' as const } };
    const missing = ManifestSchema.safeParse(treated);
    expect(missing.success).toBe(false);
    expect(missing.error?.issues.map((i) => i.path.join('/'))).toContain('stages');
    const fixed = ManifestSchema.parse({ ...treated, stages: stagesOf('gru', treated.resolvedConfig) });
    expect(hasStage(fixed, 'effect-model')).toBe(true);
    expect(ManifestSchema.safeParse({ ...manifest, modelKind: 'logreg' }).success).toBe(false);
  });

  it('types resolvedConfig: unknown keys, an unresolved maxLen or context are refused', () => {
    const config = TrainConfigSchema.parse({});
    expect(config.contextHalfLivesDays).toBe('auto');
    const resolved = { ...config, maxLen: 64, contextHalfLivesDays: resolveContextHalfLives(config) };
    expect(resolved.contextHalfLivesDays).toEqual([60]);
    expect(resolveContextHalfLives(TrainConfigSchema.parse({ cell: 'full' }))).toEqual([]);
    expect(resolveContextHalfLives(TrainConfigSchema.parse({ model: 'transformer' }))).toEqual([]);
    expect(resolveContextHalfLives(TrainConfigSchema.parse({ contextHalfLivesDays: [30, 180] }))).toEqual([30, 180]);
    expect(ResolvedTrainConfigSchema.safeParse(resolved).success).toBe(true);
    expect(ResolvedTrainConfigSchema.safeParse({ ...resolved, maxLen: 'auto' }).success).toBe(false);
    expect(ResolvedTrainConfigSchema.safeParse({ ...resolved, contextHalfLivesDays: 'auto' }).success).toBe(false);
    // A manifest written before the context existed reads as none.
    const { contextHalfLivesDays: _, ...older } = resolved;
    expect(ResolvedTrainConfigSchema.parse(older).contextHalfLivesDays).toEqual([]);
    expect(ResolvedTrainConfigSchema.safeParse({ ...resolved, adjustmnet: 'ipw' }).success).toBe(false);
  });
});

describe('stored manifests from before the stages list', () => {
  it('derive their stages from modelKind and resolvedConfig (and fill config keys added since)', () => {
    const { manifest } = fixtureEvidence();
    const { stages: _stages, ...legacy } = manifest;
    const { cell: _cell, ...oldConfig } = legacy.resolvedConfig;
    const read = StoredManifestSchema.parse({ ...legacy, resolvedConfig: oldConfig });
    expect(read.stages).toEqual(stagesOf('gru', manifest.resolvedConfig));
    expect(read.resolvedConfig.cell).toBe('minimal');
    expect(ManifestSchema.safeParse(legacy).success).toBe(false);
  });
});
