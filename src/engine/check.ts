import {HOPS, type Hop} from '../hops.js'
import type {CheckRun, Evidence, Finding, Fix, Severity} from '../report/types.js'
import {oneLine, type Parsed} from './parsed.js'

interface FindingInput {
  /** a probe can implicate a hop other than its check's own */
  hop?: Hop
  code: string
  subject: string
  summary: string
  evidence?: Evidence[]
}

/** How a check reports: fail() demands a fix, the rest do not. */
export interface Findings {
  fail(f: FindingInput & {fix: Fix}): void
  warn(f: FindingInput & {fix?: Fix}): void
  info(f: FindingInput & {fix?: Fix}): void
  pass(f: FindingInput): void
  /**
   * The evidence shows something is wrong but cannot tell which of these hops it is (a guest that
   * gets the agent's 503 cannot tell a dead nova from an agent pointing at the wrong host). Those
   * hops become not judged, the verdict `unknown`, and `reason` says how to tell them apart. Never
   * pick one of them with fail().
   */
  undetermined(u: {hops: readonly Hop[]; reason: string}): void
}

/**
 * A check: pure, given a typed model; declares what it needs so the engine can say why it could
 * not be evaluated instead of guessing. `needs` names model fields holding Parsed evidence.
 */
export interface Check<M> {
  readonly id: string
  readonly hop: Hop
  readonly title: string
  /** evidence keys, shown by `mdctl checks` */
  readonly evidence: readonly string[]
  /** model fields that must be usable for the check to run */
  readonly needs: ReadonlyArray<keyof M>
  /** true when the check only has something to say with active probes */
  readonly active?: boolean
  /**
   * true for a check that reads configuration or a process list only: it can find a fault, but
   * its passing does not show the hop works. A hop whose other checks could not be evaluated is
   * not judged by supporting checks alone (a sosreport shows nova.conf, not nova answering).
   */
  readonly supporting?: boolean
  /** a further precondition; returns why the check does not apply, or undefined */
  readonly applies?: (m: M) => string | undefined
  run(m: M, out: Findings): void
}

export interface CheckResult {
  run: CheckRun
  findings: Finding[]
}

function isParsed(v: unknown): v is Parsed<unknown> {
  return typeof v === 'object' && v !== null && 'ok' in v && 'key' in v
}

export function runCheck<M extends object>(check: Check<M>, model: M): CheckResult {
  const started = performance.now()
  const done = (status: CheckRun['status'], findings: Finding[], reason?: string): CheckResult => ({
    findings,
    run: {durationMs: Math.round(performance.now() - started), hop: check.hop, id: check.id, status, ...(reason ? {reason: oneLine(reason, 400)} : {}), ...(check.supporting ? {supporting: true} : {})},
  })
  const missing: string[] = []
  for (const n of check.needs) {
    const v = model[n]
    if (isParsed(v) && !v.ok) missing.push(v.reason)
  }
  if (missing.length > 0) return done('not-evaluated', [], missing.join('; '))
  const why = check.applies?.(model)
  if (why) return done('skipped', [], why)
  const findings: Finding[] = []
  const unjudged = new Set<Hop>()
  const reasons: string[] = []
  const add = (severity: Severity) => (f: FindingInput & {fix?: Fix}) => {
    findings.push({
      check: check.id,
      code: f.code,
      evidence: f.evidence ?? [],
      hop: f.hop ?? check.hop,
      severity,
      subject: f.subject,
      summary: oneLine(f.summary, 400),
      ...(f.fix ? {fix: f.fix} : {}),
    })
  }
  try {
    const undetermined = (u: {hops: readonly Hop[]; reason: string}): void => {
      for (const h of u.hops) unjudged.add(h)
      if (!reasons.includes(u.reason)) reasons.push(u.reason)
    }
    check.run(model, {fail: add('fail'), info: add('info'), pass: add('pass'), undetermined, warn: add('warn')})
  } catch (error) {
    if (error instanceof NotEvaluated) return done('not-evaluated', [], error.message)
    return done('crashed', [], `check crashed: ${error instanceof Error ? error.message : String(error)}`)
  }
  if (unjudged.size === 0) return done('ran', findings)
  const r = done('ran', findings, reasons.join('; '))
  return {...r, run: {...r.run, unjudgedHops: HOPS.filter((h) => unjudged.has(h))}}
}

/** Thrown by a check whose evidence turned out unusable for every subject it covers. */
export class NotEvaluated extends Error {
  override readonly name = 'NotEvaluated'
}
