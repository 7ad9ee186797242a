// The trainer's examples on the ingested data-samples equal the generator's truth paths and outcomes, child by child.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { buildExamples, loadTaskSpec } from '../../../src/cohort/index.js';
import { DEMO_KEY, openCanonicalSources, runIngest } from '../../../src/ingest/index.js';
import { pseudonymise } from '../../../src/ingest/pseudonym.js';
import { openStore } from '../../../src/store/index.js';

const SAMPLES = join(import.meta.dirname, '..', '..', '..', 'data-samples');

it("builds the same paths and labels as the generator's truth on data-samples", async () => {
  const work = await mkdtemp(join(tmpdir(), 'sp-parity-'));
  try {
    await runIngest({ sources: await openCanonicalSources(SAMPLES), outDir: join(work, 's'), key: DEMO_KEY, keySource: 'demo', extractionDate: '2030-01-01' });
    const store = await openStore(join(work, 's'));
    const { examples } = await buildExamples(() => store.persons(), await loadTaskSpec(join(SAMPLES, 'task.json')));
    const byId = new Map(examples.map((e) => [e.personId, e]));
    const truth = readFileSync(join(SAMPLES, 'truth', 'children.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { personId: string; outcome: 0 | 1 | null; path: unknown });
    const uncensored = truth.filter((t) => t.outcome !== null);
    expect(examples.length).toBe(uncensored.length);
    for (const t of uncensored) {
      const e = byId.get(pseudonymise(DEMO_KEY, t.personId));
      expect(e?.label).toBe(t.outcome);
      expect(e?.path).toEqual(t.path);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}, 60_000);
