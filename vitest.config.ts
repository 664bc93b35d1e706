// The one vitest config of the workspace. Vitest looks for its config upwards from the working
// directory, so `vitest run` in any package (what `nx run <package>:test` does) finds this file, and
// the package directory stays the root that `include` is relative to.
import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Resolve workspace packages to their TypeScript sources, as tsconfig's customConditions do.
  resolve: { conditions: ['@rbm-lab/source'] },
  ssr: { resolve: { conditions: ['@rbm-lab/source'] } },
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // A package whose tests need a service (experiments: a PostgreSQL server) starts it in test/global-setup.ts.
    globalSetup: existsSync('test/global-setup.ts') ? ['test/global-setup.ts'] : [],
  },
});
