/**
 * Reads the JSON arrays of objects that `ip -json` prints. Pure, no I/O.
 *
 * Contract: a whole, valid document is parsed with `JSON.parse`. When it is not valid (a
 * capture cut off mid-way, two arrays back to back), the complete objects found before the
 * first defect are kept and the defect is reported as a warning. Input with no complete
 * object and no valid JSON is refused with a ParseError.
 */
import {clip} from './guest-addr.js'
import {ParseError} from './errors.js'

export interface JsonObjects {
  items: Record<string, unknown>[]
  warnings: string[]
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** The objects of a JSON array (or of several arrays printed back to back). */
export function parseJsonObjects(text: string, what: string): JsonObjects {
  const t = text.trim()
  if (t === '') return {items: [], warnings: []}
  if (t[0] !== '[' && t[0] !== '{') throw new ParseError(`${what}: not JSON: ${clip(t.split('\n')[0] ?? '')}`)
  try {
    const v: unknown = JSON.parse(t)
    const list = Array.isArray(v) ? v : [v]
    const items: Record<string, unknown>[] = []
    for (const [i, item] of list.entries()) {
      if (!isRecord(item)) return {items, warnings: [`${what}: element ${i} is not an object; stopped there`]}
      items.push(item)
    }
    return {items, warnings: []}
  } catch {
    return scanObjects(t, what)
  }
}

// A tolerant scan: track strings and nesting, cut out each depth-1 object, stop at the first
// thing that does not parse. Linear in the input, so hostile input cannot make it slow.
function scanObjects(t: string, what: string): JsonObjects {
  const items: Record<string, unknown>[] = []
  const warnings: string[] = []
  let depth = 0
  let inString = false
  let escaped = false
  let start = -1
  let topIsArray = false
  for (let i = 0; i < t.length; i++) {
    const ch = t[i]
    if (inString) {
      if (escaped) escaped = false
      else if (ch === '\\') escaped = true
      else if (ch === '"') inString = false
      continue
    }
    if (ch === '"') {
      inString = true
      continue
    }
    if (depth === 0) {
      if (ch === '[') {
        topIsArray = true
        depth = 1
      } else if (ch === '{') {
        topIsArray = false
        start = i
        depth = 1
      } else if (!/\s/.test(ch ?? '')) {
        warnings.push(`${what}: unexpected text at offset ${i}; stopped there`)
        return finish(items, warnings, what)
      }
      continue
    }
    if (ch === '{' || ch === '[') {
      if (topIsArray && depth === 1) {
        if (ch !== '{') {
          warnings.push(`${what}: element at offset ${i} is not an object; stopped there`)
          return finish(items, warnings, what)
        }
        start = i
      }
      depth++
    } else if (ch === '}' || ch === ']') {
      depth--
      const objectDepth = topIsArray ? 1 : 0
      if (depth === objectDepth && start !== -1) {
        try {
          const v: unknown = JSON.parse(t.slice(start, i + 1))
          if (!isRecord(v)) throw new Error('not an object')
          items.push(v)
        } catch {
          warnings.push(`${what}: malformed object at offset ${start}; stopped there`)
          return finish(items, warnings, what)
        }
        start = -1
      }
      if (depth < 0) {
        warnings.push(`${what}: unbalanced brackets at offset ${i}; stopped there`)
        return finish(items, warnings, what)
      }
    }
  }
  if (depth !== 0 || inString) warnings.push(`${what}: output ends inside a JSON value (truncated); kept the ${items.length} complete object(s) before it`)
  return finish(items, warnings, what)
}

function finish(items: Record<string, unknown>[], warnings: string[], what: string): JsonObjects {
  if (items.length === 0) throw new ParseError(warnings[0] ?? `${what}: not valid JSON`)
  return {items, warnings}
}

export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  return undefined
}

export function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v)
  return undefined
}
