import { defineConfig } from 'vitest/config';

// Three tiers (see test/README.md): unit tests need nothing; integration and
// e2e tests run against the real Hadoop cluster that the global setup starts.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          // One cluster, shared: integration files run one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
