// Model card: structured data built from a bundle's evidence, rendered to Markdown and self-contained HTML.
export { type BuildModelCardInput, buildModelCard } from './build.js';
export { pointerOf, resolvePointer } from './pointer.js';
export { renderHtml, renderMarkdown } from './render.js';
export { TRIPOD_AI_ITEMS } from './tripod.js';
export { CARD_FILES, writeCardFiles } from './write.js';
