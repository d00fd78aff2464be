import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join, relative} from 'node:path'

const ROOT = new URL('../../', import.meta.url).pathname

/**
 * Where finding codes are written: every check, and the guest probe's response classifier whose
 * verdict codes the probe check emits as they are (`code: v.code`).
 */
export const EMITTER_ROOTS = ['src/checks', 'src/parsers/guest-http-probe.ts']

export interface Emitted {
  /** SCREAMING_SNAKE literals: `code: 'X'`, both arms of `code: c ? 'X' : 'Y'`, and any such string in a check file */
  literals: Map<string, string[]>
  /** template literals after `code:` as patterns, e.g. PROBE_${…} → /^PROBE_[A-Z0-9_]+$/ */
  templates: Array<{source: string; pattern: RegExp; at: string}>
  /** `code:` followed by neither (a variable): listed so a new one is seen */
  dynamic: Array<{expr: string; at: string}>
  /** for codes written in a check's out.fail/warn/info/pass({code: …}) call: the severities used */
  severities: Map<string, Set<string>>
}

function files(p: string): string[] {
  const abs = join(ROOT, p)
  if (statSync(abs).isFile()) return [abs]
  return readdirSync(abs).flatMap((n) => files(join(p, n)))
}

const SNAKE = /'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'/g

/** The expression after `code:` up to the comma or brace that ends it (quotes and brackets skipped). */
function expressionAt(text: string, from: number): string {
  let depth = 0
  let quote = ''
  for (let i = from; i < text.length; i++) {
    const c = text[i]!
    if (quote) {
      if (c === '\\') i++
      else if (c === quote) quote = ''
      continue
    }
    if (c === "'" || c === '"' || c === '`') quote = c
    else if (c === '(' || c === '[' || c === '{') depth++
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) return text.slice(from, i)
      depth--
    } else if (c === ',' && depth === 0) return text.slice(from, i)
  }
  return text.slice(from)
}

export function scanEmitters(): Emitted {
  const out: Emitted = {dynamic: [], literals: new Map(), severities: new Map(), templates: []}
  const add = (code: string, at: string): void => void out.literals.set(code, [...(out.literals.get(code) ?? []), at])
  for (const file of EMITTER_ROOTS.flatMap(files).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(file, 'utf8')
    const rel = relative(ROOT, file)
    const lineOf = (i: number): string => `${rel}:${text.slice(0, i).split('\n').length}`
    const inChecks = rel.startsWith('src/checks/')
    if (inChecks) for (const m of text.matchAll(SNAKE)) add(m[1]!, lineOf(m.index))
    // the classifier's answers that name no hop: unattributed('CODE', …)
    if (!inChecks) for (const m of text.matchAll(/\bunattributed\(\s*'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'/g)) add(m[1]!, lineOf(m.index))
    for (const m of text.matchAll(/\bcode:\s*/g)) {
      const at = m.index + m[0].length
      const expr = expressionAt(text, at).trim()
      // outside the checks only object literals with a written code count (not `code: string` types)
      if (!inChecks && !/^['`]/.test(expr)) continue
      const literals = [...expr.matchAll(SNAKE)].map((l) => l[1]!)
      if (!inChecks) for (const l of literals) add(l, lineOf(at))
      const call = inChecks ? /out\.(fail|warn|info|pass)\(\{\s*$/.exec(text.slice(text.lastIndexOf('out.', m.index), m.index)) : null
      if (call) for (const l of literals) out.severities.set(l, new Set([...(out.severities.get(l) ?? []), call[1]!]))
      if (expr.startsWith('`')) {
        const pattern = new RegExp(`^${expr.slice(1, -1).split(/\$\{[^}]*\}/).map((part) => part.replace(/[^A-Z0-9_]/g, '')).join('[A-Z0-9_]+')}$`)
        out.templates.push({at: lineOf(at), pattern, source: expr})
      } else if (literals.length === 0 && !/^['"]/.test(expr)) out.dynamic.push({at: lineOf(at), expr})
    }
  }
  return out
}
