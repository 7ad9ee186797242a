// An anonymised path as planners and the service see it: events relative to one (never identified) child.
import { z } from 'zod';
import { SexSchema } from './data-contract.js';

export const MAX_PATH_EVENTS = 512;
export const PATH_RELATIONS = ['self', 'mother', 'father', 'guardian', 'sibling', 'partner'] as const;
export const PathRelationSchema = z.enum(PATH_RELATIONS);
export type PathRelation = z.infer<typeof PathRelationSchema>;

export const PathEventSchema = z
  .object({
    code: z.string().min(1, 'empty code').max(128),
    domain: z.string().min(1, 'empty domain').max(64),
    /** Whose event: the child (`self`) or a relative. */
    relation: PathRelationSchema.default('self'),
    /** The child's age in days when the event happened; negative for relatives' events before birth. */
    ageDays: z.number().int().min(-36_525).max(36_525),
    /** Immutable events (a birth, a diagnosis) are never moved or edited by counterfactuals. */
    immutable: z.boolean().optional(),
  })
  .strict();
export type PathEvent = z.infer<typeof PathEventSchema>;
export type PathEventInput = z.input<typeof PathEventSchema>;

export const PathSchema = z
  .object({
    /** A label for the planner (e.g. a cohort path id); never a person id. */
    label: z.string().max(200).optional(),
    sex: SexSchema.optional(),
    /** The child's age at the index date; defaults to the last event's age. */
    indexAgeDays: z.number().int().min(0).max(36_525).optional(),
    events: z.array(PathEventSchema).min(1, 'a path needs at least one event').max(MAX_PATH_EVENTS),
  })
  .strict()
  .superRefine((path, ctx) => {
    for (let i = 1; i < path.events.length; i++) {
      const prev = path.events[i - 1]!;
      const cur = path.events[i]!;
      if (cur.ageDays < prev.ageDays) {
        ctx.addIssue({ code: 'custom', path: ['events', i, 'ageDays'], message: 'events must be in time order (ageDays not decreasing)' });
        return;
      }
    }
    const last = path.events[path.events.length - 1];
    if (last !== undefined && path.indexAgeDays !== undefined && last.ageDays > path.indexAgeDays) {
      ctx.addIssue({ code: 'custom', path: ['indexAgeDays'], message: 'an event falls after the index age' });
    }
  });
export type Path = z.infer<typeof PathSchema>;
export type PathInput = z.input<typeof PathSchema>;

/**
 * Canonical order of events that share a day, so that paths built from the store, from the generator's truth
 * and by planners agree: by ageDays, then relation in PATH_RELATIONS order, then domain, then code.
 */
export function comparePathEvents(a: PathEvent, b: PathEvent): number {
  if (a.ageDays !== b.ageDays) return a.ageDays - b.ageDays;
  const ra = PATH_RELATIONS.indexOf(a.relation);
  const rb = PATH_RELATIONS.indexOf(b.relation);
  if (ra !== rb) return ra - rb;
  if (a.domain !== b.domain) return a.domain < b.domain ? -1 : 1;
  return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
}
