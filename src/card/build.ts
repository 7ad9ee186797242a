// Builds model-card.json from a bundle's evidence: manifest.json, metrics.json and training-log.jsonl.
// Every number is copied through a SourceReader, so it carries the file and JSON pointer it came from.
import type { z } from 'zod';
import { formatZodIssues, ServicepathError } from '../errors/index.js';
import { METRIC_NAMES, type EvaluationReport, type MetricsFile, MetricsFileSchema } from '../schemas/metrics.js';
import {
  type Graphic,
  type ModelCard,
  ModelCardSchema,
  type PerformanceMetric,
  type Source,
  type SourcedData,
  CARD_SCHEMA_VERSION,
} from '../schemas/model-card.js';
import { type Manifest, ManifestSchema } from '../schemas/manifest.js';
import { pointerOf, resolvePointer, SourceReader } from './pointer.js';
import * as text from './text.js';
import { fitsEffectModel } from '../schemas/train-config.js';
import { TRIPOD_AI_ITEMS } from './tripod.js';

interface BuildModelCardInput {
  /** The bundle's manifest.json object (validated here against the fields the card reads). */
  manifest: unknown;
  metrics: MetricsFile;
  /** training-log.jsonl, one object per line: { epoch, trainLoss, valLoss, valAuroc, ... }. */
  trainingLog: Array<Record<string, unknown>>;
  previousCard?: ModelCard;
  owners?: ModelCard['model_details']['owners'];
  licence?: string;
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, file: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ServicepathError('CARD_INPUT_INVALID', { file, issues: formatZodIssues(result.error) }, { details: result.error.issues });
  return result.data;
}

function reportMetrics(m: SourceReader, report: EvaluationReport, base: string, split: string): PerformanceMetric[] {
  const out: PerformanceMetric[] = [];
  for (const name of METRIC_NAMES) {
    const at = `${base}/overall/${name}`;
    out.push({
      type: name,
      slice: 'overall',
      split,
      value: m.number(`${at}/estimate`, `${split} ${name}`),
      confidence_interval: { lower: m.number(`${at}/lower`, `${split} ${name} lower`), upper: m.number(`${at}/upper`, `${split} ${name} upper`) },
    });
  }
  if (report.oracle !== undefined) {
    for (const key of ['auroc', 'gap'] as const) {
      const at = `${base}/oracle/${key}`;
      out.push({
        type: key === 'auroc' ? 'oracle_auroc' : 'auroc_gap_to_oracle',
        slice: 'overall',
        split,
        value: m.number(`${at}/estimate`, `oracle ${key}`),
        confidence_interval: { lower: m.number(`${at}/lower`, `oracle ${key} lower`), upper: m.number(`${at}/upper`, `oracle ${key} upper`) },
      });
    }
  }
  for (const [attribute, slices] of Object.entries(report.subgroups)) {
    slices.forEach((slice, i) => {
      if (slice.suppressed) return;
      for (const name of METRIC_NAMES) {
        const at = `${base}${pointerOf('subgroups', attribute, i, 'metrics', name)}`;
        out.push({
          type: name,
          slice: `${attribute}=${slice.label}`,
          split,
          value: m.number(`${at}/estimate`, `${attribute}=${slice.label} ${name}`),
          confidence_interval: { lower: m.number(`${at}/lower`, `${name} lower`), upper: m.number(`${at}/upper`, `${name} upper`) },
        });
      }
    });
  }
  return out;
}

function subgroupRows(m: SourceReader, report: EvaluationReport): ModelCard['quantitative_analysis']['subgroups'] {
  return Object.entries(report.subgroups).flatMap(([attribute, slices]) =>
    slices.map((slice, i) => {
      if (slice.suppressed) return { attribute, label: slice.label, suppressed: true as const };
      const at = pointerOf('test', 'subgroups', attribute, i);
      return {
        attribute,
        label: slice.label,
        suppressed: false as const,
        n: m.number(`${at}/n`, 'subgroup n'),
        positives: m.number(`${at}/positives`, 'subgroup positives'),
        auroc: {
          value: m.number(`${at}/metrics/auroc/estimate`, 'subgroup auroc'),
          lower: m.number(`${at}/metrics/auroc/lower`, 'subgroup auroc lower'),
          upper: m.number(`${at}/metrics/auroc/upper`, 'subgroup auroc upper'),
        },
      };
    }),
  );
}

function graphics(m: SourceReader, log: SourceReader): Graphic[] {
  const g = (name: Graphic['name'], title: string, description: string, data: SourcedData): Graphic => ({ name, title, description, data });
  return [
    g('roc', 'ROC curve (test split)', 'True-positive rate against false-positive rate; the diagonal is chance.', m.data('/test/roc', 'roc')),
    g('precision_recall', 'Precision-recall curve (test split)', 'Precision against recall as the alert threshold falls.', m.data('/test/pr', 'pr')),
    g('calibration', 'Calibration curve (test split)', 'Observed outcome rate against mean predicted risk in equal-count bins; the diagonal is perfect calibration.', m.data('/test/calibrationCurve', 'calibrationCurve')),
    g('risk_distribution', 'Risk distribution by outcome (test split)', 'Share of people with and without the outcome in each risk bin; cells under k are left out.', m.data('/test/riskDistribution', 'riskDistribution')),
    g('subgroups', 'AUROC by subgroup with 95% intervals (test split)', 'One bar per subgroup; groups under k are marked suppressed.', m.data('/test/subgroups', 'subgroups')),
    g('training_curves', 'Training curves', 'Training and validation loss per epoch.', log.data('', 'training log')),
  ];
}

function dataGovernance(mf: SourceReader, manifest: Manifest): ModelCard['data_governance'] {
  return {
    inputs: manifest.dataFingerprint.inputs.map((input, i) => {
      const at = `/dataFingerprint/inputs/${i}`;
      return {
        file: mf.string(`${at}/file`, 'input file'),
        sha256: mf.string(`${at}/sha256`, 'input sha256'),
        rows: mf.number(`${at}/rows`, 'input rows'),
        accepted: mf.number(`${at}/accepted`, 'input accepted'),
        quarantined: mf.number(`${at}/quarantined`, 'input quarantined'),
        quarantined_by_reason: Object.keys(input.byReason)
          .sort()
          .map((reason) => ({ reason, rows: mf.number(`${at}${pointerOf('byReason', reason)}`, 'quarantine reason') })),
      };
    }),
    persons: mf.number('/dataFingerprint/persons', 'persons'),
    events: mf.number('/dataFingerprint/events', 'events'),
    date_range: { from: mf.string('/dataFingerprint/dateRange/from', 'date from'), to: mf.string('/dataFingerprint/dateRange/to', 'date to') },
    pseudonymisation: { method: text.PSEUDONYMISATION_METHOD, key_source: mf.string('/dataFingerprint/keySource', 'key source') },
    ...(manifest.dataFingerprint.synthetic === undefined
      ? {}
      : {
          synthetic: {
            generator: mf.string('/dataFingerprint/synthetic/generator', 'synthetic generator'),
            mechanism: mf.string('/dataFingerprint/synthetic/mechanism', 'synthetic mechanism'),
            mechanism_version: mf.number('/dataFingerprint/synthetic/mechanismVersion', 'synthetic mechanism version'),
            seed: mf.number('/dataFingerprint/synthetic/seed', 'synthetic seed'),
            persons: mf.number('/dataFingerprint/synthetic/persons', 'synthetic persons'),
          },
        }),
  };
}

/** The membership-inference attack of metrics.json /privacy/membership, when the bundle measured it. */
function membershipInference(m: SourceReader, metrics: MetricsFile): ModelCard['privacy_measures']['membership_inference'] {
  const attack = metrics.privacy?.membership;
  if (attack === undefined) return undefined;
  const at = '/privacy/membership';
  return {
    method: m.string(`${at}/method`, 'membership method'),
    auc: {
      value: m.number(`${at}/auc/estimate`, 'membership auc'),
      lower: m.number(`${at}/auc/lower`, 'membership auc lower'),
      upper: m.number(`${at}/auc/upper`, 'membership auc upper'),
    },
    members: m.number(`${at}/members`, 'membership members'),
    non_members: m.number(`${at}/nonMembers`, 'membership non-members'),
    balancing: m.string(`${at}/balancing`, 'membership balancing'),
    bootstrap_unit: m.string(`${at}/bootstrap/unit`, 'membership bootstrap unit'),
    target: m.number(`${at}/target`, 'membership target'),
    within_target: attack.auc.estimate === null ? null : attack.auc.estimate <= attack.target,
  };
}

/** Pointers of the leaves of a config object (arrays count as leaves). */
function configPaths(value: unknown, tokens: string[], out: Set<string>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) configPaths(child, [...tokens, key], out);
  } else {
    out.add(pointerOf(...tokens));
  }
}

function changeLog(card: Omit<ModelCard, 'change_log'>, previous: ModelCard): NonNullable<ModelCard['change_log']> {
  const prev = new SourceReader('previous/model-card.json', previous);
  const metric_changes = card.quantitative_analysis.performance_metrics.flatMap((metric) => {
    const j = previous.quantitative_analysis.performance_metrics.findIndex((p) => p.type === metric.type && p.slice === metric.slice && p.split === metric.split);
    if (j < 0) return [];
    const previousValue = prev.number(`/quantitative_analysis/performance_metrics/${j}/value/value`, 'previous metric');
    const current = metric.value;
    const delta = current.value === null || previousValue.value === null ? null : current.value - previousValue.value;
    const operands: [Source, Source] = [current.source, previousValue.source];
    return [{ type: metric.type, slice: metric.slice, current, previous: previousValue, delta: { value: delta, derived: { op: 'difference' as const, operands } } }];
  });
  const currentConfig = card.model_parameters.resolved_config;
  const previousConfig = previous.model_parameters.resolved_config;
  const paths = new Set<string>();
  configPaths(currentConfig.value, [], paths);
  configPaths(previousConfig.value, [], paths);
  const config_changes = [...paths]
    .sort()
    .filter((path) => JSON.stringify(resolvePointer(currentConfig.value, path)) !== JSON.stringify(resolvePointer(previousConfig.value, path)))
    .map((path) => {
      const cur = resolvePointer(currentConfig.value, path);
      const old = resolvePointer(previousConfig.value, path);
      return {
        path,
        current: cur === undefined ? null : ({ value: cur, source: { file: currentConfig.source.file, pointer: `${currentConfig.source.pointer}${path}` } } as SourcedData),
        previous: old === undefined ? null : ({ value: old, source: { file: 'previous/model-card.json' as const, pointer: `/model_parameters/resolved_config/value${path}` } } as SourcedData),
      };
    });
  return { previous_version: prev.string('/model_details/version/value', 'previous version'), metric_changes, config_changes };
}

export function buildModelCard(input: BuildModelCardInput): ModelCard {
  const manifest = parseOrThrow(ManifestSchema, input.manifest, 'manifest.json');
  // Read from the manifest as stored: a field the stored file lacks (an older bundle) is not cited.
  const rawManifest = input.manifest as { privacy?: { minCount?: unknown }; resolvedConfig?: { privacy?: { epsilon?: unknown } } } | null;
  const rawPrivacy = rawManifest?.privacy;
  const rawConfigPrivacy = rawManifest?.resolvedConfig?.privacy;
  const config = manifest.resolvedConfig;
  const base = manifest.stages.find((s) => s.stage === 'base-model');
  const deep = base !== undefined && base.kind !== 'logreg';
  const metrics = parseOrThrow(MetricsFileSchema, input.metrics, 'metrics.json');
  const mf = new SourceReader('manifest.json', input.manifest);
  const m = new SourceReader('metrics.json', input.metrics);
  const log = new SourceReader('training-log.jsonl', input.trainingLog);
  const split = (name: 'train' | 'validation' | 'test') => ({
    persons: m.number(`/splits/${name}/persons`, `${name} persons`),
    positives: m.number(`/splits/${name}/positives`, `${name} positives`),
  });
  const performance = [
    ...reportMetrics(m, metrics.test, '/test', 'test'),
    ...(metrics.validation === undefined ? [] : reportMetrics(m, { ...metrics.validation, subgroups: {} }, '/validation', 'validation')),
  ];
  const membership = membershipInference(m, metrics);
  const limitations = membership === undefined ? text.LIMITATIONS : [...text.LIMITATIONS, text.MEMBERSHIP_LIMITATION(membership.within_target)];
  const card: Omit<ModelCard, 'change_log'> = {
    schema_version: CARD_SCHEMA_VERSION,
    model_details: {
      name: mf.string('/name', 'name'),
      version: mf.string('/version', 'version'),
      overview:
        'A model that estimates the risk of a later need for child-welfare services from linked, pseudonymised public-service paths. ' +
        'This card was generated by the training run from its evidence files; every number cites its file and JSON pointer.',
      owners: input.owners ?? [{ name: 'servicepath operator (set owners when publishing)' }],
      references: [
        { reference: 'Model Cards for Model Reporting (Mitchell et al., 2019)' },
        { reference: 'TRIPOD+AI statement (Collins et al., BMJ 2024)' },
        { reference: 'EU AI Act, Annex III point 5(a) and Annex IV' },
        ...(membership === undefined ? [] : [{ reference: text.MEMBERSHIP_REFERENCE }]),
      ],
      licence: { identifier: input.licence ?? 'Apache-2.0' },
      created: mf.string('/createdAt', 'createdAt'),
      bundle_files: manifest.files.map((_, i) => ({
        path: mf.string(`/files/${i}/path`, 'file path'),
        sha256: mf.string(`/files/${i}/sha256`, 'file sha256'),
        bytes: mf.number(`/files/${i}/bytes`, 'file bytes'),
      })),
    },
    model_parameters: {
      model_architecture: mf.string('/modelKind', 'modelKind'),
      architecture_description: [
        (base === undefined ? undefined : text.ARCHITECTURES[base.kind]) ?? 'See the resolved configuration.',
        deep && config.contextHalfLivesDays.length > 0 ? text.TIME_CONTEXT(config.contextHalfLivesDays) : '',
        deep && config.wide ? text.WIDE_PART(config.wideInit) : '',
        deep && config.emaDecay > 0 ? text.WEIGHT_AVERAGE(config.emaDecay) : '',
        text.ADJUSTMENTS[config.adjustment] ?? '',
        fitsEffectModel(config.adjustment) && config.treatment.bootstrapReplicates > 0 ? text.EFFECT_INTERVALS(config.treatment.bootstrapReplicates, config.treatment.intervalLevel) : '',
      ]
        .filter((t) => t !== '')
        .join(' '),
      software: { node: mf.string('/software/node', 'node'), tfjs: mf.string('/software/tfjs', 'tfjs'), backend: mf.string('/software/backend', 'backend') },
      seed: mf.number('/seed', 'seed'),
      resolved_config: mf.data('/resolvedConfig', 'resolvedConfig'),
      task: mf.data('/task', 'task'),
      data: {
        train: split('train'),
        validation: split('validation'),
        test: split('test'),
        description: 'Persons eligible under the task at their index date, split by family into training, validation (early stopping, calibration) and test (evaluation).',
      },
      input_format: text.INPUT_FORMAT,
      output_format: text.OUTPUT_FORMAT,
    },
    quantitative_analysis: {
      performance_metrics: performance,
      thresholds: metrics.test.thresholds.map((_, i) => {
        const at = `/test/thresholds/${i}`;
        return {
          alert_rate: m.number(`${at}/alertRate`, 'alertRate'),
          threshold: m.number(`${at}/threshold`, 'threshold'),
          alerts: m.number(`${at}/alerts`, 'alerts'),
          sensitivity: m.number(`${at}/sensitivity`, 'sensitivity'),
          ppv: m.number(`${at}/ppv`, 'ppv'),
          specificity: m.number(`${at}/specificity`, 'specificity'),
          npv: m.number(`${at}/npv`, 'npv'),
        };
      }),
      subgroups: subgroupRows(m, metrics.test),
      graphics: { description: 'Figures drawn from metrics.json and training-log.jsonl.', collection: graphics(m, log) },
    },
    considerations: {
      users: text.USERS,
      use_cases: text.USE_CASES,
      limitations,
      tradeoffs: text.TRADEOFFS,
      ethical_considerations: text.ETHICAL_CONSIDERATIONS,
    },
    intended_purpose: text.INTENDED_PURPOSE,
    out_of_scope_uses: text.OUT_OF_SCOPE_USES,
    human_oversight: text.HUMAN_OVERSIGHT,
    data_governance: dataGovernance(mf, manifest),
    privacy_measures: {
      k: mf.number('/privacy/k', 'privacy k'),
      round_to: mf.number('/privacy/roundTo', 'privacy roundTo'),
      min_persons_per_code: mf.number('/privacy/minPersonsPerCode', 'minPersonsPerCode'),
      ...(rawPrivacy?.minCount === undefined ? {} : { min_count: mf.number('/privacy/minCount', 'privacy minCount') }),
      ...(typeof rawConfigPrivacy?.epsilon === 'number'
        ? {
            differential_privacy: {
              epsilon: mf.number('/resolvedConfig/privacy/epsilon', 'privacy epsilon'),
              mechanism: text.DP_MECHANISM,
              accounting: text.DP_ACCOUNTING,
            },
          }
        : {}),
      statements: [
        text.COHORT_DISCLOSURE,
        'Subgroups, calibration bins and histogram cells with fewer than k persons (or positives or negatives) are suppressed.',
        'Outcome counts, and their complements, under the minimum count are never shown as a count or a rate: such calibration bins show no observed rate, such operating points no sensitivity, specificity, PPV or NPV (the tables say "<" and the minimum count), and histogram cells are left out.',
        'Shown counts are rounded.',
        'Codes seen in fewer than the minimum number of persons are folded into a per-domain <rare> token.',
        'No person identifier or person-level record is stored in the bundle.',
        ...(membership === undefined ? [] : [text.MEMBERSHIP_STATEMENT]),
      ],
      ...(membership === undefined ? {} : { membership_inference: membership }),
    },
    evaluation_design: {
      split_unit: text.SPLIT_UNIT,
      calibration_method: m.string('/calibration/method', 'calibration method'),
      bootstrap: {
        samples: m.number('/test/bootstrap/samples', 'bootstrap samples'),
        alpha: m.number('/test/bootstrap/alpha', 'bootstrap alpha'),
        unit: m.string('/test/bootstrap/unit', 'bootstrap unit'),
      },
      external_validation: (metrics.external ?? []).map((ext, i) => ({
        store: ext.store ?? `external-${i + 1}`,
        n: m.number(`/external/${i}/n`, 'external n'),
        positives: m.number(`/external/${i}/positives`, 'external positives'),
        auroc: m.number(`/external/${i}/overall/auroc/estimate`, 'external auroc'),
      })),
    },
    limitations,
    tripod_ai_checklist: [...TRIPOD_AI_ITEMS],
  };
  if (metrics.interventions !== undefined) card.intervention_validation = m.data('/interventions', 'interventions');
  const full: ModelCard = input.previousCard === undefined ? card : { ...card, change_log: changeLog(card, input.previousCard) };
  return parseOrThrow(ModelCardSchema, full, 'model-card.json');
}
