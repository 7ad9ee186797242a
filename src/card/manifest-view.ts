// The part of a bundle's manifest.json the model card reads. Loose on purpose: the bundle's own ManifestSchema
// (src/schemas/manifest.ts) is the full contract; this view only names the fields the card cites.
import { z } from 'zod';

const count = z.number().int().min(0);

export const ManifestViewSchema = z
  .object({
    name: z.string(),
    version: z.string(),
    createdAt: z.string(),
    modelKind: z.string(),
    task: z.record(z.string(), z.unknown()),
    resolvedConfig: z.record(z.string(), z.unknown()),
    software: z.object({ node: z.string(), tfjs: z.string(), backend: z.string() }).loose(),
    seed: z.number().int(),
    dataFingerprint: z
      .object({
        inputs: z.array(
          z
            .object({ file: z.string(), sha256: z.string(), rows: count, accepted: count, quarantined: count, byReason: z.record(z.string(), count) })
            .loose(),
        ),
        persons: count,
        events: count,
        dateRange: z.object({ from: z.string(), to: z.string() }).loose(),
        keySource: z.string(),
        synthetic: z.object({ generator: z.string(), mechanism: z.string(), mechanismVersion: z.number().int(), seed: z.number().int(), persons: count }).loose().optional(),
      })
      .loose(),
    files: z.array(z.object({ path: z.string(), sha256: z.string(), bytes: count }).loose()),
    privacy: z.object({ k: z.number().int().min(5), roundTo: z.number().int().min(1), minPersonsPerCode: z.number().int().min(1) }).loose(),
  })
  .loose();
export type ManifestView = z.infer<typeof ManifestViewSchema>;
