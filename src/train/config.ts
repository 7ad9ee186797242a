// Parsing the training config (its schema and every default: src/schemas/train-config.ts).
import { formatZodIssues, ServicepathError, zodIssueList } from '../errors/index.js';
import { type TrainConfig, TrainConfigSchema } from '../schemas/train-config.js';

export function parseTrainConfig(value: unknown, file: string): TrainConfig {
  const parsed = TrainConfigSchema.safeParse(value ?? {});
  if (!parsed.success) {
    throw new ServicepathError('CONFIG_INVALID', { file, issues: formatZodIssues(parsed.error) }, { cause: parsed.error, details: zodIssueList(parsed.error) });
  }
  return parsed.data;
}
