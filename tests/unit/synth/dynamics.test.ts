// The v2 dynamic layer: common random numbers, replays that keep the past, strain that matches its definition,
// mediation and time-varying confounding with the documented signs.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isoToDay } from '../../../src/schemas/dates.js';
import { TruthSummarySchema } from '../../../src/schemas/truth.js';
import { crnUniform, replayDynamics, STEP_DAYS } from '../../../src/synth/dynamics.js';
import { type FamilyEvents, strainAt, strainItems } from '../../../src/synth/mechanism-v2.js';
import { type Family, simulateFamily, v2CounterfactualEta } from '../../../src/synth/family.js';
import { makeContext } from '../../../src/synth/generate.js';
import { STREAM } from '../../../src/synth/prng.js';
import { resolveScenario, type ScenarioInput } from '../../../src/synth/scenario.js';
import { codeIndex, eventCode, eventDay } from '../../../src/synth/services.js';
import { Rng } from '../../../src/util/random.js';
import { generate } from './helpers.js';

function families(n: number, seed: number, scenario: ScenarioInput = {}): { fams: Family[]; ctx: ReturnType<typeof makeContext> } {
  const ctx = makeContext(resolveScenario(scenario), isoToDay('2002-01-01'), isoToDay('2016-12-31'));
  const fams: Family[] = [];
  for (let i = 0; i < n; i++) fams.push(simulateFamily(new Rng(seed, STREAM.families, i), ctx, 6));
  return { fams, ctx };
}

const RISK = new Set(['MH_CRISIS', 'SUD_DETOX', 'ER_VISIT', 'CW_NOTIFICATION'].map((c) => codeIndex(c as never)));

describe('v2 dynamics', () => {
  const { fams, ctx } = families(400, 31);

  it('draws counter-based uniforms: the same (key, slot, step) gives the same number', () => {
    expect(crnUniform(7, 3, 100)).toBe(crnUniform(7, 3, 100));
    expect(crnUniform(7, 3, 100)).not.toBe(crnUniform(7, 3, 101));
    const xs = Array.from({ length: 20_000 }, (_, i) => crnUniform(99, 1, i));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });

  it('a replay with a service inserted leaves every event before the insertion as it was', () => {
    let checked = 0;
    let changedAfter = 0;
    for (const fam of fams) {
      const dyn = fam.dynamics!;
      fam.children.forEach((child, c) => {
        for (const [member, code] of [
          [0, 'FAMILY_WORK'],
          [1 + c, 'NEUVOLA_HOME_VISIT'],
        ] as const) {
          const day = child.member.birthDay + 365;
          const replay = replayDynamics(dyn.input, dyn.run, { day, member, code: codeIndex(code) }, child.indexDay);
          const members = [fam.mother, ...fam.children.map((x) => x.member)];
          members.forEach((m, i) => {
            // The factual dynamic events of the member from the replay's start to the insertion day.
            const bg = new Set(dyn.background[i]); // background includes prior care (drawn after the dynamics)
            const factual = m.events.filter((p) => !bg.has(p) && eventDay(p) >= replay.fromDay && eventDay(p) < day);
            const replayed = replay.events[i]!.filter((p) => eventDay(p) < day).sort((x, y) => x - y);
            expect(replayed).toEqual(factual);
            const laterRisk = (xs: number[]) => xs.filter((p) => eventDay(p) >= day && eventDay(p) <= child.indexDay && RISK.has(eventCode(p))).length;
            if (laterRisk(replay.events[i]!) !== laterRisk(m.events.filter((p) => !bg.has(p)))) changedAfter++;
          });
          checked++;
        }
      });
    }
    expect(checked).toBeGreaterThan(300);
    // Mediation: some later events do change.
    expect(changedAfter).toBeGreaterThan(0);
  });

  it('a replay keeps the past also when follow-on delays are long (scenario keys, not a fixed bound)', () => {
    // Family work 200-400 days after every notification: items due long after the step that created them.
    const long = families(150, 32, { generator: { services: { FAMILY_WORK: { afterNotification: { share: 1, minDays: 200, maxDays: 400 } } } } });
    let replays = 0;
    let withLateWork = 0;
    for (const fam of long.fams) {
      const dyn = fam.dynamics!;
      for (const child of fam.children) {
        const day = child.member.birthDay + 730;
        const replay = replayDynamics(dyn.input, dyn.run, { day, member: 0, code: codeIndex('HOME_HELP') }, child.indexDay);
        const bg = new Set(dyn.background[0]);
        const factual = fam.mother.events.filter((p) => !bg.has(p) && eventDay(p) >= replay.fromDay && eventDay(p) < day);
        expect(replay.events[0]!.filter((p) => eventDay(p) < day).sort((x, y) => x - y)).toEqual(factual);
        replays++;
        if (factual.some((p) => eventCode(p) === codeIndex('FAMILY_WORK'))) withLateWork++;
      }
    }
    expect(replays).toBeGreaterThan(200);
    // Family work in the replayed windows, created up to 29 steps before it is due (a fixed 12-step bound lost such items).
    expect(withLateWork).toBeGreaterThan(0);
  });

  it('the strain that drives the rates is the strain the mechanism defines from the events', () => {
    let compared = 0;
    for (const fam of fams.slice(0, 120)) {
      const dyn = fam.dynamics!;
      const events: FamilyEvents = {
        adversity: fam.adversity,
        mother: { events: fam.mother.events, traits: fam.motherTraits },
        father: null,
        children: fam.children.map((c) => ({ events: c.member.events, birthDay: c.member.birthDay, u: c.u, traits: c.traits })),
      };
      const items = strainItems(events, ctx.scenario.v2!, ctx.protective);
      for (let step = 0; step < dyn.run.steps; step += 7) {
        const d = dyn.run.t0 + step * STEP_DAYS;
        const h = ctx.scenario.v2!.strain.halfLifeDays;
        const sim = dyn.run.snapValue[step]! === 0 ? 0 : dyn.run.snapValue[step]! * 2 ** (-(d - dyn.run.snapDay[step]!) / h);
        const pure = strainAt(items, d - 1, h) * 2 ** (-1 / h);
        expect(Math.abs(sim - pure)).toBeLessThan(1e-9);
        compared += sim > 0 ? 1 : 0;
      }
    }
    expect(compared).toBeGreaterThan(100);
  });

  it('mediation: inserting family work early lowers the risk events that follow, on average', () => {
    let before = 0;
    let after = 0;
    for (const fam of fams) {
      const dyn = fam.dynamics!;
      for (const child of fam.children) {
        const day = child.member.birthDay;
        const replay = replayDynamics(dyn.input, dyn.run, { day, member: 0, code: codeIndex('FAMILY_WORK') }, child.indexDay);
        const count = (xs: readonly number[]) => xs.filter((p) => eventDay(p) >= day && eventDay(p) <= child.indexDay && RISK.has(eventCode(p))).length;
        const bg = new Set(dyn.background[0]);
        before += count(fam.mother.events.filter((p) => !bg.has(p)));
        after += count(replay.events[0]!);
      }
    }
    expect(before).toBeGreaterThan(50);
    expect(after).toBeLessThan(before);
  });

  it('the counterfactual risk of an inserted service is lower on average, more so when it starts early', () => {
    const service = ctx.protective.find((p) => p.code === 'FAMILY_WORK')!;
    let early = 0;
    let late = 0;
    let n = 0;
    for (const fam of fams) {
      for (const child of fam.children) {
        if (!child.eligible) continue;
        const factual = child.etaRisk + child.etaProtective;
        early += factual - v2CounterfactualEta(fam, child, ctx, service, 0);
        late += factual - v2CounterfactualEta(fam, child, ctx, service, 910);
        n++;
      }
    }
    expect(n).toBeGreaterThan(200);
    expect(early / n).toBeGreaterThan(late / n);
    expect(late / n).toBeGreaterThan(0);
  });

  it('time-varying confounding: with gamma 0 the services no longer follow notifications', () => {
    const follow = (gamma: number) => {
      const { fams: fs } = families(300, 32, { v2: { confounding: { gamma } } });
      let notifications = 0;
      let helped = 0;
      for (const fam of fs) {
        const work = fam.mother.events.filter((p) => eventCode(p) === codeIndex('FAMILY_WORK')).map(eventDay);
        for (const child of fam.children) {
          for (const p of child.member.events) {
            if (eventCode(p) !== codeIndex('CW_NOTIFICATION')) continue;
            notifications++;
            if (work.some((d) => d > eventDay(p) && d <= eventDay(p) + 121)) helped++;
          }
        }
      }
      return helped / notifications;
    };
    expect(follow(1)).toBeGreaterThan(follow(0) + 0.15);
  });
});

describe('synth mechanisms end to end', () => {
  const additive = generate(1500, 11, { mechanism: 'additive' }, 0.01);
  afterAll(() => additive.cleanup());

  it('additive reproduces the first mechanism byte for byte (files pinned before v2 existed)', () => {
    const pinned: Record<string, string> = {
      'catalogue.json': '6b191c2c0bde099949d5e361adf857677f7feac8f760d90105a5b1a732f90bd5',
      'events.csv': '9f99d6f2984c5f47739046d1c9ca5314fc9575d4cf8747241c149550d635b9d4',
      'links.csv': 'bc659f91d951c4a44881712ab81874478fc9c11969eccbc93dbcf69acf4d1df8',
      'observation_periods.csv': '558313fdcc0bca309589144a76309157cc36483e9b7e4729793839d742c2e45c',
      'persons.csv': 'bd84ffd2d5a24ad0a501c21435f18d8d8853f954dc4aca777a0178560ec46fb7',
      'task.json': 'a5ea3c1a35db4836cb79ec94c435a0fcdd29808a74e6fc058802fb23adff17d4',
      'truth/children.ndjson': 'fefb0f1a96691b9f20437dd5caf52c0e1fed7e345961db6683d8ac0167bd00a6',
      'truth/dirty-rows.csv': 'eda2ebf74cc9da930b90066c137c2ee28ac8ebf6fbf8a9be7d8d712f4d01c492',
    };
    const hash = (f: string) => createHash('sha256').update(readFileSync(join(additive.dir, f))).digest('hex');
    for (const [file, sha] of Object.entries(pinned)) expect(hash(file), file).toBe(sha);
    expect(readdirSync(join(additive.dir, 'truth')).sort()).toEqual(['children.ndjson', 'dirty-rows.csv', 'effects.json']);
  });

  it('effects.json names the mechanism, its version and how the counterfactuals were computed (no Monte Carlo)', () => {
    const v2 = generate(1500, 11, {}, 0);
    try {
      for (const [dir, mechanism, method] of [
        [additive.dir, 'additive', 'closed-form'],
        [v2.dir, 'v2', 'replay-common-random-numbers'],
      ] as const) {
        const summary = TruthSummarySchema.parse(JSON.parse(readFileSync(join(dir, 'truth', 'effects.json'), 'utf8')));
        expect(summary.mechanism).toBe(mechanism);
        expect(summary.counterfactual).toEqual({ method, monteCarloStandardError: null });
        expect((summary.scenario as { mechanism: string }).mechanism).toBe(mechanism);
        const room = summary.headroom as { oracleAuroc: number; countModelAuroc: number; headroom: number };
        expect(room.headroom).toBeCloseTo(room.oracleAuroc - room.countModelAuroc, 12);
      }
    } finally {
      v2.cleanup();
    }
  });
});
