import {layoutTitle} from '../evidence/layouts.js'
import type {Finding, Report} from '../report/types.js'
import {type Paint, PLAIN} from './text.js'

const GLYPH: Record<Finding['severity'], string> = {fail: '[✗]', info: '[i]', pass: '[✓]', warn: '[!]'}

/**
 * The fleet report for a person: one line per host, the cross-host findings with their fixes,
 * then each host's failures and warnings (its own report, rendered short). From the JSON only.
 */
export function renderFleetText(r: Report, opts: {verbose?: boolean; paint?: Paint} = {}): string {
  const p = opts.paint ?? PLAIN
  const out: string[] = [p.bold(`mdctl ${r.tool.version} · ${r.source.origin} · ${r.source.capturedAt}`), '', 'hosts:']
  const hosts = r.hosts ?? []
  const width = Math.min(32, Math.max(4, ...hosts.map((h) => h.name.length)))
  for (const h of hosts) {
    const v = h.report?.verdict
    const status = v ? v.status : h.status
    const colour = status === 'broken' || !v ? p.red : status === 'ok' ? p.green : p.yellow
    const roles = h.roles.length ? h.roles.join('+') : '-'
    const detail = v ? (v.firstFailingHop ? `at ${v.firstFailingHop}: ${v.summary}` : v.summary) : (h.reason ?? '')
    out.push(`  ${h.name.padEnd(width)}  ${colour(status.padEnd(11))} ${roles.padEnd(15)} ${(h.layout ?? '').padEnd(8)} ${p.dim(detail)}`)
  }
  const layouts = [...new Set(hosts.flatMap((h) => (h.layout ? [h.layout] : [])))]
  if (layouts.length) out.push(p.dim(`  layouts: ${layouts.map((l) => `${l} = ${layoutTitle(l)}`).join('; ')}`))
  out.push('', 'across hosts:')
  const shown = r.findings.filter((f) => opts.verbose || f.severity !== 'pass')
  for (const f of shown) {
    const colour = f.severity === 'fail' ? p.red : f.severity === 'warn' ? p.yellow : f.severity === 'pass' ? p.green : p.dim
    out.push(`${colour(GLYPH[f.severity])} ${f.hop}: ${f.subject}: ${f.summary}  ${p.dim(`(${f.code})`)}`)
    for (const e of opts.verbose ? f.evidence : f.evidence.slice(0, 2)) out.push(p.dim(`      evidence ${e.key}: ${e.excerpt}`))
    if (f.fix) {
      out.push(`      fix: ${f.fix.text}`)
      for (const c of f.fix.commands ?? []) out.push(`        $ ${c}`)
    }
  }
  const passed = r.findings.filter((f) => f.severity === 'pass').length
  if (!opts.verbose && passed) out.push(p.green(`[✓] ${passed} cross-host check(s) passed`) + p.dim(' (--verbose lists them)'))
  for (const c of r.checks.filter((k) => k.status === 'not-evaluated' || k.status === 'crashed')) out.push(p.dim(`  [?] ${c.id} (${c.hop}): ${c.reason ?? c.status}`))
  for (const h of hosts) {
    const fs = (h.report?.findings ?? []).filter((f) => opts.verbose || f.severity === 'fail' || f.severity === 'warn')
    if (fs.length === 0) continue
    out.push('', `${h.name}:`)
    for (const f of fs) {
      const colour = f.severity === 'fail' ? p.red : f.severity === 'warn' ? p.yellow : p.dim
      out.push(`  ${colour(GLYPH[f.severity])} ${f.hop}: ${f.subject}: ${f.summary}  ${p.dim(`(${f.code})`)}`)
      if (f.fix && f.severity === 'fail') for (const c of f.fix.commands ?? []) out.push(`        $ ${c}`)
    }
  }
  out.push('')
  const colour = r.verdict.status === 'broken' ? p.red : r.verdict.status === 'ok' ? p.green : p.yellow
  out.push(colour(p.bold(`${r.verdict.status.toUpperCase()}: ${r.verdict.summary}`)))
  return out.join('\n')
}
