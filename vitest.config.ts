import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Two projects, one run. Each test file has a database of its own (test/harness.ts), so files need not each
    // import Rabita afresh: the files of a worker share its loaded modules (`isolate: false`), which halves the
    // suite's CPU — importing the core package and its dependencies cost 2–6 s a file, over 240 files. A file
    // still leaves the process as it found it (timers, environment, modules installed: test/setup-modules.ts puts
    // the shipped modules back before each file; a browser test closes the browser it launched). The browser tests
    // are a project of their own so that they can be run, or left out, by name (`--project browser`).
    projects: [
      {
        extends: true,
        test: {
          name: 'server',
          include: [
            'apps/*/src/**/*.test.ts',
            'packages/*/src/**/*.test.ts',
            'bench/**/*.test.ts',
            'apps/web/scripts/**/*.test.ts',
            'test/**/*.test.ts',
          ],
          isolate: false,
        },
      },
      { extends: true, test: { name: 'browser', include: ['e2e/**/*.test.ts'], isolate: false } },
    ],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-modules.ts'],
    pool: 'forks',
    // Two files at once by default. `.ci/run` gives its first run (no many-instances test) three: the server files
    // wait on timers, child processes and sockets for part of their time (15–17% of the CPU idle with two), and a
    // third file fills those gaps. Measured on 7 December, the server files alone: 666 s with two workers, 611 s
    // with three; the browser files alone took 634 and 633 s (Chromium keeps both cores busy either way). Not for
    // the run with the many-instances test: beside two other files its balancer's health checks (`/readyz`, every
    // 2 s, down after two misses) found a loaded instance slow, marked it down and cut its requests.
    maxWorkers: 2,
    // A hang detector, not a speed bound (speed is proved in `npm run bench`): browser tests take 10–20 s on a quiet
    // two-core machine and twice that on a busy one.
    testTimeout: 60_000,
    // A browser's wait that ran out (Playwright's "Timeout 20000ms exceeded": a panel still loading on a busy machine,
    // a click that landed while the page moved) is tried once more; any other failure, a wrong value above all, fails
    // at once. `.ci/run` names each test that passed only when tried again, so a flaky one is seen, not hidden.
    retry: { count: 1, condition: /Timeout \d+ms exceeded/ },
    // expect.poll waits 1 s by default: a browser test polling a canvas that a lazily loaded chunk draws saw nothing
    // in that second under a load average of 19 (a clean-clone CI run beside other work), though it passed alone.
    // A condition that never holds still fails, 15 s later.
    expect: { poll: { timeout: 15_000 } },
    // On a Citus cluster (RABITA_TEST_CITUS=1) a file's database is a copy made on three nodes, and a test that
    // migrates its own modules (createTestApp's `modules`) places their tables on the shards too: more room there.
    hookTimeout: process.env.RABITA_TEST_CITUS === '1' ? 400_000 : 90_000,
    teardownTimeout: 30_000,
  },
});
