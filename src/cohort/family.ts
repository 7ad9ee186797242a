// Families as connected components over parent and sibling links (union-find), named by a one-way group id.
import { createHash } from 'node:crypto';
import type { StoreRelation } from '../schemas/store.js';

/** Links that make a household for splitting: parents, guardians, siblings (and their inverse, child). */
export const FAMILY_RELATIONS: ReadonlySet<StoreRelation> = new Set(['mother', 'father', 'guardian', 'sibling', 'child']);

export class FamilyUnion {
  private readonly index = new Map<string, number>();
  private readonly parent: number[] = [];
  private readonly ids: string[] = [];

  private intern(id: string): number {
    let i = this.index.get(id);
    if (i === undefined) {
      i = this.parent.length;
      this.index.set(id, i);
      this.parent.push(i);
      this.ids.push(id);
    }
    return i;
  }

  private find(i: number): number {
    let root = i;
    while (this.parent[root] !== root) root = this.parent[root] as number;
    let cur = i;
    while (this.parent[cur] !== root) {
      const next = this.parent[cur] as number;
      this.parent[cur] = root;
      cur = next;
    }
    return root;
  }

  add(id: string): void {
    this.intern(id);
  }

  union(a: string, b: string): void {
    const ra = this.find(this.intern(a));
    const rb = this.find(this.intern(b));
    if (ra === rb) return;
    // The smaller pseudonym becomes the root, so a component's name does not depend on stream order.
    if ((this.ids[ra] as string) < (this.ids[rb] as string)) this.parent[rb] = ra;
    else this.parent[ra] = rb;
  }

  /** A pseudonymous group id: a hash of the component's smallest member pseudonym (never a person's id itself). */
  familyOf(id: string): string {
    const root = this.ids[this.find(this.intern(id))] as string;
    return createHash('sha256').update(`servicepath/family/v1:${root}`).digest('hex').slice(0, 16);
  }
}
