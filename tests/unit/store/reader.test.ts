// Reading a store back: whole histories in pseudonym order, relatives both ways, events in store order, and
// refusal of a store that is missing or damaged.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pseudonymise } from '../../../src/ingest/pseudonym.js';
import { type PersonHistory, PersonHistorySchema } from '../../../src/schemas/store.js';
import { StoreManifestSchema } from '../../../src/store/manifest.js';
import { openStore } from '../../../src/store/reader.js';
import { baseTables, cleanup, EVENTS_HEADER, id, ingestDir, KEY, PERSONS_HEADER, writeInput } from '../ingest/fixtures.js';

const dirs: string[] = [];
let storeDir = '';
afterAll(() => cleanup(...dirs));

beforeAll(async () => {
  const tables = baseTables();
  tables.events.push(`${id(3)},2006-01-15,health,PHC_VISIT,,,`, `${id(3)},2006-01-15T08:00,health,AAA,,,`, `${id(3)},2006-01-15,health,PHC_VISIT,7,,`, `${id(3)},2006-01-15,health,PHC_VISIT,10,,`);
  const input = writeInput(tables);
  dirs.push(input);
  const summary = await ingestDir(input);
  storeDir = summary.storeDir!;
  dirs.push(storeDir);
});

async function all(): Promise<PersonHistory[]> {
  const store = await openStore(storeDir);
  const out: PersonHistory[] = [];
  for await (const p of store.persons()) out.push(p);
  return out;
}

describe('openStore', () => {
  it('validates the manifest and gives every person once, in pseudonym order, valid against PersonHistorySchema', async () => {
    const store = await openStore(storeDir);
    expect(StoreManifestSchema.safeParse(store.manifest).success).toBe(true);
    expect(store.shardCount).toBe(store.manifest.shards.files.length);
    const persons = await all();
    expect(persons.map((p) => p.personId)).toEqual([1, 2, 3, 4, 5].map((n) => pseudonymise(KEY, id(n))).sort());
    for (const p of persons) PersonHistorySchema.parse(p);
    expect(await store.codeDictionary()).toEqual(new Map());
  });

  it('gives each person their record, periods and relatives, with `child` and symmetric links added', async () => {
    const persons = new Map((await all()).map((p) => [p.personId, p]));
    const ps = (n: number) => pseudonymise(KEY, id(n));
    const mother = persons.get(ps(1))!;
    expect(mother).toMatchObject({ birthDate: '1975-04-02', sex: 'F', area: 'area-a', languageGroup: 'fi' });
    expect(mother.observationPeriods).toEqual([{ startDay: 11688, endDay: 17166 }]);
    const rel = (p: PersonHistory) => p.relatives.map((r) => `${r.relation}:${[1, 2, 3, 4, 5].find((n) => ps(n) === r.relatedId)}`).sort();
    expect(rel(mother)).toEqual(['child:3', 'child:4', 'partner:2']);
    expect(rel(persons.get(ps(2))!)).toEqual(['child:3', 'partner:1']);
    expect(rel(persons.get(ps(3))!)).toEqual(['father:2', 'mother:1', 'sibling:4']);
    expect(rel(persons.get(ps(4))!)).toEqual(['mother:1', 'sibling:3']);
    expect(persons.get(ps(4))!.relatives.find((r) => r.relation === 'sibling')).toMatchObject({ startDay: 13908 });
    const child = persons.get(ps(3))!;
    expect(child.birthDate).toBe('2005-06');
    const dead = persons.get(ps(5))!;
    expect(dead.deathDay).toBe(16616);
  });

  it('orders events by day, then bare dates before date-times, then domain, code and value', async () => {
    const child = (await all()).find((p) => p.personId === pseudonymise(KEY, id(3)))!;
    expect(child.events.map((e) => [e.time, e.domain, e.code, e.value ?? ''])).toEqual([
      ['2006-01-15', 'early_education', 'DAYCARE_START', ''],
      ['2006-01-15', 'health', 'PHC_VISIT', ''],
      ['2006-01-15', 'health', 'PHC_VISIT', '10'],
      ['2006-01-15', 'health', 'PHC_VISIT', '7'],
      ['2006-01-15', 'health', 'VACCINATION', ''],
      ['2006-01-15T08:00', 'health', 'AAA', ''],
      ['2006-01-15T09:30', 'health', 'PHC_VISIT', ''],
    ]);
    const benefit = (await all()).find((p) => p.personId === pseudonymise(KEY, id(5)))!.events[0]!;
    expect(benefit).toEqual({ day: 16103, time: '2014-02-02', domain: 'income_support', code: 'BENEFIT', value: '412.50', endTime: '2014-02-28' });
  });

  it('reads shard by shard as well', async () => {
    const store = await openStore(storeDir);
    const viaShards: string[] = [];
    for (let i = 0; i < store.shardCount; i++) viaShards.push(...(await store.readShard(i)).map((p) => p.personId));
    expect(viaShards).toEqual((await all()).map((p) => p.personId));
  });

  it('refuses a missing store, a damaged manifest and a shard that fails its checksum', async () => {
    await expect(openStore(join(storeDir, 'nope'))).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
    const copy = writeInput({});
    dirs.push(copy);
    const manifest = JSON.parse(readFileSync(join(storeDir, 'manifest.json'), 'utf8'));
    writeFileSync(join(copy, 'manifest.json'), JSON.stringify({ ...manifest, schemaVersion: 99 }));
    await expect(openStore(copy)).rejects.toMatchObject({ code: 'STORE_INVALID', message: expect.stringContaining('schemaVersion') });
    writeFileSync(join(copy, 'manifest.json'), '{not json');
    await expect(openStore(copy)).rejects.toMatchObject({ code: 'STORE_INVALID' });
    const { mkdirSync } = await import('node:fs');
    writeFileSync(join(copy, 'manifest.json'), JSON.stringify(manifest));
    mkdirSync(join(copy, 'shards'));
    const shard = readFileSync(join(storeDir, manifest.shards.files[0].file));
    shard[shard.length - 1] = shard[shard.length - 1]! ^ 1;
    writeFileSync(join(copy, manifest.shards.files[0].file), shard);
    const damaged = await openStore(copy);
    await expect(damaged.readShard(0)).rejects.toMatchObject({ code: 'STORE_INVALID', message: expect.stringContaining('checksum') });
  });
});

describe('a store with many shards', () => {
  it('spreads persons over 2^bits shards by the top bits of their pseudonym', async () => {
    const n = 5000;
    const persons = Array.from({ length: n }, (_, i) => `p${i},1990-01-01,F,,,`);
    const events = Array.from({ length: n }, (_, i) => `p${i},2000-01-0${1 + (i % 9)},health,C${i % 7},,,`);
    const input = writeInput({}, { 'persons.csv': `${PERSONS_HEADER}\n${persons.join('\n')}\n`, 'events.csv': `${EVENTS_HEADER}\n${events.join('\n')}\n` });
    dirs.push(input);
    const summary = await ingestDir(input);
    dirs.push(summary.storeDir!);
    const store = await openStore(summary.storeDir!);
    expect(store.manifest.shards.bits).toBe(2);
    let count = 0;
    let previous = '';
    for (let i = 0; i < store.shardCount; i++) {
      for (const p of await store.readShard(i)) {
        expect(Number.parseInt(p.personId.slice(0, 1), 16) >> 2).toBe(i);
        expect(p.personId > previous).toBe(true);
        previous = p.personId;
        expect(p.events).toHaveLength(1);
        count += 1;
      }
    }
    expect(count).toBe(n);
  });
});
