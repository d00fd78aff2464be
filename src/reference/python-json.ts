// nova serialises with Python's json.dumps defaults (oslo jsonutils.dump_as_bytes): separators
// ", " and ": ", ensure_ascii (non-ASCII as \uXXXX) and Python's escape set. Byte-identical output
// matters because guests and tests compare bodies.

const ESCAPES: Record<string, string> = {'"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f'}

function pyString(s: string): string {
  let out = '"'
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string
    const code = s.charCodeAt(i)
    const esc = ESCAPES[ch]
    if (esc !== undefined) out += esc
    else if (code < 0x20 || code > 0x7e) out += '\\u' + code.toString(16).padStart(4, '0')
    else out += ch
  }
  return out + '"'
}

function pyNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN'
  if (n === Infinity) return 'Infinity'
  if (n === -Infinity) return '-Infinity'
  return String(n)
}

/** `json.dumps(value)` as CPython renders it (for values that came from JSON). */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'string') return pyString(value)
  if (typeof value === 'number') return pyNumber(value)
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (Array.isArray(value)) return '[' + value.map((v) => pythonJsonDumps(v)).join(', ') + ']'
  if (typeof value === 'object') {
    const parts: string[] = []
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue
      parts.push(pyString(k) + ': ' + pythonJsonDumps(v))
    }
    return '{' + parts.join(', ') + '}'
  }
  return 'null'
}
