// The cohort-path route: browse, filter, sort; groups under k stay suppressed and rates behind fewer than
// minCount children stay hidden, even from a bad file.
import { describe, expect, it } from 'vitest';
import { CohortQuerySchema } from '../../../src/serve/api-schemas.js';
import { browseCohortPaths, guardPrivacy } from '../../../src/serve/routes/cohort-paths.js';
import type { CohortPath, CohortPathsFile } from '../../../src/schemas/cohort-paths.js';
import { auth, COHORT_PATHS, fakeApp, tempDir, writeFakeBundle } from './helpers.js';

const q = (o: Record<string, string> = {}) => CohortQuerySchema.parse(o);
const RULES = COHORT_PATHS.privacy;
const ids = (paths: CohortPath[]) => paths.map((p) => p.id);

describe('cohort paths', () => {
  it('serves paths with suppressed groups still suppressed, filtered and sorted', async () => {
    const t = tempDir();
    writeFakeBundle(t.dir, 'cw', '1');
    const app = await fakeApp(t.dir);
    const res = await app.inject({ method: 'GET', url: '/v1/models/cw/cohort-paths?service=FAMILY_WORK', headers: auth('planner') });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.privacy).toEqual({ k: 10, minCount: 5, roundTo: 5 });
    expect(body.paths.map((p: CohortPath) => p.id)).toEqual(['cp-a']);
    const fw = body.paths[0].followedBy.find((f: { code: string }) => f.code === 'FAMILY_WORK');
    expect(fw.received).toEqual({ suppressed: true });
    expect(fw.notReceived).toEqual({ suppressed: true });
    expect(JSON.stringify(body)).not.toMatch(/person_?id/i);
    const sorted = await app.inject({ method: 'GET', url: '/v1/models/cw/cohort-paths?sort=outcomeRate&order=desc&limit=1', headers: auth('planner') });
    expect(sorted.json()).toMatchObject({ total: 3, paths: [{ id: 'cp-b' }] });
    const bad = await app.inject({ method: 'GET', url: '/v1/models/cw/cohort-paths?limit=100000', headers: auth('planner') });
    expect(bad.json().error).toMatchObject({ code: 'SERVE_VALIDATION', path: 'query/limit' });
    await app.close();
    t.cleanup();
  });

  it('serves hidden rates as null with their reasons, and hides the rates of the fixture that break minCount', async () => {
    const t = tempDir();
    writeFakeBundle(t.dir, 'cw', '1');
    const app = await fakeApp(t.dir);
    const res = await app.inject({ method: 'GET', url: '/v1/models/cw/cohort-paths?sort=id&order=asc', headers: auth('planner') });
    expect(res.statusCode).toBe(200);
    const [a, b, c] = res.json().paths as CohortPath[];
    expect(c).toMatchObject({ id: 'cp-c', persons: 25, outcomeRate: null, outcomeSuppressed: 'numerator' });
    expect(c!.followedBy[0]).toMatchObject({
      received: { persons: 10, outcomeRate: null, outcomeSuppressed: 'numerator' },
      notReceived: { persons: 15, outcomeRate: null, outcomeSuppressed: 'secondary' },
    });
    // cp-a's 0.1 of 40 implies 4 children with the outcome; HOME_HELP's sides imply 3 and 1: all under minCount 5.
    expect(a).toMatchObject({ id: 'cp-a', outcomeRate: null, outcomeSuppressed: 'numerator' });
    expect(a!.followedBy[1]).toMatchObject({
      received: { persons: 15, outcomeRate: null, outcomeSuppressed: 'numerator' },
      notReceived: { persons: 25, outcomeRate: null, outcomeSuppressed: 'numerator' },
    });
    expect(b).toMatchObject({ id: 'cp-b', outcomeRate: 0.3 });
    expect(b).not.toHaveProperty('outcomeSuppressed');
    // The model description names the rules in force.
    const model = (await app.inject({ method: 'GET', url: '/v1/models/cw', headers: auth('planner') })).json();
    expect(model.versions[0].privacy).toEqual({ k: 10, minCount: 5, roundTo: 5 });
    await app.close();
    t.cleanup();
  });

  it('re-suppresses groups under k and drops paths under k (a last guard against a bad file)', () => {
    const leaky: CohortPathsFile = {
      ...COHORT_PATHS,
      paths: [
        {
          ...COHORT_PATHS.paths[1]!,
          followedBy: [{ code: 'X', label: 'x', received: { persons: 5, outcomeRate: 1 }, notReceived: { persons: 15, outcomeRate: 0.4 } }],
        },
        { ...COHORT_PATHS.paths[1]!, id: 'tiny', persons: 5 },
      ],
    };
    const { paths, total } = browseCohortPaths(leaky, q());
    expect(total).toBe(1);
    // Complementary suppression: the other side would reveal the small one by subtraction.
    expect(paths[0]!.followedBy[0]).toEqual({ code: 'X', label: 'x', received: { suppressed: true, reason: 'group' }, notReceived: { suppressed: true, reason: 'group' } });
    expect(guardPrivacy({ ...COHORT_PATHS.paths[1]!, persons: 9 }, RULES)).toBeNull();
  });

  it('hides a tampered rate that implies fewer than minCount children with the outcome, or without it', () => {
    const base = COHORT_PATHS.paths[1]!;
    const tampered: CohortPath = {
      ...base,
      persons: 40,
      // 0.05 of 40: 2 children with the outcome.
      outcomeRate: 0.05,
      followedBy: [
        // 0.9 of 20: 2 without it; 0.5 of 20: 10 and 10, fine.
        { code: 'X', label: 'x', received: { persons: 20, outcomeRate: 0.9 }, notReceived: { persons: 20, outcomeRate: 0.5 } },
        // A rate sent with its reason stays hidden; a suppressed group keeps its reason, and its partner takes it.
        { code: 'Y', label: 'y', received: { persons: 20, outcomeRate: 0.5, outcomeSuppressed: 'secondary' }, notReceived: { persons: 20, outcomeRate: 0.3 } },
        { code: 'Z', label: 'z', received: { suppressed: true, reason: 'secondary' }, notReceived: { persons: 20, outcomeRate: 0.5 } },
      ],
    };
    const guarded = guardPrivacy(tampered, RULES)!;
    expect(guarded).toMatchObject({ persons: 40, outcomeRate: null, outcomeSuppressed: 'numerator' });
    const [x, y, z] = guarded.followedBy;
    expect(x!.received).toEqual({ persons: 20, outcomeRate: null, outcomeSuppressed: 'complement' });
    expect(x!.notReceived).toEqual({ persons: 20, outcomeRate: 0.5 });
    expect(y!.received).toEqual({ persons: 20, outcomeRate: null, outcomeSuppressed: 'secondary' });
    expect(y!.notReceived).toEqual({ persons: 20, outcomeRate: 0.3 });
    expect(z).toMatchObject({ received: { suppressed: true, reason: 'secondary' }, notReceived: { suppressed: true, reason: 'secondary' } });
    // The same through the route's browse, and with the file's own minCount: 3 lets 0.1 of 40 (4) through.
    const file: CohortPathsFile = { ...COHORT_PATHS, paths: [tampered] };
    expect(browseCohortPaths(file, q()).paths[0]).toMatchObject({ outcomeRate: null, outcomeSuppressed: 'numerator' });
    const lenient: CohortPathsFile = { ...COHORT_PATHS, privacy: { ...RULES, minCount: 3 }, paths: [{ ...tampered, outcomeRate: 0.1 }] };
    expect(browseCohortPaths(lenient, q()).paths[0]).toMatchObject({ outcomeRate: 0.1 });
  });

  it('sorts hidden rates last, in either order', () => {
    const at = (id: string, outcomeRate: number | null): CohortPath => ({ ...COHORT_PATHS.paths[1]!, id, persons: 100, outcomeRate });
    const file: CohortPathsFile = { ...COHORT_PATHS, paths: [at('h1', null), at('lo', 0.3), at('h2', null), at('hi', 0.5), at('leak', 0.02)] };
    // 'leak' (0.02 of 100: 2 children) is hidden by the guard and sorts with the hidden ones.
    expect(ids(browseCohortPaths(file, q({ sort: 'outcomeRate', order: 'desc' })).paths)).toEqual(['hi', 'lo', 'h1', 'h2', 'leak']);
    expect(ids(browseCohortPaths(file, q({ sort: 'outcomeRate', order: 'asc' })).paths)).toEqual(['lo', 'hi', 'h1', 'h2', 'leak']);
  });

  it('filters by group, band and minimum size', () => {
    expect(ids(browseCohortPaths(COHORT_PATHS, q({ group: 'mother:social_work' })).paths)).toEqual(['cp-b']);
    expect(ids(browseCohortPaths(COHORT_PATHS, q({ minPersons: '30' })).paths)).toEqual(['cp-a']);
    expect(browseCohortPaths(COHORT_PATHS, q({ band: 'nope' })).total).toBe(0);
    expect(ids(browseCohortPaths(COHORT_PATHS, q({ sort: 'persons', order: 'asc' })).paths)).toEqual(['cp-b', 'cp-c', 'cp-a']);
  });
});
