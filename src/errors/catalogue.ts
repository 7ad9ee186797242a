// The one catalogue of error codes: every area's codes merged. A test keeps it, the docs and the uses in step.
import { auditCodes } from './codes/audit.js';
import { bundleCodes } from './codes/bundle.js';
import { cardCodes } from './codes/card.js';
import { evaluateCodes } from './codes/evaluate.js';
import { explainCodes } from './codes/explain.js';
import { generalCodes } from './codes/general.js';
import { importerCodes } from './codes/importers.js';
import { ingestCodes } from './codes/ingest.js';
import { modelCodes } from './codes/model.js';
import { serveCodes } from './codes/serve.js';
import { storeCodes } from './codes/store.js';
import { synthCodes } from './codes/synth.js';
import { taskCodes } from './codes/task.js';
import { trainCodes } from './codes/train.js';
import type { CodeSpec } from './define.js';

export const CATALOGUE = {
  ...generalCodes,
  ...ingestCodes,
  ...importerCodes,
  ...storeCodes,
  ...synthCodes,
  ...taskCodes,
  ...trainCodes,
  ...modelCodes,
  ...bundleCodes,
  ...evaluateCodes,
  ...explainCodes,
  ...cardCodes,
  ...serveCodes,
  ...auditCodes,
} as const satisfies Record<string, CodeSpec>;

export type ErrorCode = keyof typeof CATALOGUE;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(CATALOGUE, code);
}
