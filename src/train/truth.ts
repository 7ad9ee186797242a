// The generator's truth (truth/children.ndjson) -> pseudonym -> true probability, streamed line by line.
// The file carries each child's whole path and counterfactuals (~5 kB a line; 2.7 GB at 520,000 persons),
// more than one JavaScript string can hold, and only two fields are needed here. Each line's leading fields
// (everything before `"path":`) are parsed and checked; a line whose fields come in another order is parsed
// whole and checked against the full schema.
import { createReadStream } from 'node:fs';
import { z } from 'zod';
import { ServicepathError } from '../errors/index.js';
import { type TruthChild, TruthChildSchema } from '../schemas/truth.js';

// The leading fields this reader needs (the head also carries familyId, indexDate, ...; they are not checked).
const HeadSchema = z.object({ personId: TruthChildSchema.shape.personId, trueProbability: TruthChildSchema.shape.trueProbability });
const PATH_KEY = ',"path":';

/** Calls `handle` with each line's bytes (CR stripped) until it returns false or the file ends. */
async function eachLine(file: string, handle: (line: Buffer, n: number) => boolean): Promise<void> {
  const stream = createReadStream(file, { highWaterMark: 1 << 22 });
  let carry: Buffer = Buffer.alloc(0);
  let n = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const buf = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
      let start = 0;
      for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
        n += 1;
        if (!handle(buf.subarray(start, nl > start && buf[nl - 1] === 13 ? nl - 1 : nl), n)) return;
        start = nl + 1;
      }
      carry = Buffer.from(buf.subarray(start));
    }
    if (carry.length > 0) handle(carry, n + 1);
  } catch (err) {
    if (err instanceof ServicepathError) throw err;
    throw new ServicepathError('TRAIN_TRUTH_INVALID', { file, detail: 'cannot be read' }, { cause: err });
  } finally {
    stream.destroy();
  }
}

const pathKey = Buffer.from(PATH_KEY);

/** A line's leading fields (parsed from the bytes before `"path":`), or the whole line checked when they differ. */
function headOf(file: string, line: Buffer, n: number): z.infer<typeof HeadSchema> | null {
  const cut = line.indexOf(pathKey);
  const text = cut > 0 ? `${line.toString('utf8', 0, cut)}}` : line.toString('utf8');
  if (text.trim() === '') return null;
  try {
    const head = cut > 0 ? HeadSchema.safeParse(JSON.parse(text)) : null;
    return head?.success === true ? head.data : TruthChildSchema.parse(JSON.parse(line.toString('utf8')));
  } catch (err) {
    throw new ServicepathError('TRAIN_TRUTH_INVALID', { file, detail: `line ${n} is not a truth row` }, { cause: err });
  }
}

/** Raw child id -> true probability, with `pseudonymise` applied to every id as it is read (never kept raw). */
export async function readTruthProbabilities(file: string, pseudonymise: (rawId: string) => string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  // Lines are found in the raw bytes and only each line's head is decoded: the paths are never made strings.
  await eachLine(file, (line, n) => {
    const child = headOf(file, line, n);
    if (child !== null) out.set(pseudonymise(child.personId), child.trueProbability);
    return true;
  });
  return out;
}

/**
 * The first `limit` truth rows whose pseudonym is in `wanted` (the test split), whole, with the person and family
 * ids replaced by their pseudonyms. Only those lines are decoded whole; reading stops at the limit.
 */
export async function readTruthChildrenOf(file: string, pseudonymise: (rawId: string) => string, wanted: ReadonlySet<string>, limit: number): Promise<TruthChild[]> {
  const out: TruthChild[] = [];
  if (limit <= 0) return out;
  await eachLine(file, (line, n) => {
    const head = headOf(file, line, n);
    if (head === null) return true;
    const id = pseudonymise(head.personId);
    if (!wanted.has(id)) return true;
    const parsed = TruthChildSchema.safeParse(JSON.parse(line.toString('utf8')));
    if (!parsed.success) throw new ServicepathError('TRAIN_TRUTH_INVALID', { file, detail: `line ${n} is not a truth row` });
    out.push({ ...parsed.data, personId: id, familyId: pseudonymise(parsed.data.familyId) });
    return out.length < limit;
  });
  return out;
}
