// The card laid out once as sections of paragraphs, lists, tables and figures; Markdown and HTML render this.
import { InterventionsCheckSchema } from '../schemas/metrics.js';
import type { CalibrationPoint, CurvePoint, EvaluationReport, SubgroupSlice } from '../schemas/metrics.js';
import type { Graphic, ModelCard, SourcedNumber } from '../schemas/model-card.js';
import { DEFAULT_MIN_COUNT } from '../schemas/disclosure.js';
import { ResolvedTrainConfigSchema } from '../schemas/train-config.js';
import { type IntervalRow, intervalChart, lineChart, type Point } from './svg.js';

export interface Table {
  caption: string;
  headers: string[];
  rows: string[][];
}

export type Block =
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'table'; table: Table }
  | { kind: 'figure'; name: string; title: string; description: string; svg: string };

interface Section {
  title: string;
  blocks: Block[];
}

/** Numbers as shown: integers plain, others to 3 decimals; undefined metrics say so. */
function formatNumber(value: number | null): string {
  if (value === null) return 'not defined';
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}

const num = (s: SourcedNumber) => formatNumber(s.value);
const interval = (lower: SourcedNumber, upper: SourcedNumber) =>
  lower.value === null || upper.value === null ? 'not defined' : `${num(lower)} to ${num(upper)}`;

function curveFigure(g: Graphic, xLabel: string, yLabel: string, diagonal: boolean): string {
  const points = (g.data.value as unknown as CurvePoint[]).map((p): Point => ({ x: p.x, y: p.y }));
  const frame = { id: `fig-${g.name}`, title: g.title, desc: g.description, xLabel, yLabel, xDomain: [0, 1] as [number, number], yDomain: [0, 1] as [number, number] };
  return lineChart(frame, [{ name: g.name === 'roc' ? 'ROC' : 'Precision-recall', points }], { diagonal });
}

/** The minimum count the evaluation ran under: the resolved training config's (configs from before it: the default). */
function minCountOf(card: ModelCard): number {
  const config = ResolvedTrainConfigSchema.safeParse(card.model_parameters.resolved_config.value);
  return config.success ? config.data.evaluation.minCount : DEFAULT_MIN_COUNT;
}

/** Bins with a shown rate are drawn; bins whose rate the disclosure rules hide are counted in the text alternative. */
function calibrationFigure(g: Graphic, minCount: number): string {
  const curve = g.data.value as unknown as EvaluationReport['calibrationCurve'];
  const shown = curve.points.filter((p): p is Extract<CalibrationPoint, { observedRate: number }> => !p.suppressed && p.observedRate !== null);
  const hidden = curve.points.filter((p) => !p.suppressed && p.observedRate === null).length;
  const upper = Math.min(1, Math.max(0.1, ...shown.flatMap((p) => [p.meanPredicted, p.observedRate])));
  const desc = hidden === 0 ? g.description : `${g.description} Not drawn: ${hidden} bin(s) whose observed rate is hidden (<${minCount} with or without the outcome).`;
  const frame = { id: 'fig-calibration', title: g.title, desc, xLabel: 'Mean predicted risk', yLabel: 'Observed outcome rate', xDomain: [0, upper] as [number, number], yDomain: [0, upper] as [number, number] };
  return lineChart(frame, [{ name: 'Observed', points: shown.map((p) => ({ x: p.meanPredicted, y: p.observedRate })), markers: true }], { diagonal: true });
}

function riskFigure(g: Graphic): string {
  const dist = g.data.value as unknown as EvaluationReport['riskDistribution'];
  const centre = (b: number) => (dist.binEdges[b]! + dist.binEdges[b + 1]!) / 2;
  const toPoints = (shares: (number | null)[]) =>
    shares.flatMap((v, b) => (v === null ? [] : [{ x: centre(b), y: v }]));
  const positive = toPoints(dist.positive);
  const negative = toPoints(dist.negative);
  const yMax = Math.max(0.1, ...positive.map((p) => p.y), ...negative.map((p) => p.y));
  const frame = { id: 'fig-risk-distribution', title: g.title, desc: g.description, xLabel: 'Predicted risk', yLabel: 'Share of group', xDomain: [0, dist.binEdges.at(-1) ?? 1] as [number, number], yDomain: [0, yMax] as [number, number] };
  return lineChart(frame, [
    { name: 'With outcome', points: positive, markers: true },
    { name: 'Without outcome', points: negative, markers: true },
  ]);
}

function subgroupFigure(g: Graphic): string {
  const subgroups = g.data.value as unknown as Record<string, SubgroupSlice[]>;
  const rows: IntervalRow[] = Object.entries(subgroups).flatMap(([attribute, slices]) =>
    slices.map((s) =>
      s.suppressed
        ? { label: `${attribute}=${s.label}`, estimate: null, lower: null, upper: null }
        : { label: `${attribute}=${s.label}`, estimate: s.metrics.auroc.estimate, lower: s.metrics.auroc.lower, upper: s.metrics.auroc.upper },
    ),
  );
  return intervalChart({ id: 'fig-subgroups', title: g.title, desc: g.description, xLabel: 'AUROC', yLabel: 'Subgroup', xDomain: [0, 1] }, rows);
}

function trainingFigure(g: Graphic): string {
  const lines = g.data.value as unknown as Array<Record<string, unknown>>;
  const series = (key: string) =>
    lines.flatMap((line) => (typeof line['epoch'] === 'number' && typeof line[key] === 'number' ? [{ x: line['epoch'], y: line[key] as number }] : []));
  const train = series('trainLoss');
  const val = series('valLoss');
  const all = [...train, ...val];
  const xMax = Math.max(1, ...all.map((p) => p.x));
  const yMax = Math.max(1e-6, ...all.map((p) => p.y));
  const frame = { id: 'fig-training-curves', title: g.title, desc: g.description, xLabel: 'Epoch', yLabel: 'Loss', xDomain: [0, xMax] as [number, number], yDomain: [0, yMax] as [number, number] };
  return lineChart(frame, [
    { name: 'Training loss', points: train, markers: true },
    { name: 'Validation loss', points: val, markers: true },
  ]);
}

function figureSvg(g: Graphic, minCount: number): string {
  switch (g.name) {
    case 'roc':
      return curveFigure(g, 'False-positive rate', 'True-positive rate', true);
    case 'precision_recall':
      return curveFigure(g, 'Recall', 'Precision', false);
    case 'calibration':
      return calibrationFigure(g, minCount);
    case 'risk_distribution':
      return riskFigure(g);
    case 'subgroups':
      return subgroupFigure(g);
    case 'training_curves':
      return trainingFigure(g);
  }
}

function performanceTable(card: ModelCard): Table {
  return {
    caption: 'Performance with 95% bootstrap intervals',
    headers: ['Split', 'Slice', 'Metric', 'Estimate', 'Interval'],
    rows: card.quantitative_analysis.performance_metrics
      .filter((m) => m.slice === 'overall')
      .map((m) => [m.split, m.slice, m.type, num(m.value), m.confidence_interval === null ? '' : interval(m.confidence_interval.lower, m.confidence_interval.upper)]),
  };
}

function subgroupTable(card: ModelCard): Table {
  return {
    caption: 'AUROC by subgroup (test split); groups under k are suppressed',
    headers: ['Attribute', 'Group', 'People (rounded)', 'With outcome (rounded)', 'AUROC', 'Interval'],
    rows: card.quantitative_analysis.subgroups.map((s) =>
      s.suppressed
        ? [s.attribute, s.label, 'suppressed', 'suppressed', 'suppressed', '']
        : [s.attribute, s.label, num(s.n), num(s.positives), num(s.auroc.value), interval(s.auroc.lower, s.auroc.upper)],
    ),
  };
}

type MembershipInference = NonNullable<ModelCard['privacy_measures']['membership_inference']>;

function membershipVerdict(mi: MembershipInference): string {
  if (mi.within_target === null) return 'not measured (the AUC is not defined)';
  return mi.within_target ? 'within the target' : 'exceeds the target';
}

function membershipTable(mi: MembershipInference): Table {
  return {
    caption: 'Membership inference: AUC of the attack, training persons against held-out test persons (0.5 = no leakage)',
    headers: ['Field', 'Value'],
    rows: [
      ['Method', mi.method.value],
      ['AUC', num(mi.auc.value)],
      ['95% bootstrap interval', interval(mi.auc.lower, mi.auc.upper)],
      ['Target (at most)', num(mi.target)],
      ['Verdict', membershipVerdict(mi)],
      ['Members (training persons)', num(mi.members)],
      ['Non-members (test persons)', num(mi.non_members)],
      ['Balancing', mi.balancing.value],
      ['Bootstrap unit', mi.bootstrap_unit.value],
    ],
  };
}

/** The limitation's figures, rendered beside the limitation line from the card's sourced values. */
function membershipSummary(mi: MembershipInference): string {
  return `Membership inference by the ${mi.method.value} attack: AUC ${num(mi.auc.value)} (95% interval ${interval(mi.auc.lower, mi.auc.upper)}) against a target of at most ${num(mi.target)}: ${membershipVerdict(mi)}.`;
}

/** The truth check of the intervention estimates (metrics.json /interventions, src/train/truth-check.ts). */
function interventionCheckBlocks(value: unknown): Block[] {
  const parsed = InterventionsCheckSchema.safeParse(value);
  if (!parsed.success) return [paragraph('Validated against the generator\u2019s known effects; the figures are in metrics.json under /interventions.')];
  const c = parsed.data;
  const f = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
  const row = (name: string, e: { estimate: number | null; lower: number | null; upper: number | null }) => [name, f(e.estimate), e.lower === null ? 'n/a' : `${f(e.lower)} to ${f(e.upper)}`];
  return [
    paragraph(
      `The estimated drops of every (service, insertion age) of the catalogue, against the generator's true counterfactual effects, on ${c.children} held-out (test-split) children and ${c.pairs} pairs (docs/interventions.md, "How estimates are judged"). Only generated populations have this truth; it says how the estimator behaves in a world whose effects are known, not on real data.`,
    ),
    table({
      caption: 'Intervention estimates against the truth (95% intervals: bootstrap over families)',
      headers: ['Figure', 'Estimate', '95% interval'],
      rows: [
        row('Top-3 hit rate', c.top3HitRate),
        row('Top-1 agreement', c.top1Agreement),
        row('Spearman (estimated vs true effects)', c.meanSpearman),
        row('Sign error rate', c.signErrorRate),
        row('Regret share of the best reduction', c.meanRegretShare),
        row('Policy value at 5% over the oracle', c.policyRatioAt5),
        ['Interval coverage of the true effects', c.intervalCoverage === null ? 'no intervals' : `${f(c.intervalCoverage)} (nominal ${f(c.intervalLevel)})`, ''],
      ],
    }),
  ];
}

const table = (t: Table): Block => ({ kind: 'table', table: t });
const list = (items: string[]): Block => ({ kind: 'list', items });
const paragraph = (text: string): Block => ({ kind: 'paragraph', text });

export function cardSections(card: ModelCard): Section[] {
  const d = card.model_details;
  const p = card.model_parameters;
  const q = card.quantitative_analysis;
  // Under the disclosure rules a null operating-point figure is hidden (or rests on a zero cell): a count under minCount.
  const minCount = minCountOf(card);
  const hiddenOr = (v: SourcedNumber) => (v.value === null ? `<${minCount}` : num(v));
  const g = card.data_governance;
  const e = card.evaluation_design;
  const sections: Section[] = [
    {
      title: 'Model details',
      blocks: [
        paragraph(d.overview),
        table({
          caption: 'Identity',
          headers: ['Field', 'Value'],
          rows: [
            ['Name', d.name.value],
            ['Version', d.version.value],
            ['Created', d.created.value],
            ['Licence', d.licence.identifier],
            ['Owners', d.owners.map((o) => o.name).join(', ')],
          ],
        }),
        table({ caption: 'Bundle files', headers: ['File', 'SHA-256', 'Bytes'], rows: d.bundle_files.map((f) => [f.path.value, f.sha256.value, num(f.bytes)]) }),
        list(d.references.map((r) => r.reference)),
      ],
    },
    { title: 'Intended purpose', blocks: [paragraph(card.intended_purpose)] },
    { title: 'Out-of-scope uses', blocks: [list(card.out_of_scope_uses)] },
    { title: 'Human oversight', blocks: [list(card.human_oversight)] },
    {
      title: 'Model parameters',
      blocks: [
        paragraph(p.architecture_description),
        table({
          caption: 'Model and software',
          headers: ['Field', 'Value'],
          rows: [
            ['Architecture', p.model_architecture.value],
            ['Backend', p.software.backend.value],
            ['Node.js', p.software.node.value],
            ['TensorFlow.js', p.software.tfjs.value],
            ['Seed', num(p.seed)],
          ],
        }),
        table({
          caption: 'Data splits (by family)',
          headers: ['Split', 'People', 'With outcome'],
          rows: (['train', 'validation', 'test'] as const).map((s) => [s, num(p.data[s].persons), num(p.data[s].positives)]),
        }),
        paragraph(`Input: ${p.input_format}`),
        paragraph(`Output: ${p.output_format}`),
      ],
    },
    {
      title: 'Quantitative analysis',
      blocks: [
        table(performanceTable(card)),
        table({
          caption: `Operating points by alert rate (test split); <${minCount}: hidden, some count of people flagged or not, with or without the outcome, behind it is under ${minCount}`,
          headers: ['Alert rate', 'Threshold', 'Alerts (rounded)', 'Sensitivity', 'PPV', 'Specificity', 'NPV'],
          rows: q.thresholds.map((t) => [num(t.alert_rate), num(t.threshold), num(t.alerts), ...[t.sensitivity, t.ppv, t.specificity, t.npv].map(hiddenOr)]),
        }),
        table(subgroupTable(card)),
        ...q.graphics.collection.map((gr): Block => ({ kind: 'figure', name: gr.name, title: gr.title, description: gr.description, svg: figureSvg(gr, minCount) })),
      ],
    },
    {
      title: 'Data governance',
      blocks: [
        table({
          caption: 'Input files',
          headers: ['File', 'SHA-256', 'Rows', 'Accepted', 'Quarantined', 'Quarantined by reason'],
          rows: g.inputs.map((i) => [i.file.value, i.sha256.value, num(i.rows), num(i.accepted), num(i.quarantined), i.quarantined_by_reason.map((r) => `${r.reason}: ${num(r.rows)}`).join('; ')]),
        }),
        table({
          caption: 'Event store',
          headers: ['Field', 'Value'],
          rows: [
            ['People', num(g.persons)],
            ['Events', num(g.events)],
            ['Date range', `${g.date_range.from.value} to ${g.date_range.to.value}`],
            ['Pseudonymisation', g.pseudonymisation.method],
            ['Key source', g.pseudonymisation.key_source.value],
            ...(g.synthetic === undefined
              ? []
              : [['Synthetic data', `${g.synthetic.generator.value}, mechanism ${g.synthetic.mechanism.value} (rules version ${num(g.synthetic.mechanism_version)}), seed ${num(g.synthetic.seed)}, ${num(g.synthetic.persons)} persons`]]),
          ],
        }),
      ],
    },
    {
      title: 'Privacy measures',
      blocks: [
        table({
          caption: 'Privacy parameters',
          headers: ['Parameter', 'Value'],
          rows: [
            ['k (minimum group size)', num(card.privacy_measures.k)],
            ...(card.privacy_measures.min_count === undefined ? [] : [['Minimum outcome count (and complement) behind a rate', num(card.privacy_measures.min_count)]]),
            ['Counts rounded to', num(card.privacy_measures.round_to)],
            ['Rare-code folding: minimum persons per code', num(card.privacy_measures.min_persons_per_code)],
            ...(card.privacy_measures.differential_privacy === undefined ? [] : [['Differential privacy: epsilon of the cohort-path counts', num(card.privacy_measures.differential_privacy.epsilon)]]),
          ],
        }),
        list(card.privacy_measures.statements),
        ...(card.privacy_measures.differential_privacy === undefined
          ? []
          : [paragraph(`Differential privacy: ${card.privacy_measures.differential_privacy.mechanism}. ${card.privacy_measures.differential_privacy.accounting}`)]),
        ...(card.privacy_measures.membership_inference === undefined ? [] : [table(membershipTable(card.privacy_measures.membership_inference))]),
      ],
    },
    {
      title: 'Evaluation design',
      blocks: [
        paragraph(e.split_unit),
        table({
          caption: 'Evaluation settings',
          headers: ['Setting', 'Value'],
          rows: [
            ['Calibration method', e.calibration_method.value],
            ['Bootstrap replicates', num(e.bootstrap.samples)],
            ['Bootstrap alpha', num(e.bootstrap.alpha)],
            ['Bootstrap unit', e.bootstrap.unit.value],
          ],
        }),
        e.external_validation.length === 0
          ? paragraph('No external validation is recorded in this bundle.')
          : table({ caption: 'External validation', headers: ['Store', 'People', 'With outcome', 'AUROC'], rows: e.external_validation.map((x) => [x.store, num(x.n), num(x.positives), num(x.auroc)]) }),
      ],
    },
  ];
  if (card.intervention_validation !== undefined) {
    sections.push({ title: 'Intervention estimates against the truth', blocks: interventionCheckBlocks(card.intervention_validation.value) });
  }
  sections.push(
    {
      title: 'Limitations',
      blocks: [
        list(card.limitations),
        ...(card.privacy_measures.membership_inference === undefined ? [] : [paragraph(membershipSummary(card.privacy_measures.membership_inference))]),
      ],
    },
    {
      title: 'Considerations',
      blocks: [
        list(card.considerations.users.map((u) => `User: ${u}`)),
        list(card.considerations.use_cases.map((u) => `Use case: ${u}`)),
        list(card.considerations.tradeoffs.map((t) => `Trade-off: ${t}`)),
        table({ caption: 'Ethical considerations', headers: ['Risk', 'Mitigation'], rows: card.considerations.ethical_considerations.map((c) => [c.name, c.mitigation_strategy]) }),
      ],
    },
    { title: 'TRIPOD+AI checklist', blocks: [table({ caption: 'TRIPOD+AI items and where the card answers them', headers: ['Item', 'Topic', 'Answered in'], rows: card.tripod_ai_checklist.map((t) => [t.item, t.topic, t.answered_in]) })] },
  );
  const log = card.change_log;
  sections.push({
    title: 'Change log',
    blocks:
      log === undefined
        ? [paragraph('First version: no previous card was given.')]
        : [
            paragraph(`Compared with version ${log.previous_version.value}.`),
            table({
              caption: 'Metric changes (current minus previous)',
              headers: ['Metric', 'Slice', 'Current', 'Previous', 'Change'],
              rows: log.metric_changes.map((c) => [c.type, c.slice, num(c.current), num(c.previous), formatNumber(c.delta.value)]),
            }),
            table({
              caption: 'Configuration changes',
              headers: ['Setting', 'Current', 'Previous'],
              rows: log.config_changes.map((c) => [c.path, c.current === null ? 'absent' : JSON.stringify(c.current.value), c.previous === null ? 'absent' : JSON.stringify(c.previous.value)]),
            }),
          ],
  });
  return sections;
}
