import { describe, expect, it } from 'vitest';
import { parsePath } from '../../../src/explain/parse-path.js';
import { isServicepathError } from '../../../src/errors/index.js';

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return null;
}

describe('parsePath', () => {
  it('returns a path with defaults filled', () => {
    const path = parsePath({ events: [{ code: 'A', domain: 'health', ageDays: 3 }] }, 'p.json');
    expect(path.events[0]!.relation).toBe('self');
  });

  it('names the event and field of every problem, and never echoes the values', () => {
    const secret = 'SECRET-CODE-1234';
    const err = errorOf(() =>
      parsePath(
        {
          events: [
            { code: 'A', domain: 'health', ageDays: 3 },
            { code: '', domain: 'health', ageDays: 5 },
            { code: 'B', domain: 'health', ageDays: 'x', relation: 'cousin' },
            { code: secret, domain: 'health', ageDays: 9, extra: secret },
          ],
        },
        'path.json',
      ),
    );
    expect(isServicepathError(err)).toBe(true);
    if (!isServicepathError(err)) return;
    expect(err.code).toBe('EXPLAIN_PATH_INVALID');
    const paths = (err.details as { path: string }[]).map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['events/1/code', 'events/2/ageDays', 'events/2/relation', 'events/3']));
    expect(err.message).toContain('path.json');
    expect(err.message).toContain('events/1/code');
    expect(JSON.stringify(err.details)).not.toContain(secret.slice(7));
    expect(err.message).not.toContain('SECRET');
  });

  it('rejects events out of time order at the offending event', () => {
    const err = errorOf(() =>
      parsePath({ events: [{ code: 'A', domain: 'h', ageDays: 9 }, { code: 'B', domain: 'h', ageDays: 3 }] }, 'body'),
    );
    expect(isServicepathError(err) && (err.details as { path: string }[])[0]!.path).toBe('events/1/ageDays');
  });
});
