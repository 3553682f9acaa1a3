import { resolve } from 'node:path';

const __dirname = import.meta.dirname;
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const lib = (name: string): string => resolve(__dirname, `libs/${name}/src/index.ts`);

export default defineConfig({
  resolve: {
    alias: {
      '@iot/contracts': lib('contracts'),
      '@iot/protocol': lib('protocol'),
      '@iot/messaging': lib('messaging'),
      '@iot/runtime': lib('runtime'),
      '@iot/testing': lib('testing'),
    },
  },
  // Nest's dependency injection reads decorator metadata, which esbuild does not emit.
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    testTimeout: 30_000,
    hookTimeout: 90_000,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['apps/**/*.spec.ts', 'libs/**/*.spec.ts'] },
      },
      {
        extends: true,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts', 'apps/**/*.int-test.ts'] },
      },
      {
        // The whole platform, started once from dist/ (npm test builds it first).
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          maxWorkers: 1,
        },
      },
    ],
  },
});
