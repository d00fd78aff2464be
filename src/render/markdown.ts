import {HOP_TITLES} from '../hops.js'
import type {Finding, HopStatus, Report} from '../report/types.js'

/**
 * The report as Markdown a support engineer pastes into a ticket: the verdict, the hop table,
 * each failure with its evidence and fix (commands in code blocks), warnings, and what was not
 * evaluated and why. Derived from the JSON report only. Every value that comes from the node
 * (evidence, subjects, reasons) goes through `inline`/`code`/`block` below, so a pipe, backtick,
 * `<tag>` or newline in it cannot break the table or start markup.
 */
export function renderMarkdown(r: Report, opts: {command: string; explainable?: (code: string) => boolean}): string {
  const out: string[] = []
  const first = r.verdict.firstFailingHop
  const where = first ? ` at ${code(first)} (${inline(HOP_TITLES[first])})` : ''
  out.push(`## mdctl ${inline(opts.command)}: ${r.verdict.status.toUpperCase()}${where}`, '')
  out.push(`> ${inline(r.verdict.summary)}`, '')
  out.push(`Source: ${inline(r.source.kind)} ${code(r.source.origin)}, captured ${inline(r.source.capturedAt)}, mdctl ${inline(r.tool.version)}.`, '')

  out.push('| # | hop | status | covers | checks |', '|---|---|---|---|---|')
  r.hops.forEach((h, i) => {
    out.push(`| ${i + 1} | ${code(h.hop, true)} | ${HOP_STATUS[h.status]} | ${inline(HOP_TITLES[h.hop])} | ${h.checks.length} |`)
  })
  out.push('')

  const fails = r.findings.filter((f) => f.severity === 'fail')
  const warns = r.findings.filter((f) => f.severity === 'warn')
  if (fails.length > 0) {
    out.push(`### Failures (${fails.length})`, '')
    fails.forEach((f, i) => out.push(...finding(f, `${i + 1}.`, opts.explainable), ''))
  }
  if (warns.length > 0) {
    out.push(`### Warnings (${warns.length})`, '')
    warns.forEach((f, i) => out.push(...finding(f, `${i + 1}.`, opts.explainable), ''))
  }

  const unjudged = r.checks.filter((c) => c.status === 'not-evaluated' || c.status === 'crashed')
  if (unjudged.length > 0) {
    out.push(`### Not evaluated (${unjudged.length})`, '')
    out.push('| check | hop | status | why |', '|---|---|---|---|')
    for (const c of unjudged) out.push(`| ${code(c.id, true)} | ${code(c.hop, true)} | ${c.status} | ${inline(c.reason ?? c.status)} |`)
    out.push('')
  }
  const skipped = r.checks.filter((c) => c.status === 'skipped').length
  const count = (s: Finding['severity']): number => r.findings.filter((f) => f.severity === s).length
  out.push(`${r.checks.length} check(s), ${unjudged.length} not evaluated, ${skipped} not applicable here; findings: fail ${count('fail')}, warn ${count('warn')}, pass ${count('pass')}.`)
  return out.join('\n')
}

const HOP_STATUS: Record<HopStatus, string> = {
  fail: '❌ fail',
  'not-evaluated': '❔ not evaluated',
  pass: '✅ pass',
  skip: '➖ not in scope',
  warn: '⚠️ warn',
}

function finding(f: Finding, n: string, explainable?: (code: string) => boolean): string[] {
  const out = [`${n} **${code(f.hop)}** · ${code(f.subject)} · ${code(f.code)}: ${inline(f.summary)}`]
  // list-item continuation lines are indented by the marker's width, so they stay in the item
  const pad = ' '.repeat(n.length + 1)
  if (f.evidence.length > 0) {
    out.push('', `${pad}Evidence:`, '')
    for (const e of f.evidence) out.push(`${pad}- ${code(e.key)} from ${code(e.origin)}: ${code(e.excerpt)}`)
  }
  if (f.fix) {
    out.push('', `${pad}Fix: ${inline(f.fix.text)}`)
    const cmds = f.fix.commands ?? []
    if (cmds.length > 0) out.push('', ...block(cmds, 'sh').map((l) => `${pad}${l}`))
  }
  if (explainable?.(f.code)) out.push('', `${pad}More: ${code(`mdctl explain ${f.code}`)}`)
  return out
}

// newlines fold to a space; other control characters (NUL, terminal escapes) in captured text become U+FFFD
const oneLine = (s: string): string => s.replace(/[\r\n]+/g, ' ').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '\uFFFD')

/** Free text: every character that could start Markdown or HTML is backslash-escaped. */
export function inline(s: string): string {
  return oneLine(s).replace(/[\\`*_[\]<>|~#&!]/g, (c) => `\\${c}`)
}

/**
 * A code span that shows `s` as it is: the fence is one backtick longer than the longest run of
 * backticks inside, padded when `s` starts or ends with a backtick (CommonMark 6.1). In a table
 * cell a pipe must still be written `\|`: GFM splits cells before it reads code spans.
 */
export function code(s: string, inTable = false): string {
  const text = oneLine(s)
  let longest = 0
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length)
  const fence = '`'.repeat(longest + 1)
  const pad = text.startsWith('`') || text.endsWith('`') || (text.startsWith(' ') && text.endsWith(' ') && text.trim() !== '') ? ' ' : ''
  const body = inTable ? text.replace(/\|/g, '\\|') : text
  return text === '' ? '(empty)' : `${fence}${pad}${body}${pad}${fence}`
}


/** A fenced block, its fence longer than any backtick run inside (CommonMark 4.5). */
function block(lines: readonly string[], info: string): string[] {
  let longest = 2
  for (const l of lines) for (const run of l.match(/`+/g) ?? []) longest = Math.max(longest, run.length)
  const fence = '`'.repeat(longest + 1)
  return [`${fence}${info}`, ...lines.map(oneLine), fence]
}
