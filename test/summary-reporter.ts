// Prints one plain closing line, "vitest: N passed, N failed, N skipped", for CI log readers;
// vitest's own summary ("Tests  13 passed | 2 skipped (15)") is not in that form.
import type {Reporter, TestModule} from 'vitest/node'

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0
    let failed = 0
    let skipped = 0
    for (const m of testModules) {
      const tests = [...m.children.allTests()]
      for (const t of tests) {
        const s = t.result().state
        if (s === 'passed') passed++
        else if (s === 'failed') failed++
        else skipped++
      }
      // a test file that failed to load has no tests but must still count as a failure
      if (m.state() === 'failed' && tests.length === 0) failed++
    }
    failed += unhandledErrors.length
    process.stdout.write(`\nvitest: ${passed} passed, ${failed} failed, ${skipped} skipped\n`)
  }
}
