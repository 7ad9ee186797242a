// Small fixed enumerations stored as numbers in shards. Append only: a number never changes meaning.
import type { Sex } from '../schemas/data-contract.js';
import type { StoreRelation } from '../schemas/store.js';

export const SEX_CODES: readonly Sex[] = ['F', 'M', 'X', 'unknown'];

export type RelationValue = StoreRelation;

/** Relation numbers 0..5; `child` is the inverse of mother/father/guardian. */
export const RELATIONS_STORED: readonly RelationValue[] = ['mother', 'father', 'guardian', 'sibling', 'partner', 'child'];

const RELATION_CHILD = 5;

/** The relation the other person gets: parents' inverse is `child`, siblings and partners are symmetric. */
export function inverseRelation(code: number): number {
  return code <= 2 ? RELATION_CHILD : code === RELATION_CHILD ? -1 : code;
}
