/**
 * Listening sockets from net-tools `netstat -nlpt`, `netstat -lntup` (with or without -p) and
 * `netstat -lx[p]` (unix). The fallback for nodes where `ss` is missing, and the format of old
 * field write-ups.
 *
 * Real samples (net-tools 2.10 in namespaces built like neutron's; seed 000 for the last line):
 * ```
 * Active Internet connections (only servers)
 * Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name
 * tcp        0      0 169.254.169.254:80      0.0.0.0:*               LISTEN      10181/haproxy
 * tcp6       0      0 fe80::a9fe:a9fe:80      :::*                    LISTEN      10181/haproxy
 * udp        0      0 0.0.0.0:67              0.0.0.0:*                           10192/dnsmasq
 * Active UNIX domain sockets (only servers)
 * Proto RefCnt Flags       Type       State         I-Node   PID/Program name     Path
 * unix  2      [ ACC ]     STREAM     LISTENING     122282583 31855/python        /var/lib/neutron/metadata_proxy
 * ```
 *
 * Contract:
 * - tcp/udp lines go through node-netstat's Linux line parser (`parserFactories.linux({parseName:
 *   true})`); unix lines through our own. Header lines are ignored.
 * - Normalised: node-netstat's `null` wildcard becomes `0.0.0.0` (tcp/udp) or `::` (tcp6/udp6);
 *   `tcp6`/`udp6` become `tcp`/`udp`. netstat prints a dual-stack `::` bind as `:::9697` → `::`
 *   (ss prints the same socket as `*:9697`). A `-` or missing PID column gives no processes.
 * - Only LISTEN tcp sockets, unconnected udp sockets and LISTENING unix stream sockets are returned;
 *   the rest is skipped with a warning.
 * - netstat (without -W) cuts long IPv6 addresses to fit its 23-character column
 *   (`fe80::f816:3eff:feb3:53` in seed 002): such addresses get a warning, not a guess.
 * - Refused with ParseError: binary data, `netstat -e` output (extra columns shift the fields), and
 *   output whose first record is not netstat (error messages). Empty output is valid.
 * - Partial data: parsing stops at the first bad line after good ones, with a warning in
 *   `warnings` (a non-enumerable property of the returned array).
 */
import netstat from 'node-netstat'

import {assertText, ParseError} from './errors.js'
import type {Listener, Listeners} from './ss-listeners.js'

// Messages quote input, which can be hostile: one line, printable, short.
const clip = (s: string): string => {
  const one = s.slice(0, 81).replace(/[\u0000-\u001f\u007f]/g, ' ')
  return one.length > 80 ? `${one.slice(0, 80)}…` : one
}
const HEADER = /^(Active (Internet connections|UNIX domain sockets|Bluetooth connections)|Proto\s+(Recv-Q|RefCnt))/
// netstat's Local Address column is 23 characters wide; a longer address is cut to fit.
const NETSTAT_ADDR_WIDTH = 23

type LineResult = {listener: Listener; warning?: string} | {skip: string} | {bad: true}

function parseInet(line: string, tokens: string[]): LineResult {
  const proto = (tokens[0] as string).startsWith('udp') ? 'udp' : 'tcp'
  if (!/^(tcp|udp)6?$/.test(tokens[0] as string)) return {skip: `${tokens[0]} socket`}
  // node-netstat throws on lines missing the address columns; check the shape first.
  if (tokens.length < (proto === 'udp' ? 5 : 6) || !/^\d+$/.test(tokens[1] as string) || !(tokens[3] as string).includes(':')) return {bad: true}
  // node-netstat takes the ESTABLISHED of a connected udp socket for part of the PID column.
  if (proto === 'udp' && tokens[5] === 'ESTABLISHED') return {skip: 'connected udp socket'}
  let item: netstat.ParsedItem | undefined
  try {
    netstat.parserFactories.linux({parseName: true})(line, (parsed) => {
      item = parsed
    })
  } catch {
    return {bad: true}
  }
  if (!item || item.local.port === null || !Number.isInteger(item.local.port)) return {bad: true}
  if (proto === 'tcp' && item.state !== 'LISTEN') return {skip: `${item.state ?? 'unknown-state'} tcp socket`}
  const v6 = item.protocol.endsWith('6')
  const address = item.local.address ?? (v6 ? '::' : '0.0.0.0')
  const processes = Number.isInteger(item.pid) && item.pid > 0 ? [{name: item.processName ?? '', pid: item.pid}] : []
  const listener: Listener = {address, port: item.local.port, processes, proto}
  const raw = tokens[3] as string
  if (v6 && raw.length === NETSTAT_ADDR_WIDTH) return {listener, warning: `address "${raw}" fills netstat's column and may be cut; use \`netstat -W\` or ss`}
  return {listener}
}

const UNIX = /^unix\s+\d+\s+\[([^\]]*)\]\s+(\S+)\s+(?:(LISTENING|CONNECTED|CONNECTING|DISCONNECTING|FREE|UNKNOWN)\s+)?(\d+)\s*(.*)$/

function parseUnix(line: string, hasPid: boolean): LineResult {
  const m = UNIX.exec(line.trim())
  if (!m) return {bad: true}
  const [, , type, state, inode, rest = ''] = m
  if (state !== 'LISTENING') return {skip: `${(state ?? type ?? '').toLowerCase()} unix socket`}
  let path = rest
  const processes: Listener['processes'] = []
  if (hasPid) {
    const p = /^(?:(\d+)\/(\S*)|-)\s*(.*)$/.exec(rest)
    if (p) {
      if (p[1]) processes.push({name: p[2] ?? '', pid: Number(p[1])})
      path = p[3] ?? ''
    }
  }
  return {listener: {address: path.trim(), inode: Number(inode), port: 0, processes, proto: 'unix'}}
}

/** `warnings` rides on the array as a non-enumerable property: the list still compares and serialises as a plain list. */
function withWarnings<T>(list: T[], warnings: string[]): T[] & {warnings: string[]} {
  return Object.defineProperty(list, 'warnings', {enumerable: false, value: warnings}) as T[] & {warnings: string[]}
}

/** A netstat line is a few hundred characters; only a line's head is judged. */
const LINE_LIMIT = 64 * 1024

export function parseNetstatListeners(text: string): Listeners {
  assertText(text, 'netstat output')
  const out: Listener[] = []
  const warnings: string[] = []
  const skipped = new Map<string, number>()
  let records = 0
  // Without a header, guess from the line itself: `NNN/name` or `-` before the path means -p.
  let unixHasPid: boolean | undefined
  const lines = text.split('\n')
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n] as string
    if (line.length > LINE_LIMIT) {
      warnings.push(`line ${n + 1}: ${line.length} characters, kept the first ${LINE_LIMIT}`)
      line = line.slice(0, LINE_LIMIT)
    }
    const trimmed = line.trim()
    if (trimmed === '') continue
    if (HEADER.test(trimmed)) {
      if (/\bUser\b/.test(trimmed) && /\bInode\b/.test(trimmed)) throw new ParseError('`netstat -e` output is not supported (its extra columns shift the fields); capture `netstat -lntup`')
      if (/RefCnt/.test(trimmed)) unixHasPid = /PID\/Program/.test(trimmed)
      continue
    }
    const tokens = trimmed.split(/\s+/)
    let r: LineResult
    if (tokens[0] === 'unix') r = parseUnix(trimmed, unixHasPid ?? /^unix\s.*\s\d+\s+(\d+\/\S*|-)\s/.test(trimmed))
    else if (/^(tcp|udp|raw)/.test(tokens[0] as string)) r = parseInet(trimmed, tokens)
    else r = {bad: true}
    if ('bad' in r) {
      if (records === 0) throw new ParseError(`not netstat output: "${clip(trimmed)}"`)
      warnings.push(`line ${n + 1}: not a netstat socket line ("${clip(trimmed)}"); kept the ${out.length} listeners before it`)
      break
    }
    records++
    if ('skip' in r) skipped.set(r.skip, (skipped.get(r.skip) ?? 0) + 1)
    else {
      out.push(r.listener)
      if (r.warning) warnings.push(r.warning)
    }
  }
  for (const [what, count] of skipped) warnings.push(`skipped ${count} ${what}${count > 1 ? 's' : ''} (not a listener)`)
  return withWarnings(out, warnings)
}
