import {HOPS, type Hop, HOP_TITLES} from '../hops.js'
import type {CheckRun, Finding, HopStatus, Report} from '../report/types.js'
import {VERSION} from '../version.js'
import type {CheckResult} from './check.js'

const SEVERITY_ORDER = {fail: 0, info: 2, pass: 3, warn: 1} as const

export function buildReport(source: Report['source'], results: readonly CheckResult[]): Report {
  const findings: Finding[] = []
  const checks: CheckRun[] = []
  for (const r of results) {
    checks.push(r.run)
    findings.push(...r.findings)
  }
  const hops = HOPS.map((hop) => {
    const runs = checks.filter((c) => c.hop === hop)
    const fs = findings.filter((f) => f.hop === hop)
    let status: HopStatus
    if (fs.some((f) => f.severity === 'fail')) status = 'fail'
    // a hop some check could not tell apart stays unjudged unless another check passed it
    else if (checks.some((c) => c.unjudgedHops?.includes(hop)) && !fs.some((f) => f.severity === 'pass' && !checks.some((c) => c.id === f.check && c.unjudgedHops?.includes(hop)))) status = 'not-evaluated'
    else if (fs.some((f) => f.severity === 'warn')) status = 'warn'
    else if (runs.some((c) => c.status === 'ran' && !c.supporting)) status = 'pass'
    // only configuration was read, and what would show the hop working could not be evaluated
    else if (runs.some((c) => c.status === 'ran') && runs.some((c) => !c.supporting && (c.status === 'not-evaluated' || c.status === 'crashed'))) status = 'not-evaluated'
    else if (runs.some((c) => c.status === 'ran')) status = 'pass'
    else if (runs.some((c) => c.status === 'not-evaluated' || c.status === 'crashed')) status = 'not-evaluated'
    else status = 'skip'
    return {checks: runs.map((c) => c.id), hop, status}
  })
  const firstFailingHop = HOPS.find((h) => findings.some((f) => f.hop === h && f.severity === 'fail')) ?? null
  const ran = checks.some((c) => c.status === 'ran')
  // CONTRACT: no failure seen but a hop in scope could not be judged is `unknown`, never `ok`
  const unjudged = hops.some((h) => h.status === 'not-evaluated')
  const status: Report['verdict']['status'] = firstFailingHop
    ? 'broken'
    : !ran || unjudged
      ? 'unknown'
      : findings.some((f) => f.severity === 'warn')
        ? 'degraded'
        : 'ok'
  // fail first, then warn, in path order: the renderers and readers meet the root cause first
  findings.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || HOPS.indexOf(a.hop) - HOPS.indexOf(b.hop))
  return {
    checks,
    findings,
    hops,
    schemaVersion: 1,
    source,
    tool: {name: 'mdctl', version: VERSION},
    verdict: {firstFailingHop, status, summary: summarise(status, firstFailingHop, findings, checks, hops)},
  }
}

function summarise(
  status: Report['verdict']['status'],
  hop: Hop | null,
  findings: readonly Finding[],
  checks: readonly CheckRun[],
  hops: Report['hops'],
): string {
  const notEval = checks.filter((c) => c.status === 'not-evaluated' || c.status === 'crashed').length
  const tail = notEval ? ` (${notEval} check(s) not evaluated)` : ''
  if (status === 'broken' && hop) {
    const first = findings.find((f) => f.hop === hop && f.severity === 'fail')
    const more = findings.filter((f) => f.severity === 'fail').length - 1
    return `metadata path broken at ${hop} (${HOP_TITLES[hop]}): ${first?.subject ?? ''}: ${first?.summary ?? ''}${more > 0 ? ` (+${more} more failure(s))` : ''}${tail}`
  }
  if (status === 'unknown') {
    const unjudged = hops.filter((h) => h.status === 'not-evaluated')
    if (!checks.some((c) => c.status === 'ran') || unjudged.length === 0) return `nothing could be evaluated${tail}`
    const undetermined = checks.filter((c) => c.unjudgedHops?.length)
    if (undetermined.length > 0) {
      const which = [...new Set(undetermined.flatMap((c) => c.unjudgedHops ?? []))]
      return `the request fails, but from this side it cannot be told which hop: ${which.join(' or ')} (${undetermined.map((c) => c.reason).join('; ')})`
    }
    // one reason per hop: the first not-evaluated check's, which names the missing evidence
    const why = unjudged.map((h) => {
      const c = checks.find((k) => k.hop === h.hop && (k.status === 'not-evaluated' || k.status === 'crashed'))
      return `${h.hop} (${c?.reason ?? 'no evidence'})`
    })
    const warns = findings.filter((f) => f.severity === 'warn').length
    return `no failure seen, but ${unjudged.length} hop(s) could not be judged: ${why.join('; ')}${warns ? `; ${warns} warning(s)` : ''}`
  }
  const warns = findings.filter((f) => f.severity === 'warn').length
  if (status === 'degraded') return `no failure, ${warns} warning(s); first: ${findings.find((f) => f.severity === 'warn')?.summary ?? ''}${tail}`
  return `metadata path looks healthy: ${checks.filter((c) => c.status === 'ran').length} check(s) ran without a failure${tail}`
}

/** CONTRACT exit codes: 0 ok/degraded, 1 broken, 3 unknown (a hop in scope not judged); 2 is a usage or input error. */
export function exitCodeFor(r: Report): number {
  if (r.verdict.status === 'broken') return 1
  if (r.verdict.status === 'unknown') return 3
  return 0
}
