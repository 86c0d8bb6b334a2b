import { defineConfig } from 'vitest/config';

// Integration tests share one PostgreSQL and one Redis; each file uses its own database and queue
// prefix, but two cores is all the machine has, so keep file parallelism modest.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
