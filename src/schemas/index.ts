// Zod contracts shared across the pipeline. Each schema sits beside its inferred type.
export * from './catalogue.js';
export * from './path.js';
export * from './scoring.js';
