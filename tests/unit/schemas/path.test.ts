// PathSchema: an empty path with an index age is a validation error naming the field, never a crash.
import { describe, expect, it } from 'vitest';
import { PathSchema } from '../../../src/schemas/path.js';

describe('PathSchema', () => {
  it('refuses an empty events list with an index age as an issue on events (no exception)', () => {
    const r = PathSchema.safeParse({ indexAgeDays: 3, events: [] });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('/'))).toEqual(['events']);
    expect(r.error?.issues[0]?.message).toBe('a path needs at least one event');
  });

  it('still refuses an event after the index age', () => {
    const r = PathSchema.safeParse({ indexAgeDays: 3, events: [{ code: 'A', domain: 'health', ageDays: 5 }] });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['indexAgeDays']);
  });
});
