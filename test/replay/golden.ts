import type {Report} from '../../src/report/types.js'

/** What a replay golden pins: the verdict, and every finding and check outcome, in order. */
export interface Golden {
  verdict: {status: Report['verdict']['status']; firstFailingHop: Report['verdict']['firstFailingHop']}
  findings: string[]
  checks: string[]
}

export function goldenOf(r: Report): Golden {
  return {
    checks: r.checks.map((c) => `${c.id} ${c.status}`),
    findings: r.findings.map((f) => `${f.severity} ${f.hop} ${f.code} ${f.subject}`),
    verdict: {firstFailingHop: r.verdict.firstFailingHop, status: r.verdict.status},
  }
}
