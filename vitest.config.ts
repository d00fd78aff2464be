import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // oclif's this.log() uses console.log; vitest's console interception would swallow it.
    disableConsoleIntercept: true,
    // oclif mutates process-global state: keep each test file in its own child process.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // live tests share one host (namespaces, iptables): one file at a time keeps them honest.
    fileParallelism: false,
    env: {NO_COLOR: '1'},
    reporters: ['default', './test/summary-reporter.ts'],
  },
})
