// The hand-written /score body validator only ever accepts what ScoreBodySchema accepts, with zod's exact value.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScoreBodySchema } from '../../../src/serve/api-schemas.js';
import { fastScoreBody } from '../../../src/serve/fast-validation.js';
import { toJsonSchema } from '../../../src/serve/validation.js';

/** Both validators on one body (as JSON makes it): the fast one accepts only zod's accepted bodies, with zod's value. */
function agree(body: unknown): 'fast' | 'zod-accepts' | 'refused' {
  const json = JSON.parse(JSON.stringify(body)) as unknown;
  const fast = fastScoreBody(json);
  let zod: ReturnType<typeof ScoreBodySchema.safeParse>;
  try {
    zod = ScoreBodySchema.safeParse(json);
  } catch {
    // PathSchema's refinement throws on an empty events list with an indexAgeDays (reported; not this file's to fix).
    expect(fast).toBeUndefined();
    return 'refused';
  }
  if (fast !== undefined) {
    expect(zod.success).toBe(true);
    // Same value, same key order (the serialised form is compared too).
    expect(fast).toStrictEqual(zod.data);
    expect(JSON.stringify(fast)).toBe(JSON.stringify(zod.data));
    return 'fast';
  }
  return zod.success ? 'zod-accepts' : 'refused';
}

const str = (max: number) => fc.oneof(fc.string({ minLength: 0, maxLength: 3 }), fc.string({ minLength: max - 1, maxLength: max + 1 }));
const age = fc.oneof(
  fc.integer({ min: -40, max: 1500 }),
  fc.constantFrom(-36_526, -36_525, 36_525, 36_526, -0, 0.5, 1e21),
  fc.string({ maxLength: 2 }),
  fc.constant(null),
);
const event = fc.record(
  {
    code: fc.oneof(str(128), fc.integer(), fc.constant(null)),
    domain: fc.oneof(str(64), fc.constant(true)),
    relation: fc.oneof(fc.constantFrom('self', 'mother', 'father', 'guardian', 'sibling', 'partner', 'aunt', 'Self', ''), fc.integer()),
    ageDays: age,
    immutable: fc.oneof(fc.boolean(), fc.constantFrom(0, 'true', null)),
    person_id: fc.string({ maxLength: 3 }),
  },
  { requiredKeys: [] },
);
/** Mostly well-formed events, so that both sides get plenty of valid paths to compare. */
const goodEvent = fc.record(
  {
    code: fc.string({ minLength: 1, maxLength: 6 }),
    domain: fc.constantFrom('health', 'social_work', 'x'),
    relation: fc.constantFrom('self', 'mother', 'sibling', 'partner'),
    ageDays: fc.integer({ min: -400, max: 1500 }),
    immutable: fc.boolean(),
  },
  { requiredKeys: ['code', 'domain', 'ageDays'] },
);
const pathLike = fc.record(
  {
    label: fc.oneof(str(200), fc.integer()),
    sex: fc.oneof(fc.constantFrom('F', 'M', 'X', 'unknown', 'f', ''), fc.integer()),
    indexAgeDays: fc.oneof(fc.integer({ min: -2, max: 1600 }), fc.constantFrom(36_525, 36_526, 1.5, '3')),
    events: fc.oneof(
      fc.array(fc.oneof(goodEvent, goodEvent, event), { minLength: 0, maxLength: 8 }),
      // Sorted by age: most such paths pass the time-order refinement.
      fc.array(goodEvent, { minLength: 1, maxLength: 12 }).map((es) => [...es].sort((a, b) => a.ageDays - b.ageDays)),
      fc.constant('events'),
    ),
    extra: fc.integer(),
  },
  { requiredKeys: ['events'] },
);
/** Labels mostly from the allowed characters (Finnish letters included), now and then any text. */
const safeLabel = fc.string({ maxLength: 10, unit: fc.constantFrom(...'aZåÄöÖéš09 -_.,:()/#+'.split('')) });
/** Valid paths (label, sex and index age optional), so that accepted bodies are compared often. */
const goodPath = fc.record(
  {
    label: fc.oneof(safeLabel, safeLabel, safeLabel, fc.string({ maxLength: 10 })),
    sex: fc.constantFrom('F', 'M', 'X', 'unknown'),
    indexAgeDays: fc.integer({ min: 1500, max: 36_525 }),
    events: fc.array(goodEvent, { minLength: 1, maxLength: 12 }).map((es) => [...es].sort((a, b) => a.ageDays - b.ageDays)),
  },
  { requiredKeys: ['events'] },
);
const body = fc.oneof(
  fc.record({ paths: fc.array(goodPath, { minLength: 1, maxLength: 3 }) }),
  fc.record({ paths: fc.array(fc.oneof(goodPath, goodPath, pathLike), { minLength: 1, maxLength: 3 }) }),
  fc.record({ paths: fc.array(pathLike, { minLength: 0, maxLength: 4 }) }),
  fc.record({ paths: fc.array(pathLike, { minLength: 1, maxLength: 2 }), other: fc.integer() }),
  fc.jsonValue({ maxDepth: 2 }),
);

describe('fastScoreBody', () => {
  it('mirrors the schemas it was written from (update src/serve/fast-validation.ts with them)', () => {
    expect(toJsonSchema(ScoreBodySchema, 'input')).toEqual({
      type: 'object',
      properties: {
        paths: {
          minItems: 1,
          maxItems: 64,
          type: 'array',
          items: {
            type: 'object',
            properties: {
              label: { type: 'string', maxLength: 200, pattern: '^[A-Za-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u024F0-9 _.,:()/#+-]*$' },
              sex: { type: 'string', enum: ['F', 'M', 'X', 'unknown'] },
              indexAgeDays: { type: 'integer', minimum: 0, maximum: 36525 },
              events: {
                minItems: 1,
                maxItems: 512,
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    code: { type: 'string', minLength: 1, maxLength: 128 },
                    domain: { type: 'string', minLength: 1, maxLength: 64 },
                    relation: { default: 'self', type: 'string', enum: ['self', 'mother', 'father', 'guardian', 'sibling', 'partner'] },
                    ageDays: { type: 'integer', minimum: -36525, maximum: 36525 },
                    immutable: { type: 'boolean' },
                  },
                  required: ['code', 'domain', 'ageDays'],
                  additionalProperties: false,
                },
              },
            },
            required: ['events'],
            additionalProperties: false,
          },
        },
      },
      required: ['paths'],
      additionalProperties: false,
    });
  });

  it('accepts only what zod accepts, with the same value; and takes every JSON body zod accepts', () => {
    const seen = { fast: 0, 'zod-accepts': 0, refused: 0 };
    fc.assert(
      fc.property(body, (b) => {
        const outcome = agree(b);
        seen[outcome]++;
        // Bodies come from JSON: there is nothing zod accepts that the fast path must leave to it.
        expect(outcome).not.toBe('zod-accepts');
      }),
      { numRuns: 3000 },
    );
    // The comparison is meaningful only if both outcomes occur often.
    expect(seen.fast).toBeGreaterThan(300);
    expect(seen.refused).toBeGreaterThan(300);
  });

  it('keeps the refinements and the limits: time order, index age, sizes, defaults', () => {
    const e = (ageDays: number, extra: Record<string, unknown> = {}) => ({ code: 'A', domain: 'health', ageDays, ...extra });
    expect(agree({ paths: [{ events: [e(5), e(4)] }] })).toBe('refused');
    expect(agree({ paths: [{ indexAgeDays: 4, events: [e(5)] }] })).toBe('refused');
    expect(agree({ paths: [{ indexAgeDays: 5, events: [e(5), e(5)] }] })).toBe('fast');
    expect(agree({ paths: [{ events: [] }] })).toBe('refused');
    expect(agree({ paths: [] })).toBe('refused');
    expect(agree({ paths: Array.from({ length: 65 }, () => ({ events: [e(1)] })) })).toBe('refused');
    expect(agree({ paths: Array.from({ length: 64 }, () => ({ events: Array.from({ length: 512 }, (_, i) => e(i)) })) })).toBe('fast');
    expect(agree({ paths: [{ events: Array.from({ length: 513 }, (_, i) => e(i)) }] })).toBe('refused');
    expect(agree({ paths: [{ events: [e(1, { person_id: 'p1' })] }] })).toBe('refused');
    for (const [field, max] of [
      ['code', 128],
      ['domain', 64],
    ] as const) {
      expect(agree({ paths: [{ events: [e(1, { [field]: 'c'.repeat(max) })] }] })).toBe('fast');
      expect(agree({ paths: [{ events: [e(1, { [field]: 'c'.repeat(max + 1) })] }] })).toBe('refused');
      expect(agree({ paths: [{ events: [e(1, { [field]: '' })] }] })).toBe('refused');
    }
    expect(agree({ paths: [{ label: 'l'.repeat(200), events: [e(1)] }] })).toBe('fast');
    expect(agree({ paths: [{ label: 'l'.repeat(201), events: [e(1)] }] })).toBe('refused');
    // The label's character set (Finnish and Swedish letters in it) and the refusal of person-id shapes.
    for (const label of ['Perhetyö, äiti (Åbo) #3: 0-6m/18y+', 'cp-0a1b2c3d4e5f', '', '010203-12', '311299G123A', '321299-123A']) {
      expect(agree({ paths: [{ label, events: [e(1)] }] }), label).toBe('fast');
    }
    for (const label of ['<b>x</b>', 'a"b', "O'Brien", 'tab\tx', 'emoji \u{1F600}', 'Ω', 'a;b', 'x=1', '010203-123A', 'id 311299A9876', '150500+123x', 'p 010101Y001Z', '311299X123A']) {
      expect(agree({ paths: [{ label, events: [e(1)] }] }), label).toBe('refused');
    }
    for (const [ageDays, outcome] of [
      [-36_525, 'fast'],
      [36_525, 'fast'],
      [-36_526, 'refused'],
      [36_526, 'refused'],
      [1.5, 'refused'],
    ] as const) {
      expect(agree({ paths: [{ events: [e(ageDays)] }] })).toBe(outcome);
    }
    expect(agree({ paths: [{ indexAgeDays: 36_526, events: [e(1)] }] })).toBe('refused');
    expect(agree({ paths: [{ indexAgeDays: -1, events: [e(-5)] }] })).toBe('refused');
    expect(fastScoreBody({ paths: [{ label: 'x', sex: 'F', events: [e(-0, { immutable: false })] }] })).toStrictEqual({
      paths: [{ label: 'x', sex: 'F', events: [{ code: 'A', domain: 'health', relation: 'self', ageDays: -0, immutable: false }] }],
    });
    // Not a JSON-made object: zod decides.
    expect(fastScoreBody({ paths: [{ events: [Object.assign(Object.create({ inherited: 1 }), e(1))] }] })).toBeUndefined();
    expect(fastScoreBody({ paths: [{ events: [e(1, { relation: undefined })] }] })).toBeUndefined();
  });
});
