// Family links after the row checks: exact repeats, parent cycles, parents not older than the child, and the
// relatives each person gets in the store (parents' inverse `child`; siblings and partners both ways).
import { inverseRelation } from '../store/codes.js';
import { groupByOwner, IntColumn } from '../store/columns.js';
import type { Tally } from './tally.js';

const PARENT_MAX = 2; // relation codes 0..2: mother, father, guardian

/** Links that passed the row checks, by person rank. Relation numbers as in RELATIONS_STORED. */
export class LinkTable {
  readonly person = new IntColumn();
  readonly related = new IntColumn();
  readonly relation = new IntColumn();
  readonly start = new IntColumn();
  readonly end = new IntColumn();
  readonly file = new IntColumn();
  readonly line = new IntColumn();

  get length(): number {
    return this.person.length;
  }

  add(person: number, related: number, relation: number, start: number, end: number, file: number, line: number): void {
    this.person.push(person);
    this.related.push(related);
    this.relation.push(relation);
    this.start.push(start);
    this.end.push(end);
    this.file.push(file);
    this.line.push(line);
  }
}

interface Relatives {
  offsets: Int32Array;
  rank: Int32Array;
  relation: Uint8Array;
  start: Int32Array;
  end: Int32Array;
}

const ACCEPTED = 0;
const DUPLICATE = 1;
const QUARANTINED = 2;

/**
 * Settles every link (counted in `tally`) and returns the relatives per person rank. Order of rules: exact
 * repeats are duplicates; then every parent link inside a cycle of parent links is ROW_FAMILY_CYCLE (one cannot
 * tell which link of a cycle is wrong); then a parent born on or after the person is ROW_PARENT_YOUNGER.
 */
export function settleLinks(links: LinkTable, personCount: number, birthDayByRank: Int32Array, tally: Tally): { accepted: number; relatives: Relatives } {
  const n = links.length;
  const a = links.person.values();
  const b = links.related.values();
  const rel = links.relation.values();
  const start = links.start.values();
  const end = links.end.values();
  const file = links.file.values();
  const line = links.line.values();
  const status = new Uint8Array(n);

  const byPerson = groupByOwner((i) => a[i]!, n, personCount, (x, y) => b[x]! - b[y]! || rel[x]! - rel[y]! || start[x]! - start[y]! || end[x]! - end[y]! || file[x]! - file[y]! || line[x]! - line[y]!);
  for (let k = 1; k < n; k++) {
    const x = byPerson.order[k - 1]!;
    const y = byPerson.order[k]!;
    if (a[x] === a[y] && b[x] === b[y] && rel[x] === rel[y] && start[x] === start[y] && end[x] === end[y]) {
      status[y] = DUPLICATE;
      tally.acceptedToDuplicate(file[y]!);
    }
  }

  const isParentLink = (i: number) => status[i] === ACCEPTED && rel[i]! <= PARENT_MAX;
  const component = parentComponents(n, personCount, a, b, isParentLink);
  for (let i = 0; i < n; i++) {
    if (isParentLink(i) && component[a[i]!] === component[b[i]!]) {
      status[i] = QUARANTINED;
      tally.revokeAndQuarantine(file[i]!, line[i]!, 'related_id', 'ROW_FAMILY_CYCLE');
    }
  }
  for (let i = 0; i < n; i++) {
    if (isParentLink(i) && birthDayByRank[b[i]!]! >= birthDayByRank[a[i]!]!) {
      status[i] = QUARANTINED;
      tally.revokeAndQuarantine(file[i]!, line[i]!, 'related_id', 'ROW_PARENT_YOUNGER');
    }
  }

  // Each accepted link gives two relatives: the related person to the person, and the inverse the other way.
  let accepted = 0;
  for (let i = 0; i < n; i++) if (status[i] === ACCEPTED) accepted += 1;
  const m = accepted * 2;
  const ow = new Int32Array(m);
  const ot = new Int32Array(m);
  const re = new Int32Array(m);
  const st = new Int32Array(m);
  const en = new Int32Array(m);
  let j = 0;
  for (let i = 0; i < n; i++) {
    if (status[i] !== ACCEPTED) continue;
    ow[j] = a[i]!;
    ot[j] = b[i]!;
    re[j] = rel[i]!;
    ow[j + 1] = b[i]!;
    ot[j + 1] = a[i]!;
    re[j + 1] = inverseRelation(rel[i]!);
    st[j] = st[j + 1] = start[i]!;
    en[j] = en[j + 1] = end[i]!;
    j += 2;
  }
  const grouped = groupByOwner((i) => ow[i]!, m, personCount, (x, y) => ot[x]! - ot[y]! || re[x]! - re[y]! || st[x]! - st[y]! || en[x]! - en[y]!);
  // Drop repeats (a sibling link given in both directions gives the same relative twice).
  const offsets = new Int32Array(personCount + 1);
  const keep = new Int32Array(m);
  let kept = 0;
  for (let p = 0; p < personCount; p++) {
    for (let k = grouped.offsets[p]!; k < grouped.offsets[p + 1]!; k++) {
      const y = grouped.order[k]!;
      const x = k > grouped.offsets[p]! ? grouped.order[k - 1]! : -1;
      if (x >= 0 && ot[x] === ot[y] && re[x] === re[y] && st[x] === st[y] && en[x] === en[y]) continue;
      keep[kept++] = y;
    }
    offsets[p + 1] = kept;
  }
  const pick = <T extends Int32Array | Uint8Array>(out: T, column: Int32Array): T => {
    for (let k = 0; k < kept; k++) out[k] = column[keep[k]!]!;
    return out;
  };
  const relatives: Relatives = {
    offsets,
    rank: pick(new Int32Array(kept), ot),
    relation: pick(new Uint8Array(kept), re),
    start: pick(new Int32Array(kept), st),
    end: pick(new Int32Array(kept), en),
  };
  return { accepted, relatives };
}

/**
 * Strongly connected components of the child -> parent graph (iterative Tarjan). Two persons share a component
 * exactly when each is the other's ancestor, which no family can be.
 */
function parentComponents(n: number, personCount: number, child: Int32Array, parent: Int32Array, use: (i: number) => boolean): Int32Array {
  const offsets = new Int32Array(personCount + 1);
  for (let i = 0; i < n; i++) if (use(i)) offsets[child[i]! + 1]! += 1;
  for (let p = 0; p < personCount; p++) offsets[p + 1]! += offsets[p]!;
  const cursor = offsets.slice(0, personCount);
  const adjacency = new Int32Array(offsets[personCount]!);
  for (let i = 0; i < n; i++) if (use(i)) adjacency[cursor[child[i]!]!++] = parent[i]!;

  const index = new Int32Array(personCount).fill(-1);
  const low = new Int32Array(personCount);
  const component = new Int32Array(personCount).fill(-1);
  const onStack = new Uint8Array(personCount);
  const stack = new Int32Array(personCount);
  const callNode = new Int32Array(personCount);
  const callEdge = new Int32Array(personCount);
  let sp = 0;
  let counter = 0;
  let components = 0;
  for (let root = 0; root < personCount; root++) {
    if (index[root] !== -1) continue;
    if (offsets[root] === offsets[root + 1]) {
      component[root] = components++;
      continue;
    }
    let depth = 0;
    callNode[0] = root;
    callEdge[0] = offsets[root]!;
    index[root] = low[root] = counter++;
    stack[sp++] = root;
    onStack[root] = 1;
    while (depth >= 0) {
      const v = callNode[depth]!;
      if (callEdge[depth]! < offsets[v + 1]!) {
        const w = adjacency[callEdge[depth]!++]!;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack[sp++] = w;
          onStack[w] = 1;
          depth += 1;
          callNode[depth] = w;
          callEdge[depth] = offsets[w]!;
        } else if (onStack[w] === 1 && index[w]! < low[v]!) {
          low[v] = index[w]!;
        }
        continue;
      }
      if (low[v] === index[v]) {
        let w: number;
        do {
          w = stack[--sp]!;
          onStack[w] = 0;
          component[w] = components;
        } while (w !== v);
        components += 1;
      }
      depth -= 1;
      if (depth >= 0) {
        const u = callNode[depth]!;
        if (low[v]! < low[u]!) low[u] = low[v]!;
      }
    }
  }
  return component;
}
