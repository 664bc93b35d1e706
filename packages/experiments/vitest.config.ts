import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['@rbm-lab/source'] },
  ssr: { resolve: { conditions: ['@rbm-lab/source'] } },
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/postgres-setup.ts'],
  },
});
