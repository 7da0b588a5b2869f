import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests, and GPU tests that run real WebGPU (Dawn + SwiftShader) in forked workers.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'gpu',
          include: ['test/gpu/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
          setupFiles: ['test/gpu/setup.ts'],
        },
      },
    ],
  },
});
