/**
 * `ip route` / `ip route show table all` as text: the fallback for busybox and old iproute2
 * that have no `-json`. Real samples: iproute2 6.1 in a namespace, and cirros (seed 000,
 * note the two spaces old versions print before `src`):
 *
 * ```
 * default via 10.0.0.1 dev eth0
 * 10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.5
 * 169.254.0.0/16 dev eth0 scope link metric 1002
 * local 10.0.0.5 dev eth0 table local proto kernel scope host src 10.0.0.5
 * 10.10.0.0/24 dev eth0  src 10.10.0.45
 * ```
 *
 * Contract:
 * - Normalised exactly as `parseIpRouteJson` does (CIDR `dst`, `table` main, `type` unicast,
 *   first nexthop of a multipath route); `proto` becomes `protocol`. Unknown keywords are
 *   skipped, so a newer iproute2 attribute does not end the parse.
 * - Refused (ParseError): binary data, an error message instead of routes
 *   (`RTNETLINK answers: …`, `Error: …`), or a first line that is not a route (wrong format).
 * - Partial: the first line that is not a route ends the list; `.warnings` says where.
 */
import {clip, normaliseDst, splitLines, withWarnings} from './guest-addr.js'
import {assertText, ParseError} from './errors.js'
import type {Route, Routes} from './guest-ip-route.js'

export const ROUTE_TYPES = new Set(['unicast', 'local', 'broadcast', 'multicast', 'anycast', 'unreachable', 'prohibit', 'blackhole', 'throw', 'nat', 'xresolve'])

// Keywords followed by one value. Anything else is a flag or unknown and skipped alone.
const VALUE_KEYS = new Set([
  'via', 'dev', 'oif', 'iif', 'proto', 'scope', 'src', 'metric', 'preference', 'table', 'mtu', 'advmss', 'rtt', 'rttvar', 'reordering',
  'window', 'cwnd', 'initcwnd', 'initrwnd', 'ssthresh', 'realm', 'realms', 'rto_min', 'hoplimit', 'features', 'quickack',
  'congctl', 'pref', 'expires', 'weight', 'nhid', 'tos', 'dsfield', 'from', 'error', 'fastopen_no_cookie', 'ttl-propagate',
  'uid', 'mark', 'ipproto', 'sport', 'dport', 'label', 'age', 'users', 'used',
])

const ERROR_TEXT = /^(RTNETLINK answers:|Error:|Cannot |Object ".*" is unknown|Command ".*" is unknown|ip: |BusyBox )/

export function parseIpRouteText(text: string): Routes {
  assertText(text, 'ip route')
  const routes: Route[] = []
  const warnings: string[] = []
  const lines = splitLines(text)
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue
    if (/^\s/.test(line)) {
      // continuation: `\tnexthop via … dev … weight 1`, `    cache …`
      const last = routes[routes.length - 1]
      if (last) applyNexthop(last, line.trim().split(/\s+/))
      continue
    }
    if (/^Dump (was )?interrupted/i.test(line)) {
      warnings.push(`ip route: ${line.trim()}`)
      continue
    }
    const r = parseRouteLine(line)
    if (!r) {
      if (routes.length === 0) throw new ParseError(ERROR_TEXT.test(line.trim()) ? clip(line.trim(), 200) : `ip route: line ${i + 1} is not a route: ${clip(line)}`)
      warnings.push(`ip route: line ${i + 1} is not a route (${clip(line)}); stopped there`)
      break
    }
    routes.push(r)
  }
  return withWarnings(routes, warnings)
}

/** One route line, or undefined when the line does not start with a destination. */
export function parseRouteLine(line: string): Route | undefined {
  const tok = line.trim().split(/\s+/)
  let i = 0
  let type = 'unicast'
  if (tok[0] !== undefined && ROUTE_TYPES.has(tok[0])) {
    type = tok[0]
    i++
  }
  const rawDst = tok[i++]
  if (rawDst === undefined) return undefined
  const kv = keyValues(tok.slice(i))
  const gateway = kv.get('via')
  const family6 = [rawDst, gateway, kv.get('src')].some((s) => s?.includes(':')) || kv.has('pref')
  const dst = normaliseDst(rawDst, family6)
  if (!dst) return undefined
  const r: Route = {dst, table: kv.get('table') ?? 'main', type}
  if (gateway !== undefined) r.gateway = gateway
  const dev = kv.get('dev') ?? kv.get('oif')
  if (dev !== undefined) r.dev = dev
  const metric = kv.get('metric') ?? kv.get('preference')
  if (metric !== undefined && /^\d+$/.test(metric)) r.metric = Number(metric)
  const scope = kv.get('scope')
  if (scope !== undefined) r.scope = scope
  const protocol = kv.get('proto')
  if (protocol !== undefined) r.protocol = protocol
  const src = kv.get('src')
  if (src !== undefined) r.src = src
  const nh = tok.indexOf('nexthop', i)
  if (nh !== -1) applyNexthop(r, tok.slice(nh))
  return r
}

/** `key value` pairs of a route line, first occurrence wins; `via inet6 X` reads as `via X`. */
export function keyValues(tok: readonly string[]): Map<string, string> {
  const kv = new Map<string, string>()
  for (let i = 0; i < tok.length; i++) {
    const key = tok[i] ?? ''
    if (key === 'nexthop') break
    if (!VALUE_KEYS.has(key)) continue
    let value = tok[i + 1]
    if (key === 'via' && (value === 'inet' || value === 'inet6')) value = tok[++i + 1]
    // `mtu lock 1400`
    if (value === 'lock') value = tok[++i + 1]
    if (value === undefined) break
    if (!kv.has(key)) kv.set(key, value)
    i++
  }
  return kv
}

function applyNexthop(r: Route, tok: string[]): void {
  if (tok[0] !== 'nexthop') return
  const kv = keyValues(tok.slice(1))
  const via = kv.get('via')
  if (r.gateway === undefined && via !== undefined) r.gateway = via
  const dev = kv.get('dev')
  if (r.dev === undefined && dev !== undefined) r.dev = dev
}
