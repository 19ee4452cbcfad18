import { defineConfig } from 'vitest/config';

// Two groups: everything in parallel first, then the host-timing tests alone, so that their
// figures measure the emulator rather than the other test files competing for the two cores. A test
// whose assertion is a wall-clock bound (latency, echo time) belongs to the timing group.
const TIMING = ['tests/timing/**/*.test.ts', 'tests/e2e/four-zones.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['tests/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'main', include: ['tests/**/*.test.ts'], exclude: TIMING, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'timing', include: TIMING, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
