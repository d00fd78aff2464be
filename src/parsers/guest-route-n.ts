/**
 * `route -n` (net-tools, busybox), also `route` without `-n` and `netstat -rn`. Real sample
 * from a guest with a DHCP-pushed metadata host route (seed 002):
 *
 * ```
 * Kernel IP routing table
 * Destination     Gateway         Genmask         Flags Metric Ref    Use Iface
 * 0.0.0.0         10.0.0.126      0.0.0.0         UG    0      0        0 eth0
 * 10.0.0.64       0.0.0.0         255.255.255.192 U     0      0        0 eth0
 * 169.254.169.254 10.0.0.66       255.255.255.255 UGH   0      0        0 eth0
 * ```
 *
 * Contract:
 * - Normalised: Destination + Genmask → CIDR `dst`; a gateway of `0.0.0.0` or `*` (or no G
 *   flag) means none; flag `!` (reject) → type `unreachable`, else `unicast`; table `main`.
 *   Without `-n` route prints names: `default`, `link-local` (169.254.0.0, from RHEL's
 *   /etc/networks, seed 003) and `loopback` are translated; a row with any other name as
 *   its destination is skipped with a warning, a named gateway is kept as printed.
 * - Refused (ParseError): binary data, text without the `Destination … Iface` header.
 * - Partial: a row with the wrong number of columns or an invalid mask ends the list there.
 */
import {clip, isIPv4Address, maskToPrefix, splitLines, withWarnings} from './guest-addr.js'
import {assertText, ParseError} from './errors.js'
import type {Route, Routes} from './guest-ip-route.js'

// What `route` without -n prints instead of numbers (getnetbyaddr via /etc/networks).
const NETWORK_NAMES: Record<string, string> = {default: '0.0.0.0', 'link-local': '169.254.0.0', loopback: '127.0.0.0'}

export function parseRouteN(text: string): Routes {
  assertText(text, 'route -n')
  const lines = splitLines(text)
  const headerAt = lines.findIndex((l) => /^\s*Destination\s+Gateway\s+Genmask\s+Flags\b/.test(l))
  if (headerAt === -1) {
    const first = lines.find((l) => l.trim() !== '')?.trim() ?? ''
    if (first === '' || /^Kernel IP routing table$/.test(first)) return withWarnings([], [])
    throw new ParseError(`route -n: no "Destination Gateway Genmask Flags" header: ${clip(first)}`)
  }
  const cols = (lines[headerAt] ?? '').trim().split(/\s+/)
  const at = (name: string): number => cols.indexOf(name)
  const routes: Route[] = []
  const warnings: string[] = []
  for (let i = headerAt + 1; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (line.trim() === '') continue
    const tok = line.trim().split(/\s+/)
    if (tok.length !== cols.length) {
      warnings.push(`route -n: line ${i + 1} has ${tok.length} columns, header has ${cols.length} (${clip(line)}); stopped there`)
      break
    }
    const get = (name: string): string | undefined => (at(name) === -1 ? undefined : tok[at(name)])
    const dest = get('Destination') ?? ''
    const destIp = NETWORK_NAMES[dest] ?? dest
    if (!isIPv4Address(destIp)) {
      warnings.push(`route -n: line ${i + 1}: destination "${clip(dest, 40)}" is a name, not an address (run route with -n); row skipped`)
      continue
    }
    const prefix = maskToPrefix(get('Genmask') ?? '')
    if (prefix === undefined) {
      warnings.push(`route -n: line ${i + 1}: invalid Genmask "${clip(get('Genmask') ?? '', 40)}"; stopped there`)
      break
    }
    const flags = get('Flags') ?? ''
    const r: Route = {dst: `${destIp}/${prefix}`, table: 'main', type: flags.includes('!') ? 'unreachable' : 'unicast'}
    const gw = get('Gateway') ?? '*'
    if (gw !== '*' && gw !== '0.0.0.0' && flags.includes('G')) {
      r.gateway = gw
      if (!isIPv4Address(gw)) warnings.push(`route -n: line ${i + 1}: gateway "${clip(gw, 40)}" is a name, not an address (run route with -n)`)
    }
    const dev = get('Iface')
    if (dev !== undefined && dev !== '-' && dev !== '*') r.dev = dev
    const metric = get('Metric')
    if (metric !== undefined && /^\d+$/.test(metric)) r.metric = Number(metric)
    routes.push(r)
  }
  return withWarnings(routes, warnings)
}
