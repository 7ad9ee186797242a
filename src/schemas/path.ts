// An anonymised path as planners and the service see it: events relative to one (never identified) child.
import { z } from 'zod';
import { SexSchema } from './data-contract.js';

export const MAX_PATH_EVENTS = 512;
/** Every limit of a path, in one place: the schemas below and the service's fast validator read these. */
export const PATH_LIMITS = {
  events: MAX_PATH_EVENTS,
  codeLength: 128,
  domainLength: 64,
  labelLength: 200,
  /** |ageDays| and indexAgeDays: a hundred years. */
  ageDays: 36_525,
} as const;
/**
 * The characters a path's free-text label may hold: Latin letters (A-Z and the Latin-1 and Latin Extended-A/B
 * letters: å ä ö é š ž ...), digits, space and `- _ . , : ( ) / # +` ('+' because generated labels name the age band
 * "18y+"). Nothing that could carry markup, quotes, control characters or another script's look-alikes.
 */
const LABEL_PATTERN = /^[A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F0-9 _.,:()/#+-]*$/;
/**
 * Shaped like a Finnish personal identity code (henkilötunnus) anywhere in the text: DDMMYY, a century sign
 * (- + A-F, or U-Y since 2023), three digits and a check character. A label must never carry a person id.
 */
const PERSON_ID_SHAPE = /(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d\d[-+A-FU-Y]\d{3}[0-9A-Za-z]/;
const LABEL_CHARACTERS_MESSAGE = 'label may hold only letters, digits, spaces and - _ . , : ( ) / # +';
const LABEL_PERSON_ID_MESSAGE = 'label looks like a personal identity code (henkilötunnus); labels must never hold a person id';

/** PathSchema's label rule (the service's fast validator calls it too): the character set, and no person-id shape. */
export function isSafeLabel(label: string): boolean {
  return LABEL_PATTERN.test(label) && !PERSON_ID_SHAPE.test(label);
}

export const PATH_RELATIONS = ['self', 'mother', 'father', 'guardian', 'sibling', 'partner'] as const;
export const PathRelationSchema = z.enum(PATH_RELATIONS);
export type PathRelation = z.infer<typeof PathRelationSchema>;

export const PathEventSchema = z
  .object({
    code: z.string().min(1, 'empty code').max(PATH_LIMITS.codeLength),
    domain: z.string().min(1, 'empty domain').max(PATH_LIMITS.domainLength),
    /** Whose event: the child (`self`) or a relative. */
    relation: PathRelationSchema.default('self'),
    /** The child's age in days when the event happened; negative for relatives' events before birth. */
    ageDays: z.number().int().min(-PATH_LIMITS.ageDays).max(PATH_LIMITS.ageDays),
    /** Immutable events (a birth, a diagnosis) are never moved or edited by counterfactuals. */
    immutable: z.boolean().optional(),
  })
  .strict();
export type PathEvent = z.infer<typeof PathEventSchema>;

export const PathSchema = z
  .object({
    /** A label for the planner (e.g. a cohort path id); never a person id (LABEL_PATTERN, no person-id shape). */
    label: z
      .string()
      .max(PATH_LIMITS.labelLength)
      .regex(LABEL_PATTERN, LABEL_CHARACTERS_MESSAGE)
      .refine((label) => !PERSON_ID_SHAPE.test(label), LABEL_PERSON_ID_MESSAGE)
      .optional(),
    sex: SexSchema.optional(),
    /** The child's age at the index date; defaults to the last event's age. */
    indexAgeDays: z.number().int().min(0).max(PATH_LIMITS.ageDays).optional(),
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

// ---- path helpers every stage shares (one definition each) ----

/** The path's index age: the stated one, else the last event's age (never negative: a child's index age). */
export function indexAgeOf(path: Path): number {
  return path.indexAgeDays ?? Math.max(0, path.events[path.events.length - 1]!.ageDays);
}

/**
 * Where an event lands: after every event earlier than its day, and among same-day events at its canonical
 * place (comparePathEvents). Existing events keep their relative order even if a caller's same-day order differs.
 */
function insertionPosition(events: readonly PathEvent[], inserted: PathEvent): number {
  return positionFrom(events, inserted, 0);
}

/**
 * insertionPosition, scanning from `from`: the caller vouches that every event before `from` is earlier than
 * the inserted event's day (so the answer is the same as scanning from 0).
 */
export function positionFrom(events: readonly PathEvent[], inserted: PathEvent, from: number): number {
  let pos = from;
  while (pos < events.length && events[pos]!.ageDays < inserted.ageDays) pos++;
  while (pos < events.length && events[pos]!.ageDays === inserted.ageDays && comparePathEvents(events[pos]!, inserted) <= 0) pos++;
  return pos;
}

/** The events with `inserted` at `position` (one copy). */
export function withEventAt(events: readonly PathEvent[], inserted: PathEvent, position: number): PathEvent[] {
  const out = events.slice(0, position);
  out.push(inserted);
  for (let i = position; i < events.length; i++) out.push(events[i]!);
  return out;
}

export function insertEvent(path: Path, inserted: PathEvent): { path: Path; position: number } {
  const position = insertionPosition(path.events, inserted);
  return { path: { ...path, indexAgeDays: indexAgeOf(path), events: withEventAt(path.events, inserted, position) }, position };
}
