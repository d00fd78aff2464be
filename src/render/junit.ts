import {create} from 'xmlbuilder2'

import type {Finding, Report} from '../report/types.js'

/**
 * The report as one JUnit `<testsuite>` (the form Jenkins, GitLab and the Ant/Surefire readers
 * take): each check is a test case, classname = its hop, name = its id. A check with a fail
 * finding has a `<failure>` (type = the finding code, the evidence and fix in its text); a check
 * not evaluated or not applicable is `<skipped>` with the reason; a crashed check is an `<error>`.
 * Warnings and other findings go to the case's `<system-out>`. Derived from the JSON report only.
 */
export function renderJunit(r: Report, opts: {command: string; explainable?: (code: string) => boolean}): string {
  const byCheck = new Map<string, Finding[]>()
  for (const f of r.findings) byCheck.set(f.check, [...(byCheck.get(f.check) ?? []), f])
  const failed = r.checks.filter((c) => c.status === 'ran' && (byCheck.get(c.id) ?? []).some((f) => f.severity === 'fail')).length
  const errors = r.checks.filter((c) => c.status === 'crashed').length
  const skipped = r.checks.filter((c) => c.status === 'not-evaluated' || c.status === 'skipped').length
  const totalMs = r.checks.reduce((s, c) => s + c.durationMs, 0)

  // invalid XML 1.0 characters (NUL, escape codes) in captured evidence become U+FFFD
  const doc = create({version: '1.0', encoding: 'UTF-8', invalidCharReplacement: '\uFFFD'})
  const suite = doc.ele('testsuite', {
    errors: String(errors),
    failures: String(failed),
    name: `mdctl ${opts.command} ${r.source.origin}`,
    skipped: String(skipped),
    tests: String(r.checks.length),
    time: seconds(totalMs),
    // Ant's form: no zone (the time is UTC; the exact instant is in the properties)
    timestamp: r.source.capturedAt.slice(0, 19),
  })
  const props = suite.ele('properties')
  const prop = (name: string, value: string): void => void props.ele('property', {name, value})
  prop('verdict', r.verdict.status)
  prop('first-failing-hop', r.verdict.firstFailingHop ?? '')
  prop('summary', r.verdict.summary)
  prop('source.kind', r.source.kind)
  prop('source.origin', r.source.origin)
  prop('source.captured-at', r.source.capturedAt)
  prop('mdctl.version', r.tool.version)

  for (const c of r.checks) {
    const tc = suite.ele('testcase', {classname: c.hop, name: c.id, time: seconds(c.durationMs)})
    const findings = byCheck.get(c.id) ?? []
    if (c.status === 'crashed') tc.ele('error', {message: c.reason ?? 'check crashed', type: 'crashed'}).txt(c.reason ?? 'check crashed')
    else if (c.status !== 'ran') tc.ele('skipped', {message: `${c.status === 'skipped' ? 'not applicable' : 'not evaluated'}: ${c.reason ?? c.status}`})
    const fails = findings.filter((f) => f.severity === 'fail')
    if (fails.length > 0) {
      const [f] = fails as [Finding, ...Finding[]]
      const more = fails.length > 1 ? ` (+${fails.length - 1} more)` : ''
      tc.ele('failure', {message: `${f.hop}: ${f.subject}: ${f.summary}${more}`, type: f.code}).txt(fails.map((x) => failureText(x, opts.explainable)).join('\n\n'))
    }
    const rest = findings.filter((f) => f.severity !== 'fail')
    if (rest.length > 0) tc.ele('system-out').txt(rest.map(otherText).join('\n'))
  }
  return doc.end({prettyPrint: true})
}

const seconds = (ms: number): string => (ms / 1000).toFixed(3)

function failureText(f: Finding, explainable?: (code: string) => boolean): string {
  const lines = [`${f.code} at ${f.hop}: ${f.subject}: ${f.summary}`]
  for (const e of f.evidence) lines.push(`evidence ${e.key} (${e.origin}): ${e.excerpt}`)
  if (f.fix) {
    lines.push(`fix: ${f.fix.text}`)
    for (const c of f.fix.commands ?? []) lines.push(`  $ ${c}`)
  }
  if (explainable?.(f.code)) lines.push(`more: mdctl explain ${f.code}`)
  return lines.join('\n')
}

function otherText(f: Finding): string {
  const fix = f.fix && f.severity === 'warn' ? ` (fix: ${f.fix.text}${(f.fix.commands ?? []).map((c) => ` $ ${c}`).join(';')})` : ''
  return `${f.severity} ${f.code} at ${f.hop}: ${f.subject}: ${f.summary}${fix}`
}

