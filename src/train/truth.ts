// The generator's truth (truth/children.ndjson) -> pseudonym -> true probability, streamed line by line.
// The file carries each child's whole path and counterfactuals (~5 kB a line; 2.7 GB at 520,000 persons),
// more than one JavaScript string can hold, and only two fields are needed here. Each line's leading fields
// (everything before `"path":`) are parsed and checked; a line whose fields come in another order is parsed
// whole and checked against the full schema.
import { createReadStream } from 'node:fs';
import { z } from 'zod';
import { ServicepathError } from '../errors/index.js';
import { TruthChildSchema } from '../schemas/truth.js';

// The leading fields this reader needs (the head also carries familyId, indexDate, ...; they are not checked).
const HeadSchema = z.object({ personId: TruthChildSchema.shape.personId, trueProbability: TruthChildSchema.shape.trueProbability });
const PATH_KEY = ',"path":';

/** Raw child id -> true probability, with `pseudonymise` applied to every id as it is read (never kept raw). */
export async function readTruthProbabilities(file: string, pseudonymise: (rawId: string) => string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  // Lines are found in the raw bytes and only each line's head is decoded: the paths are never made strings.
  const pathKey = Buffer.from(PATH_KEY);
  let n = 0;
  const handle = (line: Buffer): void => {
    n += 1;
    const cut = line.indexOf(pathKey);
    const text = cut > 0 ? `${line.toString('utf8', 0, cut)}}` : line.toString('utf8');
    if (text.trim() === '') return;
    let child: z.infer<typeof HeadSchema>;
    try {
      const head = cut > 0 ? HeadSchema.safeParse(JSON.parse(text)) : null;
      child = head?.success === true ? head.data : TruthChildSchema.parse(JSON.parse(line.toString('utf8')));
    } catch (err) {
      throw new ServicepathError('TRAIN_TRUTH_INVALID', { file, detail: `line ${n} is not a truth row` }, { cause: err });
    }
    out.set(pseudonymise(child.personId), child.trueProbability);
  };
  const stream = createReadStream(file, { highWaterMark: 1 << 22 });
  let carry: Buffer = Buffer.alloc(0);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const buf = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
      let start = 0;
      for (let nl = buf.indexOf(10, start); nl >= 0; nl = buf.indexOf(10, start)) {
        handle(buf.subarray(start, nl > start && buf[nl - 1] === 13 ? nl - 1 : nl));
        start = nl + 1;
      }
      carry = Buffer.from(buf.subarray(start));
    }
    if (carry.length > 0) handle(carry);
  } catch (err) {
    if (err instanceof ServicepathError) throw err;
    throw new ServicepathError('TRAIN_TRUTH_INVALID', { file, detail: 'cannot be read' }, { cause: err });
  } finally {
    stream.destroy();
  }
  return out;
}
