import { describe, expect, it } from 'vitest';
import { buildModelCard, resolvePointer } from '../../../src/card/index.js';
import { type ModelCard, ModelCardSchema } from '../../../src/schemas/model-card.js';
import { stagesOf } from '../../../src/schemas/manifest.js';
import { fixtureEvidence } from './fixtures.js';

type Docs = Record<string, unknown>;

/** Walks the card; every sourced value must equal its source, every other number is reported as untraced. */
function traceNumbers(node: unknown, docs: Docs, path: string, untraced: string[], traced: { count: number }): void {
  if (typeof node === 'number') {
    untraced.push(path);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  if ('source' in obj && 'value' in obj) {
    const source = obj['source'] as { file: string; pointer: string };
    expect(docs[source.file], `${path}: unknown source file ${source.file}`).toBeDefined();
    expect(obj['value'], `${path} vs ${source.file}#${source.pointer}`).toEqual(resolvePointer(docs[source.file], source.pointer));
    traced.count++;
    return;
  }
  if ('derived' in obj && 'value' in obj) {
    const [a, b] = (obj['derived'] as { operands: { file: string; pointer: string }[] }).operands;
    const va = resolvePointer(docs[a!.file], a!.pointer) as number;
    const vb = resolvePointer(docs[b!.file], b!.pointer) as number;
    expect(obj['value'], path).toBeCloseTo(va - vb, 12);
    traced.count++;
    return;
  }
  for (const [key, child] of Object.entries(obj)) traceNumbers(child, docs, `${path}/${key}`, untraced, traced);
}

describe('buildModelCard', () => {
  const evidence = fixtureEvidence();
  const card = buildModelCard(evidence);
  const docs: Docs = { 'manifest.json': evidence.manifest, 'metrics.json': evidence.metrics, 'training-log.jsonl': evidence.trainingLog };

  it('describes the wide part and a weight average only when the resolved config has them', () => {
    const description = (resolvedConfig: Record<string, unknown>) => {
      const e = fixtureEvidence();
      return (buildModelCard({ ...e, manifest: { ...e.manifest, resolvedConfig: { ...e.manifest.resolvedConfig, ...resolvedConfig } } }).model_parameters as { architecture_description: string }).architecture_description;
    };
    expect(description({ wide: true, emaDecay: 0.999 })).toMatch(/wide part.*moving average over the training steps \(decay 0\.999\)/);
    expect(description({ wide: false, emaDecay: 0 })).not.toMatch(/wide part|moving average/);
    expect(description({ wide: true, wideInit: 'zero' })).toMatch(/learnt jointly\)/);
    expect(description({ wide: true, wideInit: 'logreg-fixed' })).toMatch(/baseline fitted first .* kept fixed .* learns only what it adds/);
  });

  it("says when the intervention estimates are unadjusted, and the intervals' method when they have them", () => {
    const description = (resolvedConfig: Record<string, unknown>, adjustment: 'none' | 'treatment') => {
      const e = fixtureEvidence();
      const manifest = { ...e.manifest, stages: stagesOf('gru', { adjustment, calibration: 'platt' }), resolvedConfig: { ...e.manifest.resolvedConfig, adjustment, ...resolvedConfig } };
      return (buildModelCard({ ...e, manifest }).model_parameters as { architecture_description: string }).architecture_description;
    };
    expect(description({}, 'none')).toMatch(/unadjusted associations, and the API and the page label them so/);
    expect(description({}, 'none')).not.toMatch(/percentile interval/);
    const treated = (replicates: number) => ({ treatment: { tausDays: [300, 1000, 3000], interactionTau: 1, bootstrapReplicates: replicates, intervalLevel: 0.9 } });
    expect(description(treated(50), 'treatment')).toMatch(/Treatment-aware outcome model .* 90% percentile interval from 50 refits of the second stage on bootstrap resamples of the training families/);
    expect(description(treated(0), 'treatment')).not.toMatch(/percentile interval/);
  });

  it('states the disclosure rules in force, and differential privacy only when the training used it', () => {
    const e = fixtureEvidence();
    const plain = buildModelCard(e).privacy_measures;
    expect(plain.min_count?.value).toBe(5);
    expect(plain.min_count?.source).toEqual({ file: 'manifest.json', pointer: '/privacy/minCount' });
    expect(plain.differential_privacy).toBeUndefined();
    const dp = buildModelCard({ ...e, manifest: { ...e.manifest, resolvedConfig: { ...e.manifest.resolvedConfig, privacy: { epsilon: 0.5 } } } }).privacy_measures;
    expect(dp.differential_privacy?.epsilon.value).toBe(0.5);
    expect(dp.differential_privacy?.epsilon.source).toEqual({ file: 'manifest.json', pointer: '/resolvedConfig/privacy/epsilon' });
    expect(dp.statements.join(' ')).toMatch(/secondary suppression/);
  });

  it('validates against ModelCardSchema', () => {
    expect(ModelCardSchema.safeParse(card).success).toBe(true);
    expect(card.model_details.name.value).toBe('child-welfare-3y');
  });

  it('traces every number in the card to metrics.json, manifest.json or training-log.jsonl', () => {
    const untraced: string[] = [];
    const traced = { count: 0 };
    const { schema_version: _formatVersion, ...rest } = card;
    traceNumbers(rest, docs, '', untraced, traced);
    expect(untraced).toEqual([]);
    expect(traced.count).toBeGreaterThan(100);
    const auroc = card.quantitative_analysis.performance_metrics.find((m) => m.type === 'auroc' && m.slice === 'overall' && m.split === 'test')!;
    expect(auroc.value.source).toEqual({ file: 'metrics.json', pointer: '/test/overall/auroc/estimate' });
  });

  it('detects a number that does not match its source', () => {
    const tampered = structuredClone(card);
    tampered.privacy_measures.k.value = 3;
    expect(() => traceNumbers(tampered, docs, '', [], { count: 0 })).toThrow();
  });

  it('lists TRIPOD+AI items with where each is answered', () => {
    expect(card.tripod_ai_checklist.length).toBeGreaterThanOrEqual(25);
    for (const item of card.tripod_ai_checklist) expect(item.answered_in.length).toBeGreaterThan(0);
    expect(card.tripod_ai_checklist.map((t) => t.item)).toEqual(expect.arrayContaining(['1', '12a', '23b', '26']));
  });

  it('shows suppressed groups with no numbers and cites limitations and oversight', () => {
    const island = card.quantitative_analysis.subgroups.find((s) => s.label === 'island')!;
    expect(island).toEqual({ attribute: 'area', label: 'island', suppressed: true });
    expect(card.quantitative_analysis.performance_metrics.some((m) => m.slice === 'area=island')).toBe(false);
    expect(card.limitations.join(' ')).toMatch(/associations/);
    expect(card.limitations.join(' ')).toMatch(/Confounding by indication/);
    expect(card.human_oversight.length).toBeGreaterThan(0);
    expect(card.evaluation_design.external_validation[0]!.store).toBe('vantaa-2024');
    expect(card.data_governance.inputs[0]!.quarantined_by_reason.map((r) => r.reason)).toEqual(['bad_date', 'unknown/sex']);
  });

  it('writes a change log against the previous card with traced deltas and config changes', () => {
    const previousEvidence = fixtureEvidence({ seed: 6, version: '1', learningRate: 0.01 });
    const previousCard: ModelCard = buildModelCard(previousEvidence);
    const next = buildModelCard({ ...evidence, previousCard });
    const log = next.change_log!;
    expect(log.previous_version.value).toBe('1');
    expect(log.config_changes).toEqual([
      expect.objectContaining({ path: '/learningRate', current: expect.objectContaining({ value: 0.001 }), previous: expect.objectContaining({ value: 0.01 }) }),
    ]);
    expect(log.metric_changes.length).toBeGreaterThan(5);
    const untraced: string[] = [];
    traceNumbers(log, { ...docs, 'previous/model-card.json': previousCard }, '/change_log', untraced, { count: 0 });
    expect(untraced).toEqual([]);
  });

  it('reports the membership-inference attack under privacy measures, traced to metrics.json', () => {
    const mi = card.privacy_measures.membership_inference!;
    const attack = evidence.metrics.privacy!.membership;
    expect(mi.auc.value).toEqual({ value: attack.auc.estimate, source: { file: 'metrics.json', pointer: '/privacy/membership/auc/estimate' } });
    expect(mi.auc.lower.source.pointer).toBe('/privacy/membership/auc/lower');
    expect(mi.target).toEqual({ value: 0.55, source: { file: 'metrics.json', pointer: '/privacy/membership/target' } });
    expect(mi.method.value).toBe('loss-threshold (Yeom et al. 2018)');
    expect(mi.balancing.value).toBe('sampled members');
    expect(mi.members.value).toBe(200);
    expect(card.privacy_measures.statements.join(' ')).toMatch(/Membership inference is measured/);
    expect(card.model_details.references.map((r) => r.reference)).toContainEqual(expect.stringMatching(/Yeom et al\., IEEE CSF 2018/));
  });

  it('says in the limitations whether the attack AUC is within the target, flipping above it', () => {
    const withAuc = (estimate: number | null) => {
      const e = fixtureEvidence();
      e.metrics.privacy!.membership.auc.estimate = estimate;
      return buildModelCard(e);
    };
    const at = withAuc(0.55);
    const above = withAuc(0.5501);
    const undefinedAuc = withAuc(null);
    expect(at.privacy_measures.membership_inference!.within_target).toBe(true);
    expect(above.privacy_measures.membership_inference!.within_target).toBe(false);
    expect(undefinedAuc.privacy_measures.membership_inference!.within_target).toBeNull();
    const line = (c: ModelCard) => c.limitations.filter((l) => l.startsWith('Membership inference'));
    expect(line(at)).toEqual([expect.stringMatching(/within its target/)]);
    expect(line(above)).toEqual([expect.stringMatching(/exceeds its target/)]);
    expect(line(undefinedAuc)).toEqual([expect.stringMatching(/could not be measured/)]);
    expect(above.considerations.limitations).toEqual(above.limitations);
    // Prose never carries numbers: the figures are sourced values.
    for (const l of [...line(at), ...line(above), ...line(undefinedAuc), ...at.privacy_measures.statements]) expect(l).not.toMatch(/\d/);
  });

  it('still builds from a metrics file without the privacy block (older bundles)', () => {
    const e = fixtureEvidence();
    delete e.metrics.privacy;
    const older = buildModelCard(e);
    expect(older.privacy_measures.membership_inference).toBeUndefined();
    expect(older.limitations.some((l) => l.startsWith('Membership inference'))).toBe(false);
    expect(older.privacy_measures.statements.join(' ')).not.toMatch(/Membership inference/);
    expect(older.model_details.references.map((r) => r.reference).join(' ')).not.toMatch(/Yeom/);
  });

  it('rejects a metrics file that fails its schema, naming the file and field', () => {
    const broken = structuredClone(evidence.metrics) as unknown as { test: { overall: Record<string, unknown> } };
    delete broken.test.overall['auroc'];
    expect(() => buildModelCard({ ...evidence, metrics: broken as never })).toThrow(
      expect.objectContaining({ code: 'CARD_INPUT_INVALID', message: expect.stringMatching(/^metrics\.json: test\/overall\/auroc/) }),
    );
    expect(() => buildModelCard({ ...evidence, manifest: { ...evidence.manifest, privacy: undefined } })).toThrow(/manifest\.json: privacy/);
  });
});
