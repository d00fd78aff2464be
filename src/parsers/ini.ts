/**
 * oslo.config ini files (neutron.conf, metadata_agent.ini, dhcp_agent.ini, l3_agent.ini,
 * neutron_ovn_metadata_agent.ini, nova.conf), read the way oslo.config's `iniparser` reads them.
 *
 * Sample (seed 003, metadata_agent.ini as quoted in a Havana write-up; no section header):
 * ```
 * nova_metadata_ip = 10.122.122.1
 *
 * nova_metadata_port = 8775
 * ```
 * and the usual shape:
 * ```
 * [DEFAULT]
 * nova_metadata_host = 192.0.2.10
 * metadata_proxy_socket = $state_path/metadata_proxy
 * [cache]
 * enabled = true
 * ```
 *
 * Contract (oslo.config semantics):
 * - Section and key names are kept as written. `get` looks a section up as oslo.config does
 *   (`DEFAULT` exactly, others case-insensitively) and tries the exact key, then lower case.
 *   `key = value` and `key: value`, split at the first `=` or `:`.
 * - Lines starting with `#` or `;` are comments. A line starting with whitespace continues the
 *   previous value (joined with a newline, as oslo does): this includes an indented `# comment` right
 *   after a key, which oslo really appends to the value. A blank line ends a value.
 * - Values are trimmed, then one pair of matching surrounding quotes is removed (what is inside the
 *   quotes is kept as is, blanks included). `$state_path`-style
 *   interpolation is NOT done: values are as written.
 * - A repeated key: the last value wins and a warning names the key (never the value: it may be a
 *   secret). Keys before any section go to `DEFAULT` with a warning, because oslo.config refuses
 *   such a file.
 * - Lines oslo would reject (no `=`/`:`, an unterminated `[section`, an indented line with nothing
 *   to continue) are skipped with a warning naming the line number. Warnings never quote values.
 * - Refused with ParseError: binary data only. An empty file is an empty Ini.
 */
import {assertText} from './errors.js'

export interface Ini {
  /** 'DEFAULT' for top */
  sections: Record<string, Record<string, string>>
  warnings: string[]
}

// Null-prototype records: a key such as `__proto__` in a hostile file stays a plain key.
const dict = <T>(): Record<string, T> => Object.create(null) as Record<string, T>

function section(ini: Ini, name: string): Record<string, string> {
  const existing = ini.sections[name]
  if (existing) return existing
  const created = dict<string>()
  ini.sections[name] = created
  return created
}

function unquote(value: string): string {
  const v = value.trim()
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) return v.slice(1, -1)
  return v
}

export function parseIni(text: string): Ini {
  assertText(text, 'ini file')
  const ini: Ini = {sections: dict(), warnings: []}
  let current: string | undefined
  let pending: {key: string; lines: string[]; line: number} | undefined
  let warnedNoSection = false
  const flush = (): void => {
    if (!pending) return
    const name = current ?? 'DEFAULT'
    if (current === undefined && !warnedNoSection) {
      ini.warnings.push(`line ${pending.line}: option before any [section]: read as [DEFAULT], but oslo.config refuses a file like this`)
      warnedNoSection = true
    }
    const sec = section(ini, name)
    if (Object.hasOwn(sec, pending.key)) ini.warnings.push(`line ${pending.line}: [${name}] ${pending.key} is set more than once; the last value wins`)
    sec[pending.key] = pending.lines.join('\n')
    pending = undefined
  }
  const lines = text.split(/\r?\n/)
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] as string).trimEnd()
    if (line === '') {
      flush()
      continue
    }
    if (line[0] === ' ' || line[0] === '\t') {
      if (pending) pending.lines.push(line.trim())
      else ini.warnings.push(`line ${n + 1}: indented line with no option to continue (oslo.config rejects it); skipped`)
      continue
    }
    flush()
    if (line.startsWith('[')) {
      if (!line.endsWith(']') || line.length <= 2) {
        ini.warnings.push(`line ${n + 1}: malformed section header; skipped`)
        continue
      }
      current = line.slice(1, -1)
      section(ini, current)
      continue
    }
    if (line[0] === '#' || line[0] === ';') continue
    const eq = line.indexOf('=')
    const colon = line.indexOf(':')
    const at = eq === -1 ? colon : colon === -1 ? eq : Math.min(eq, colon)
    const key = at > 0 ? line.slice(0, at).trim() : ''
    if (at === -1 || key === '') {
      ini.warnings.push(`line ${n + 1}: not an option, section or comment; skipped`)
      continue
    }
    pending = {key, line: n + 1, lines: [unquote(line.slice(at + 1))]}
  }
  flush()
  return ini
}

function lookup(sec: Record<string, string>, key: string): string | undefined {
  if (Object.hasOwn(sec, key)) return sec[key]
  const lower = key.toLowerCase()
  return Object.hasOwn(sec, lower) ? sec[lower] : undefined
}

/**
 * The value of `key` in `section`, as written (exact key first, then lower case). Sections are
 * matched the way oslo.config looks groups up: `DEFAULT` exactly, any other name case-insensitively
 * (`[Cache]` is group `cache`); when several spellings exist, the last one holding the key wins.
 */
export function get(ini: Ini, sectionName: string, key: string): string | undefined {
  if (sectionName === 'DEFAULT') return Object.hasOwn(ini.sections, 'DEFAULT') ? lookup(ini.sections.DEFAULT as Record<string, string>, key) : undefined
  const wanted = sectionName.toLowerCase()
  let found: string | undefined
  for (const [name, sec] of Object.entries(ini.sections)) {
    if (name === 'DEFAULT' || name.toLowerCase() !== wanted) continue
    found = lookup(sec, key) ?? found
  }
  return found
}

const TRUE = new Set(['true', '1', 'on', 'yes'])
const FALSE = new Set(['false', '0', 'off', 'no'])

/** oslo.config BoolOpt: true/false/yes/no/on/off/1/0, any case. Anything else: undefined and a warning in `ini.warnings`. */
export function getBool(ini: Ini, sectionName: string, key: string): boolean | undefined {
  const raw = get(ini, sectionName, key)
  if (raw === undefined) return undefined
  const v = raw.trim().toLowerCase()
  if (TRUE.has(v)) return true
  if (FALSE.has(v)) return false
  const note = `[${sectionName}] ${key} is not a boolean oslo.config accepts (true/false/yes/no/on/off/1/0); the service would fail to start`
  if (!ini.warnings.includes(note)) ini.warnings.push(note)
  return undefined
}

/** The first of several names an option had across releases (e.g. nova_metadata_host, then nova_metadata_ip). */
export function getFirst(ini: Ini, names: ReadonlyArray<readonly [section: string, key: string]>): string | undefined {
  for (const [sectionName, key] of names) {
    const value = get(ini, sectionName, key)
    if (value !== undefined) return value
  }
  return undefined
}
