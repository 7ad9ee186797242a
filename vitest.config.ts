import { defineConfig } from 'vitest/config';

// Tests run in forked processes: TensorFlow.js backends keep global state per process.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
