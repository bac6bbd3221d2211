import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// One run over every package; unit tests sit beside their code, process-level tests live in test/.
export default defineConfig({
  test: {
    // The unit projects: Vitest's default is one worker fewer than the cores, which on CI's 2 leaves a core mostly
    // idle (the main process only transforms files); one more than the cores also fills the time a worker waits on
    // PostgreSQL's commits.
    maxWorkers: availableParallelism() + 1,
    projects: [
      { test: { name: 'shared', root: './shared', include: ['src/**/*.test.ts'] } },
      { test: { name: 'agent', root: './agent', include: ['src/**/*.test.ts'], testTimeout: 20_000 } },
      { test: { name: 'server', root: './server', include: ['src/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 60_000 } },
      './dashboard',
      {
        test: {
          name: 'e2e',
          root: './test',
          include: ['**/*.test.ts'],
          exclude: ['**/node_modules/**'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // Process-level tests start servers and browsers: two at a time on 2 cores, after the unit projects. Three
          // saved under a minute and made the timing checks (the scanner's rate seen from outside) flaky.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
