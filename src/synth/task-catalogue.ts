// The task spec and actionable-service catalogue written beside a generated population (task.json, catalogue.json).
import { type Catalogue, CatalogueSchema } from '../schemas/catalogue.js';
import { dayToIso } from '../schemas/dates.js';
import { type TaskSpec, TaskSpecSchema } from '../schemas/task.js';
import type { ProtectiveService } from './mechanism.js';
import type { Scenario } from './scenario.js';
import { codeIndex, OUTCOME_CODES, SERVICE_CODES } from './services.js';

const DEFAULT_TASK_NAME = 'cw-care-after-age-3';
const INSERTION_STEP_DAYS = 182;

/** Children born in the window, indexed at the scenario's index age, outcome = first open-care measure or placement. */
export function buildTask(s: Scenario, birthsFromDay: number, birthsToDay: number): TaskSpec {
  return TaskSpecSchema.parse({
    name: DEFAULT_TASK_NAME,
    description:
      'Children born in the window, indexed at their third birthday (1096 days): will a child-welfare open-care measure or placement start within 3 years? Paths hold the child\'s, mother\'s, father\'s and siblings\' events of the last 5 years.',
    eligibility: { bornFrom: dayToIso(birthsFromDay), bornTo: dayToIso(birthsToDay), minObservationDays: 0, requireObservedAtIndex: true },
    index: { rule: 'age', ageDays: s.indexAgeDays },
    lookbackDays: s.lookbackDays,
    outcome: { codes: [...OUTCOME_CODES], domains: ['child_welfare'] },
    horizonDays: s.horizonDays,
    excludePriorOutcome: true,
    censoring: 'exclude',
    family: { relations: ['mother', 'father', 'sibling'] },
  });
}

/** The protective services as an actionable catalogue, on the default insertion grid (0, 182, 364, ... days). */
export function buildCatalogue(protective: readonly ProtectiveService[]): Catalogue {
  return CatalogueSchema.parse({
    services: protective.map((p) => {
      const c = SERVICE_CODES[codeIndex(p.code)]!;
      return { code: p.code, domain: c.domain, label: c.label, labelFi: c.labelFi, relation: p.relation, minAgeDays: p.minAgeDays, maxAgeDays: p.maxAgeDays };
    }),
    insertion: { fromAgeDays: 0, stepDays: INSERTION_STEP_DAYS },
  });
}
