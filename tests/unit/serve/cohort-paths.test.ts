// The cohort-path route: browse, filter, sort; groups under k stay suppressed, even from a bad file.
import { describe, expect, it } from 'vitest';
import { CohortQuerySchema } from '../../../src/serve/api-schemas.js';
import { browseCohortPaths, guardPrivacy } from '../../../src/serve/routes/cohort-paths.js';
import type { CohortPath, CohortPathsFile } from '../../../src/schemas/cohort-paths.js';
import { auth, COHORT_PATHS, fakeApp, tempDir, writeFakeBundle } from './helpers.js';

const q = (o: Record<string, string> = {}) => CohortQuerySchema.parse(o);

describe('cohort paths', () => {
  it('serves paths with suppressed groups still suppressed, filtered and sorted', async () => {
    const t = tempDir();
    writeFakeBundle(t.dir, 'cw', '1');
    const app = await fakeApp(t.dir);
    const res = await app.inject({ method: 'GET', url: '/v1/models/cw/cohort-paths?service=FAMILY_WORK', headers: auth('planner') });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.privacy).toEqual({ k: 10, roundTo: 5 });
    expect(body.paths.map((p: CohortPath) => p.id)).toEqual(['cp-a']);
    const fw = body.paths[0].followedBy.find((f: { code: string }) => f.code === 'FAMILY_WORK');
    expect(fw.received).toEqual({ suppressed: true });
    expect(fw.notReceived).toEqual({ suppressed: true });
    expect(JSON.stringify(body)).not.toMatch(/person_?id/i);
    const sorted = await app.inject({ method: 'GET', url: '/v1/models/cw/cohort-paths?sort=outcomeRate&order=desc&limit=1', headers: auth('planner') });
    expect(sorted.json()).toMatchObject({ total: 2, paths: [{ id: 'cp-b' }] });
    const bad = await app.inject({ method: 'GET', url: '/v1/models/cw/cohort-paths?limit=100000', headers: auth('planner') });
    expect(bad.json().error).toMatchObject({ code: 'SERVE_VALIDATION', path: 'query/limit' });
    await app.close();
    t.cleanup();
  });

  it('re-suppresses groups under k and drops paths under k (a last guard against a bad file)', () => {
    const leaky: CohortPathsFile = {
      ...COHORT_PATHS,
      paths: [
        {
          ...COHORT_PATHS.paths[0]!,
          followedBy: [{ code: 'X', label: 'x', received: { persons: 5, outcomeRate: 1 }, notReceived: { persons: 35, outcomeRate: 0.1 } }],
        },
        { ...COHORT_PATHS.paths[1]!, id: 'tiny', persons: 5 },
      ],
    };
    const { paths, total } = browseCohortPaths(leaky, q());
    expect(total).toBe(1);
    // Complementary suppression: the other side would reveal the small one by subtraction.
    expect(paths[0]!.followedBy[0]).toMatchObject({ received: { suppressed: true }, notReceived: { suppressed: true } });
    expect(guardPrivacy({ ...COHORT_PATHS.paths[1]!, persons: 9 }, 10)).toBeNull();
  });

  it('filters by group, band and minimum size', () => {
    expect(browseCohortPaths(COHORT_PATHS, q({ group: 'mother:social_work' })).paths.map((p) => p.id)).toEqual(['cp-b']);
    expect(browseCohortPaths(COHORT_PATHS, q({ minPersons: '30' })).paths.map((p) => p.id)).toEqual(['cp-a']);
    expect(browseCohortPaths(COHORT_PATHS, q({ band: 'nope' })).total).toBe(0);
    expect(browseCohortPaths(COHORT_PATHS, q({ sort: 'persons', order: 'asc' })).paths.map((p) => p.id)).toEqual(['cp-b', 'cp-a']);
  });
});
