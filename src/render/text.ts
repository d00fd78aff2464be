import {HOP_TITLES, HOPS} from '../hops.js'
import type {Finding, HopStatus, Report} from '../report/types.js'

export interface Paint {
  red(s: string): string
  yellow(s: string): string
  green(s: string): string
  dim(s: string): string
  bold(s: string): string
}

export const PLAIN: Paint = {bold: (s) => s, dim: (s) => s, green: (s) => s, red: (s) => s, yellow: (s) => s}

const GLYPH: Record<Finding['severity'], string> = {fail: '[✗]', info: '[i]', pass: '[✓]', warn: '[!]'}
const HOP_GLYPH: Record<HopStatus, string> = {fail: '[✗]', 'not-evaluated': '[?]', pass: '[✓]', skip: '[-]', warn: '[!]'}

/**
 * The human report, derived from the JSON report only. Quiet by default: the path, then each
 * non-passing finding with its fix right under it (and, when the catalogue knows its code, the
 * `mdctl explain` line); `verbose` adds passes, evidence and check runs.
 */
export function renderText(r: Report, opts: {verbose?: boolean; paint?: Paint; explainable?: (code: string) => boolean} = {}): string {
  const p = opts.paint ?? PLAIN
  const out: string[] = []
  out.push(p.bold(`mdctl ${r.tool.version} · ${r.source.origin} · ${r.source.capturedAt}`), '')
  const first = r.verdict.firstFailingHop
  out.push('metadata path:')
  r.hops.forEach((h, i) => {
    if (h.status === 'skip' && !opts.verbose) return
    const reached = first === null || HOPS.indexOf(h.hop) <= HOPS.indexOf(first)
    const colour = h.status === 'fail' ? p.red : h.status === 'warn' ? p.yellow : h.status === 'pass' ? p.green : p.dim
    const note = h.status === 'not-evaluated' ? p.dim('  (not evaluated)') : !reached && h.status === 'pass' ? p.dim('  (after the break; checked anyway)') : ''
    out.push(`  ${String(i + 1).padStart(2)} ${colour(HOP_GLYPH[h.status])} ${h.hop.padEnd(11)} ${HOP_TITLES[h.hop]}${note}`)
  })
  out.push('')
  const shown = r.findings.filter((f) => opts.verbose || f.severity === 'fail' || f.severity === 'warn')
  for (const f of shown) {
    const colour = f.severity === 'fail' ? p.red : f.severity === 'warn' ? p.yellow : f.severity === 'pass' ? p.green : p.dim
    out.push(`${colour(GLYPH[f.severity])} ${f.hop}: ${f.subject}: ${f.summary}  ${p.dim(`(${f.code})`)}`)
    const evidence = opts.verbose ? f.evidence : f.evidence.slice(0, 2)
    for (const e of evidence) out.push(p.dim(`      evidence ${e.key}: ${e.excerpt}`))
    if (f.fix) {
      out.push(`      fix: ${f.fix.text}`)
      for (const c of f.fix.commands ?? []) out.push(`        $ ${c}`)
    }
    if ((f.severity === 'fail' || f.severity === 'warn') && opts.explainable?.(f.code)) out.push(p.dim(`      more: mdctl explain ${f.code}`))
  }
  const notEval = r.checks.filter((c) => c.status === 'not-evaluated' || c.status === 'crashed' || (c.unjudgedHops?.length ?? 0) > 0)
  if (notEval.length > 0) {
    out.push('', p.dim(`not evaluated (${notEval.length}):`))
    for (const c of opts.verbose ? notEval : notEval.slice(0, 8)) out.push(p.dim(`  [?] ${c.id} (${c.unjudgedHops?.join(' or ') ?? c.hop}): ${c.reason ?? c.status}`))
    if (!opts.verbose && notEval.length > 8) out.push(p.dim(`  … ${notEval.length - 8} more (use --verbose)`))
  }
  if (opts.verbose) {
    out.push('', p.dim('checks:'))
    for (const c of r.checks) out.push(p.dim(`  ${c.status.padEnd(13)} ${c.id} (${c.hop}) ${c.durationMs} ms${c.reason ? `: ${c.reason}` : ''}`))
  }
  const count = (s: Finding['severity']): number => r.findings.filter((f) => f.severity === s).length
  out.push('')
  const colour = r.verdict.status === 'broken' ? p.red : r.verdict.status === 'ok' ? p.green : p.yellow
  out.push(colour(p.bold(`${r.verdict.status.toUpperCase()}: ${r.verdict.summary}`)))
  out.push(p.dim(`fail ${count('fail')} · warn ${count('warn')} · pass ${count('pass')} · not evaluated ${notEval.length}`))
  return out.join('\n')
}
