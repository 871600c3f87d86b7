import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Resolve the workspace's TypeScript path aliases (tsconfig.base.json) for tests.
const base = JSON.parse(readFileSync(resolve(__dirname, 'tsconfig.base.json'), 'utf8'));
const paths: Record<string, string[]> = base.compilerOptions.paths ?? {};
const alias = Object.fromEntries(Object.entries(paths).map(([k, [v]]) => [k, resolve(__dirname, v)]));

export default defineConfig({
  resolve: { alias },
  test: {
    include: ['apps/**/*.test.ts', 'libs/**/*.test.ts', 'tools/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
