// Hand-written validation of the hottest request body (POST /score: up to 64 paths of up to 512 events), run
// before zod. It only ever ACCEPTS: a body it accepts is one ScoreBodySchema accepts, and the value it returns is
// the one zod returns (same keys in the same order, `relation` defaulted to "self"). Anything else, every invalid
// body included, goes on to zod, which names the first bad field as before. Zod's generic walk costs about ten
// times more per event; /score spends most of its own time there.
// tests/unit/serve/fast-validation.test.ts pins the JSON Schema of the mirrored schemas and compares both paths on
// fuzzed bodies: a change to PathSchema or ScoreBodySchema fails it until this file follows.
import { SEXES } from '../schemas/data-contract.js';
import { isSafeLabel, MAX_PATH_EVENTS, PATH_LIMITS, PATH_RELATIONS, type Path, type PathEvent, type PathRelation } from '../schemas/path.js';
import { MAX_PATHS_PER_REQUEST, type ScoreBody } from './api-schemas.js';

/** The limits of PathSchema and PathEventSchema, from their one definition (src/schemas/path.ts). */
const CODE_MAX = PATH_LIMITS.codeLength;
const DOMAIN_MAX = PATH_LIMITS.domainLength;
const LABEL_MAX = PATH_LIMITS.labelLength;
const AGE_LIMIT = PATH_LIMITS.ageDays;

const RELATIONS: ReadonlySet<string> = new Set(PATH_RELATIONS);
const SEX_VALUES: ReadonlySet<string> = new Set(SEXES);

/** A JSON object as JSON.parse makes it; anything more exotic is left to zod. */
function plainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Own enumerable keys, counted without allocating. */
function keyCount(value: Record<string, unknown>): number {
  let n = 0;
  for (const key in value) if (Object.hasOwn(value, key)) n++;
  return n;
}

const isInt = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isString = (v: unknown, min: number, max: number): v is string => typeof v === 'string' && v.length >= min && v.length <= max;

function fastEvent(raw: unknown): PathEvent | undefined {
  if (!plainObject(raw)) return undefined;
  const { code, domain, relation, ageDays, immutable } = raw;
  if (!isString(code, 1, CODE_MAX) || !isString(domain, 1, DOMAIN_MAX) || !isInt(ageDays, -AGE_LIMIT, AGE_LIMIT)) return undefined;
  // Every key is one of these and none holds undefined (strict object; a present undefined is zod's to judge).
  let known = 3;
  if (relation !== undefined) {
    if (typeof relation !== 'string' || !RELATIONS.has(relation)) return undefined;
    known++;
  }
  if (immutable !== undefined) {
    if (typeof immutable !== 'boolean') return undefined;
    known++;
  }
  if (keyCount(raw) !== known) return undefined;
  const rel = (relation ?? 'self') as PathRelation;
  return immutable === undefined ? { code, domain, relation: rel, ageDays } : { code, domain, relation: rel, ageDays, immutable };
}

function fastPath(raw: unknown): Path | undefined {
  if (!plainObject(raw)) return undefined;
  const { label, sex, indexAgeDays, events } = raw;
  if (!Array.isArray(events) || events.length < 1 || events.length > MAX_PATH_EVENTS) return undefined;
  let known = 1;
  if (label !== undefined) {
    // The label's character set and person-id refusal: PathSchema's own rule, so both paths agree.
    if (!isString(label, 0, LABEL_MAX) || !isSafeLabel(label)) return undefined;
    known++;
  }
  if (sex !== undefined) {
    if (typeof sex !== 'string' || !SEX_VALUES.has(sex)) return undefined;
    known++;
  }
  if (indexAgeDays !== undefined) {
    if (!isInt(indexAgeDays, 0, AGE_LIMIT)) return undefined;
    known++;
  }
  if (keyCount(raw) !== known) return undefined;
  const out: PathEvent[] = [];
  let previousAge = Number.NEGATIVE_INFINITY;
  for (const rawEvent of events as unknown[]) {
    const event = fastEvent(rawEvent);
    // Events in time order, none after the index age (PathSchema's refinement).
    if (event === undefined || event.ageDays < previousAge) return undefined;
    previousAge = event.ageDays;
    out.push(event);
  }
  if (indexAgeDays !== undefined && previousAge > indexAgeDays) return undefined;
  const path: Path = {} as Path;
  if (label !== undefined) path.label = label;
  if (sex !== undefined) path.sex = sex as Path['sex'];
  if (indexAgeDays !== undefined) path.indexAgeDays = indexAgeDays;
  path.events = out;
  return path;
}

/** ScoreBodySchema's value for a body it accepts, or undefined: then zod decides (and explains a refusal). */
export function fastScoreBody(raw: unknown): ScoreBody | undefined {
  if (!plainObject(raw)) return undefined;
  const { paths } = raw;
  if (!Array.isArray(paths) || paths.length < 1 || paths.length > MAX_PATHS_PER_REQUEST || keyCount(raw) !== 1) return undefined;
  const out: Path[] = [];
  for (const rawPath of paths as unknown[]) {
    const path = fastPath(rawPath);
    if (path === undefined) return undefined;
    out.push(path);
  }
  return { paths: out };
}
