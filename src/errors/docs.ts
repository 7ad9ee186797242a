// Renders docs/error-codes.md from the catalogue, so the docs cannot drift from the code (a test compares them).
import { CATALOGUE } from './catalogue.js';
import { EXIT } from './define.js';

export function renderErrorCodesMarkdown(): string {
  const lines: string[] = [
    '# Error codes',
    '',
    'Generated from `src/errors/` by `npm run docs:errors`; a test fails when this page and the catalogue differ.',
    'Every failure of the CLI and the service carries one of these codes. The CLI prints `error CODE: message`',
    '(or JSON with `--json`) and exits with the exit code; the service answers with the HTTP status and',
    '`{ "error": { "code", "message", "path"?, "requestId" } }`. Retired codes are never reused.',
    '',
    '## Exit codes',
    '',
    '| exit | meaning |',
    '|---|---|',
    ...Object.entries(EXIT).map(([name, code]) => `| ${code} | ${name} |`),
    '',
    '## Codes',
    '',
    '| code | HTTP | exit | message template | when and what to do |',
    '|---|---|---|---|---|',
  ];
  const codes = Object.keys(CATALOGUE).sort() as (keyof typeof CATALOGUE)[];
  for (const code of codes) {
    const spec = CATALOGUE[code];
    const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
    lines.push(`| \`${code}\` | ${spec.httpStatus} | ${spec.exitCode} | ${esc(spec.message)} | ${esc(spec.description)} |`);
  }
  return `${lines.join('\n')}\n`;
}
