// Zod contracts shared across the pipeline. Each schema sits beside its inferred type.
export * from './catalogue.js';
export * from './data-contract.js';
export * from './dates.js';
export * from './path.js';
export * from './store.js';
export * from './task.js';
export * from './truth.js';
export * from './scoring.js';
