/**
 * `ip neigh` and `ip -json neigh`. Real samples, iproute2 6.1, a guest whose zeroconf route
 * makes it ARP for 169.254.169.254 itself (nobody answers) and whose gateway is absent:
 *
 * ```
 * 169.254.169.254 dev eth0 FAILED
 * 10.0.0.2 dev eth0 lladdr 56:68:1d:5c:1c:5b REACHABLE
 * 10.0.0.1 dev eth0 INCOMPLETE
 * [{"dst":"169.254.169.254","dev":"eth0","state":["FAILED"]},{"dst":"10.0.0.2","dev":"eth0","lladdr":"56:68:1d:5c:1c:5b","state":["REACHABLE"]}]
 * ```
 *
 * Older iproute2 prints two spaces before a state with no lladdr (`169.254.169.254 dev eth0  FAILED`).
 *
 * Contract:
 * - Normalised: one entry per line/object; `state` is the kernel state in upper case
 *   (several states are joined by a space, none → `NONE`); flags such as `router` are dropped.
 * - Refused (ParseError): binary data, a first line that is not a neighbour (wrong format or
 *   an error message), JSON with no usable entry.
 * - Partial: the first line that does not start with an address ends the list; see `.warnings`.
 */
import {clip, ipValue, splitLines, withWarnings, type WithWarnings} from './guest-addr.js'
import {parseJsonObjects, str} from './guest-json.js'
import {assertText, ParseError} from './errors.js'

export interface Neighbour {
  ip: string
  dev?: string
  lladdr?: string
  /** REACHABLE|STALE|DELAY|PROBE|INCOMPLETE|FAILED|PERMANENT|NOARP|NONE; from /proc/net/arp also COMPLETE */
  state: string
}

export type Neighbours = WithWarnings<Neighbour>

const STATES = new Set(['REACHABLE', 'STALE', 'DELAY', 'PROBE', 'INCOMPLETE', 'FAILED', 'PERMANENT', 'NOARP', 'NONE'])
const VALUE_KEYS = new Set(['dev', 'lladdr', 'vrf', 'used', 'probes', 'protocol'])

export function parseIpNeigh(text: string): Neighbours {
  assertText(text, 'ip neigh')
  const t = text.trim()
  if (t.startsWith('[') || t.startsWith('{')) return fromJson(t)
  const out: Neighbour[] = []
  const warnings: string[] = []
  for (const [i, line] of splitLines(text).entries()) {
    if (line.trim() === '') continue
    const n = parseNeighLine(line)
    if (!n) {
      if (out.length === 0) throw new ParseError(`ip neigh: line ${i + 1} is not a neighbour entry: ${clip(line)}`)
      warnings.push(`ip neigh: line ${i + 1} is not a neighbour entry (${clip(line)}); stopped there`)
      break
    }
    out.push(n)
  }
  return withWarnings(out, warnings)
}

function parseNeighLine(line: string): Neighbour | undefined {
  const tok = line.trim().split(/\s+/)
  const ip = tok[0] ?? ''
  if (!ipValue(ip)) return undefined
  const n: Neighbour = {ip, state: 'NONE'}
  const states: string[] = []
  for (let i = 1; i < tok.length; i++) {
    const t = tok[i] ?? ''
    if (VALUE_KEYS.has(t)) {
      const v = tok[i + 1]
      if (t === 'dev' && v !== undefined) n.dev = v
      if (t === 'lladdr' && v !== undefined) n.lladdr = v.toLowerCase()
      i++
    } else if (STATES.has(t)) states.push(t)
  }
  if (states.length > 0) n.state = states.join(' ')
  return n
}

function fromJson(t: string): Neighbours {
  const {items, warnings} = parseJsonObjects(t, 'ip -json neigh')
  const out: Neighbour[] = []
  for (const [i, o] of items.entries()) {
    const ip = str(o.dst)
    if (ip === undefined || !ipValue(ip)) {
      warnings.push(`ip -json neigh: element ${i} has no usable dst; stopped there`)
      break
    }
    const n: Neighbour = {ip, state: 'NONE'}
    const dev = str(o.dev)
    if (dev !== undefined) n.dev = dev
    const lladdr = str(o.lladdr)
    if (lladdr !== undefined) n.lladdr = lladdr.toLowerCase()
    const states = Array.isArray(o.state) ? o.state.filter((s): s is string => typeof s === 'string') : typeof o.state === 'string' ? [o.state] : []
    if (states.length > 0) n.state = states.map((s) => s.toUpperCase()).join(' ')
    out.push(n)
  }
  if (out.length === 0 && items.length > 0) throw new ParseError(warnings[0] ?? 'ip -json neigh: no usable entry')
  return withWarnings(out, warnings)
}
