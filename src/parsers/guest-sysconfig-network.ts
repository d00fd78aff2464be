/**
 * RHEL/CentOS network-scripts: `/etc/sysconfig/network`, `ifcfg-*` files, and the zeroconf
 * block of `network-scripts/ifup-eth`. Real samples: the fix from seed 003 and the ifup-eth
 * block it found (initscripts 9.x, CentOS 6):
 *
 * ```
 * NETWORKING=yes
 * HOSTNAME=vm1
 * NOZEROCONF=yes
 *
 * # Add Zeroconf route.
 * if [ -z "${NOZEROCONF}" -a "${ISALIAS}" = "no" -a "${REALDEVICE}" != "lo" ]; then
 *         ip route add 169.254.0.0/16 dev ${REALDEVICE} metric $((1000 + $(cat /sys/class/net/${REALDEVICE}/ifindex))) scope link
 * fi
 * ```
 *
 * Newer initscripts write the test as `is_false "${ISALIAS}"`.
 *
 * Contract:
 * - `parseShellVars`: KEY=value lines as the shell would read them (single quotes literal,
 *   double quotes with `\` escapes, unquoted values end at whitespace or ` #`), `export`
 *   allowed, last assignment wins. Lines that are not assignments (comments, `if`, commands)
 *   are ignored: these files are sourced shell, not a strict format. Only binary data is refused.
 * - `parseIfupEthZeroconf`: whether the script still adds the 169.254.0.0/16 route (an
 *   uncommented `ip route add 169.254.0.0/16` or `route add -net 169.254.0.0`), the line
 *   of the block that does it and the block text; `honoursNozeroconf` says whether that block
 *   is guarded by `NOZEROCONF` (so `/etc/sysconfig/network` can turn it off).
 */
import {assertText} from './errors.js'
import {splitLines} from './guest-addr.js'

export function parseShellVars(text: string): Record<string, string> {
  assertText(text, 'shell variables file')
  return Object.fromEntries(parseShellAssignments(text).map((a) => [a.key, a.value]))
}

export interface Assignment {
  key: string
  value: string
  line: number
}

/** Every `KEY=value` in order (duplicates kept), with shell quoting removed. */
export function parseShellAssignments(text: string): Assignment[] {
  const out: Assignment[] = []
  for (const [i, raw] of splitLines(text).entries()) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(raw)
    if (!m) continue
    const value = shellWord(m[2] ?? '')
    if (value !== undefined) out.push({key: m[1] ?? '', value, line: i + 1})
  }
  return out
}

// One shell word: concatenated quoted and unquoted parts, up to unquoted whitespace.
// Undefined when a quote is not closed on the line.
function shellWord(s: string): string | undefined {
  let out = ''
  let i = 0
  while (i < s.length) {
    const ch = s[i] as string
    if (ch === ' ' || ch === '\t' || ch === ';') break
    if (ch === "'") {
      const end = s.indexOf("'", i + 1)
      if (end === -1) return undefined
      out += s.slice(i + 1, end)
      i = end + 1
    } else if (ch === '"') {
      let j = i + 1
      let closed = false
      while (j < s.length) {
        const c = s[j] as string
        if (c === '\\' && j + 1 < s.length && '"\\$`'.includes(s[j + 1] as string)) {
          out += s[j + 1]
          j += 2
        } else if (c === '"') {
          closed = true
          break
        } else {
          out += c
          j++
        }
      }
      if (!closed) return undefined
      i = j + 1
    } else if (ch === '\\' && i + 1 < s.length) {
      out += s[i + 1]
      i += 2
    } else {
      out += ch
      i++
    }
  }
  return out
}

export interface ZeroconfBlock {
  addsZeroconfRoute: boolean
  /** 1-based line of the block (its `if`, else the route command) */
  line?: number
  snippet?: string
  /** the route command sits under a test of `NOZEROCONF` */
  honoursNozeroconf?: boolean
}

const ADD_ROUTE = /^\s*(?:\/s?bin\/|\/usr\/s?bin\/)?(?:ip\s+(?:-\d\s+)?ro(?:ute)?\s+(?:add|replace|append)\s+169\.254\.0\.0\/16\b|route\s+add\s+-net\s+169\.254\.0\.0\b)/

export function parseIfupEthZeroconf(text: string): ZeroconfBlock {
  assertText(text, 'ifup-eth')
  const lines = splitLines(text)
  const at = lines.findIndex((l) => ADD_ROUTE.test(l))
  if (at === -1) {
    const commented = lines.findIndex((l) => /^\s*#.*169\.254\.0\.0/.test(l))
    if (commented === -1) return {addsZeroconfRoute: false}
    const block = blockAround(lines, commented)
    return {addsZeroconfRoute: false, line: block.line + 1, snippet: block.text}
  }
  const block = blockAround(lines, at)
  return {addsZeroconfRoute: true, line: block.line + 1, snippet: block.text, honoursNozeroconf: /NOZEROCONF/.test(block.text)}
}

// The enclosing `if … fi` (searching a few lines up), else the line alone. The
// `# Add Zeroconf route.` comment above the `if` is included when present.
function blockAround(lines: string[], at: number): {line: number; text: string} {
  let start = at
  for (let j = at - 1; j >= Math.max(0, at - 4); j--) {
    if (/^\s*#?\s*if\b/.test(lines[j] ?? '')) {
      start = j
      break
    }
  }
  let end = at
  if (start !== at) {
    for (let j = at + 1; j < Math.min(lines.length, at + 5); j++) {
      if (/^\s*#?\s*fi\b/.test(lines[j] ?? '')) {
        end = j
        break
      }
    }
  }
  const line = start
  if (start > 0 && /Zeroconf/i.test(lines[start - 1] ?? '')) start--
  return {line, text: lines.slice(start, end + 1).join('\n')}
}
