// Writes docs/error-codes.md from the error catalogue.
import { writeFileSync } from 'node:fs';
import { renderErrorCodesMarkdown } from '../src/errors/docs.js';

writeFileSync(new URL('../../docs/error-codes.md', import.meta.url), renderErrorCodesMarkdown());
console.log('wrote docs/error-codes.md');
