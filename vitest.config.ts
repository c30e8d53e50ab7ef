import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Spawned `bin/auditpack.js` runs the sources (tsx), not a dist/ that may be stale; the packed
    // package's compiled build is tested by test/e2e/package.test.ts.
    env: { AUDITPACK_FROM_SOURCE: '1' },
  },
});
