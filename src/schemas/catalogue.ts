// The actionable-service catalogue: which services a planner may insert into a path, for whom, at which ages.
import { z } from 'zod';
import { PathRelationSchema } from './path.js';

const MAX_CATALOGUE_SERVICES = 50;

const ActionableServiceSchema = z
  .object({
    code: z.string().min(1).max(128),
    domain: z.string().min(1).max(64),
    label: z.string().min(1).max(200),
    labelFi: z.string().min(1).max(200),
    /** Who receives the service (the inserted event's relation). */
    relation: PathRelationSchema.default('self'),
    /** The child's age range (days) in which the service may be inserted. */
    minAgeDays: z.number().int().min(-36_525).default(0),
    maxAgeDays: z.number().int().max(36_525).default(36_525),
  })
  .strict()
  .refine((s) => s.minAgeDays <= s.maxAgeDays, { message: 'maxAgeDays is below minAgeDays', path: ['maxAgeDays'] });
export type ActionableService = z.infer<typeof ActionableServiceSchema>;

export const CatalogueSchema = z
  .object({
    services: z.array(ActionableServiceSchema).min(1).max(MAX_CATALOGUE_SERVICES),
    /**
     * Insertion points are child ages on a grid: fromAgeDays, fromAgeDays + stepDays, ... up to the index age.
     * The generator's counterfactual truth uses the same grid, so estimates and truth meet on (service, ageDays).
     */
    insertion: z
      .object({ fromAgeDays: z.number().int().min(0).default(0), stepDays: z.number().int().min(1).default(182) })
      .strict()
      .default({ fromAgeDays: 0, stepDays: 182 }),
  })
  .strict();
export type Catalogue = z.infer<typeof CatalogueSchema>;
export type CatalogueInput = z.input<typeof CatalogueSchema>;

/** Insertion ages (days) of the grid that fall at or before the index age. */
export function insertionAges(catalogue: Catalogue, indexAgeDays: number): number[] {
  const ages: number[] = [];
  for (let a = catalogue.insertion.fromAgeDays; a <= indexAgeDays; a += catalogue.insertion.stepDays) ages.push(a);
  return ages;
}
