/**
 * Interfaces and addresses from `ip -json addr` (iproute2 ≥ 4.13; `-pretty` accepted too).
 * `ip-addr-text.ts` (plain `ip a`) and `ifconfig.ts` return the same `Link` shape.
 *
 * Real sample (iproute2 6.1, a qdhcp-like namespace, one link of two, shortened):
 * ```
 * [{"ifindex":2,"link_index":3,"ifname":"tap1332271e-0d","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],
 *   "mtu":1450,"operstate":"UP","link_type":"ether","address":"fa:16:3e:b3:e8:38",
 *   "addr_info":[{"family":"inet","local":"10.0.0.66","prefixlen":26,"broadcast":"10.0.0.127","scope":"global"},
 *                {"family":"inet","local":"169.254.169.254","prefixlen":32,"scope":"global"},
 *                {"family":"inet6","local":"fe80::a9fe:a9fe","prefixlen":128,"scope":"link","nodad":true}]}]
 * ```
 *
 * Contract:
 * - Normalised: `operstate` → `state`, `address` (link layer) → `mac`; addresses other than
 *   inet/inet6 and entries without `local`/`prefixlen` are left out.
 * - Refused with ParseError: binary data, non-JSON text (`Cannot open network namespace …`,
 *   `Option "-json" is unknown` from old iproute2), JSON that is not an array of links.
 *   Empty output is an empty list.
 * - Partial data: cut JSON keeps every complete link object before the cut, with a warning in
 *   `warnings` (a non-enumerable property of the returned array).
 */
import {assertText, ParseError} from './errors.js'

export interface LinkAddr {
  family: 'inet' | 'inet6'
  local: string
  prefixlen: number
  scope?: string
}

export interface Link {
  ifname: string
  ifindex?: number
  state?: string
  mac?: string
  flags: string[]
  addrs: LinkAddr[]
}

/** The list, plus notes about cut or skipped input. */
export type Links = Link[] & {warnings: string[]}

// Messages quote input, which can be hostile: one line, printable, short.
const clip = (s: string): string => {
  const one = s.slice(0, 81).replace(/[\u0000-\u001f\u007f]/g, ' ')
  return one.length > 80 ? `${one.slice(0, 80)}…` : one
}

function toAddr(raw: unknown): LinkAddr | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined
  const a = raw as Record<string, unknown>
  if ((a.family !== 'inet' && a.family !== 'inet6') || typeof a.local !== 'string' || typeof a.prefixlen !== 'number') return undefined
  const addr: LinkAddr = {family: a.family, local: a.local, prefixlen: a.prefixlen}
  if (typeof a.scope === 'string') addr.scope = a.scope
  return addr
}

function toLink(raw: unknown): Link | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined
  const l = raw as Record<string, unknown>
  if (typeof l.ifname !== 'string') return undefined
  const link: Link = {
    addrs: Array.isArray(l.addr_info) ? l.addr_info.map(toAddr).filter((a): a is LinkAddr => a !== undefined) : [],
    flags: Array.isArray(l.flags) ? l.flags.filter((f): f is string => typeof f === 'string') : [],
    ifname: l.ifname,
  }
  if (typeof l.ifindex === 'number') link.ifindex = l.ifindex
  if (typeof l.operstate === 'string') link.state = l.operstate
  if (typeof l.address === 'string') link.mac = l.address
  return link
}

/** Complete top-level objects of a JSON array that was cut off: scanned, not guessed. */
function completeObjects(text: string): unknown[] {
  const out: unknown[] = []
  let depth = 0
  let inString = false
  let start = -1
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (inString) {
      if (ch === '\\') i++
      else if (ch === '"') inString = false
      continue
    }
    if (ch === '"') inString = true
    else if (ch === '{' || ch === '[') {
      if (depth === 1 && ch === '{') start = i
      depth++
    } else if (ch === '}' || ch === ']') {
      depth--
      if (depth === 1 && ch === '}' && start >= 0) {
        try {
          out.push(JSON.parse(text.slice(start, i + 1)))
        } catch {
          return out
        }
        start = -1
      }
    }
  }
  return out
}

/** `warnings` rides on the array as a non-enumerable property: the list still compares and serialises as a plain list. */
function withWarnings<T>(list: T[], warnings: string[]): T[] & {warnings: string[]} {
  return Object.defineProperty(list, 'warnings', {enumerable: false, value: warnings}) as T[] & {warnings: string[]}
}

export function parseIpAddrJson(text: string): Links {
  assertText(text, 'ip -json addr output')
  const warnings: string[] = []
  const trimmed = text.trim()
  if (trimmed === '') return withWarnings([], warnings)
  if (!trimmed.startsWith('[')) throw new ParseError(`not ip -json output: "${clip(trimmed.split('\n')[0] ?? '')}"`)
  let data: unknown
  try {
    data = JSON.parse(trimmed)
  } catch {
    data = completeObjects(trimmed)
    warnings.push(`JSON is cut off or damaged: kept the ${(data as unknown[]).length} complete links before the damage`)
  }
  if (!Array.isArray(data)) throw new ParseError('ip -json output is not a JSON array')
  const links: Link[] = []
  for (const raw of data) {
    const link = toLink(raw)
    if (link) links.push(link)
    else warnings.push('skipped a JSON entry without an ifname')
  }
  return withWarnings(links, warnings)
}
