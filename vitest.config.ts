import { defineConfig } from 'vitest/config';

/**
 * Test files that need a PostgreSQL server: they run in the `postgres` project,
 * whose globalSetup starts one throwaway cluster only when one of them is
 * selected (`scripts/postgres-global-setup.mjs`).
 */
const POSTGRES_TESTS = ['packages/collector/src/store/postgres/**/*.test.ts', 'packages/*/src/**/*.postgres.test.ts'];

// One run over every package. `source` makes workspace imports resolve to
// TypeScript sources, so unit tests never depend on a stale build.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.test.ts',
            'packages/*/src/**/*.test.tsx',
            'examples/*/src/**/*.test.ts',
            'bench/**/*.test.ts',
          ],
          exclude: ['**/node_modules/**', ...POSTGRES_TESTS],
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: POSTGRES_TESTS,
          globalSetup: ['scripts/postgres-global-setup.mjs'],
        },
      },
    ],
  },
});
