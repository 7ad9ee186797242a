import { describe, expect, it } from 'vitest';
import { MAX_PATH_EVENTS, PathSchema } from '../../../src/schemas/path.js';
import { buildRecordedPath, insertService } from '../../../src/synth/path.js';

const birth = 10_000;

describe('buildRecordedPath', () => {
  it('keeps events in [index - lookback, index], relative to birth, in canonical order, duplicates kept', () => {
    const path = buildRecordedPath({
      childBirthDay: birth,
      indexDay: birth + 1096,
      lookbackDays: 1826,
      events: [
        { day: birth + 1097, code: 'ER_VISIT', domain: 'health', relation: 'self' },
        { day: birth - 731, code: 'PHC_VISIT', domain: 'health', relation: 'mother' },
        { day: birth - 730, code: 'PHC_VISIT', domain: 'health', relation: 'mother' },
        { day: birth + 1096, code: 'ER_VISIT', domain: 'health', relation: 'self' },
        { day: birth + 5, code: 'SUD_VISIT', domain: 'substance_abuse', relation: 'father' },
        { day: birth + 5, code: 'NEUVOLA_VISIT', domain: 'health', relation: 'self' },
        { day: birth + 5, code: 'NEUVOLA_VISIT', domain: 'health', relation: 'self' },
        { day: birth + 5, code: 'INCOME_SUPPORT', domain: 'income_support', relation: 'mother' },
      ],
    });
    expect(path.indexAgeDays).toBe(1096);
    expect(path.events).toEqual([
      { code: 'PHC_VISIT', domain: 'health', relation: 'mother', ageDays: -730 },
      { code: 'NEUVOLA_VISIT', domain: 'health', relation: 'self', ageDays: 5 },
      { code: 'NEUVOLA_VISIT', domain: 'health', relation: 'self', ageDays: 5 },
      { code: 'INCOME_SUPPORT', domain: 'income_support', relation: 'mother', ageDays: 5 },
      { code: 'SUD_VISIT', domain: 'substance_abuse', relation: 'father', ageDays: 5 },
      { code: 'ER_VISIT', domain: 'health', relation: 'self', ageDays: 1096 },
    ]);
    expect(PathSchema.safeParse(path).success).toBe(true);
  });

  it('keeps the latest MAX_PATH_EVENTS events of a longer path', () => {
    const events = Array.from({ length: MAX_PATH_EVENTS + 10 }, (_, i) => ({ day: birth + i, code: 'PHC_VISIT', domain: 'health', relation: 'self' as const }));
    const path = buildRecordedPath({ childBirthDay: birth, indexDay: birth + 1096, lookbackDays: 1826, events });
    expect(path.events).toHaveLength(MAX_PATH_EVENTS);
    expect(path.events[0]!.ageDays).toBe(10);
  });

  it('inserts a service event at an age and re-sorts, leaving the rest unchanged', () => {
    const path = buildRecordedPath({
      childBirthDay: birth,
      indexDay: birth + 1096,
      lookbackDays: 1826,
      events: [
        { day: birth + 100, code: 'PHC_VISIT', domain: 'health', relation: 'self' },
        { day: birth + 400, code: 'ER_VISIT', domain: 'health', relation: 'mother' },
      ],
    });
    const inserted = insertService(path, { code: 'FAMILY_WORK', domain: 'social_work', relation: 'mother' }, 364);
    expect(inserted.events.map((e) => e.code)).toEqual(['PHC_VISIT', 'FAMILY_WORK', 'ER_VISIT']);
    expect(path.events).toHaveLength(2);
  });
});
