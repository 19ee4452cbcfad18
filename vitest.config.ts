import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Two groups: everything in parallel first, then the host-timing tests alone, so that their
// figures measure the emulator rather than the other test files competing for the two cores. A test
// whose assertion is a wall-clock bound (latency, echo time) belongs to the timing group.
const TIMING = ['tests/timing/**/*.test.ts', 'tests/e2e/four-zones.test.ts'];
// The A64 ISA tests run a second time with every block head translated at first sight (harness.ts
// A64_TIER), so the translation tier is held to the interpreter's answers; files that run no guest
// code, or that measure or test the tier themselves, are left out.
const A64_ISA = 'tests/unit/core/isa/aarch64';
const A64_NO_GUEST = ['tier', 'rate', 'disassembler', 'bitfield32', 'uint'].map((name) => `${A64_ISA}/${name}.test.ts`);

// Test files at a time: at least two. Vitest's default (cores - 1) ran the suite one file at a time on
// the 2-core machines CI and this project use: 1,411 s, against 1,112 s with two (same clone, same
// machine, both green; the boot tests wait on their vCPU threads and the browser tests on Chromium, so
// two files keep the cores busier). The timing group stays one file at a time below.
const WORKERS = Math.max(2, availableParallelism() - 1);

export default defineConfig({
  test: {
    globalSetup: ['tests/global-setup.ts'],
    maxWorkers: WORKERS,
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
        test: { name: 'a64-tier', include: [`${A64_ISA}/*.test.ts`], exclude: A64_NO_GUEST, env: { A64_TIER: '1' }, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: { name: 'timing', include: TIMING, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
