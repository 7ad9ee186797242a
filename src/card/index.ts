// Model card: structured data built from a bundle's evidence, rendered to Markdown and self-contained HTML.
export { buildModelCard } from './build.js';
export { resolvePointer } from './pointer.js';
export { renderHtml, renderMarkdown } from './render.js';
export { CARD_FILES, writeCardFiles } from './write.js';
