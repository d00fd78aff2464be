/**
 * systemd-networkd DHCPv4 lease files, `/run/systemd/netif/leases/<ifindex>`. Three formats,
 * by systemd age (src/libsystemd-network/sd-dhcp-lease.c). The first is a real lease written
 * by systemd-networkd 252 from dnsmasq serving neutron's opts lines:
 *
 * ```
 * # This is private data. Do not parse.        (systemd 252, real: CLASSLESS_ROUTES for option 121)
 * ADDRESS=10.0.0.20
 * NETMASK=255.255.255.0
 * ROUTER=10.0.0.1
 * SERVER_ADDRESS=10.0.0.2
 * NEXT_SERVER=10.0.0.2
 * BROADCAST=10.0.0.255
 * T1=300
 * T2=525
 * LIFETIME=600
 * HOSTNAME=vm
 * CLASSLESS_ROUTES=169.254.169.254/32,10.0.0.2 0.0.0.0/0,10.0.0.1
 * CLIENTID=ff83158e0400020000ab110033bdebf95e192c
 *
 * ROUTES=169.254.169.254/32,10.0.0.2 0.0.0.0/0,10.0.0.1     (oldest: one key for options 33 + 121)
 * STATIC_ROUTES=10.1.0.0/16,10.0.0.3                        (with CLASSLESS_ROUTES: option 33 apart)
 *
 * {"Address":[10,0,0,5],"AddressString":"10.0.0.5","Router":[[10,0,0,1]],        (newest: JSON)
 *  "Server_Address":[10,0,0,2],"Classless_Routes":[{"Destination":[169,254,169,254],
 *  "DestinationString":"169.254.169.254","Gateway":[10,0,0,2],"GatewayString":"10.0.0.2",
 *  "DestinationPrefixLength":32}]}
 * ```
 *
 * The JSON writer (`dhcp_lease_append_json`) emits addresses as byte arrays, plus a
 * `…String` twin for route and address fields; both spellings are read.
 *
 * Contract:
 * - Returns one lease (the file describes one interface; it names no interface, the file
 *   name is the ifindex). `ROUTES` (oldest) is reported as `classlessRoutes`.
 * - Refused (ParseError): binary data, JSON that does not parse (a cut-off JSON lease cannot
 *   be trusted), text with no KEY=VALUE line.
 * - Partial: a route list that does not decode keeps the routes before the defect; a line
 *   that is not KEY=VALUE ends the env format there. `.warnings` names each.
 */
import {clip, isIPv4Address, splitLines, withWarnings} from './guest-addr.js'
import {isRecord, num} from './guest-json.js'
import {parseRouteOption, setMtu, splitAddresses, type DecodedRoutes, type Lease, type StaticRoute} from './guest-dhcp-routes.js'
import {assertText, ParseError} from './errors.js'
import type {Leases} from './guest-dhclient-lease.js'

export function parseNetworkdLease(text: string): Leases {
  assertText(text, 'networkd lease')
  const t = text.trim()
  if (t === '') return withWarnings([], [])
  return t.startsWith('{') ? fromJson(t) : fromEnv(text)
}

function fromEnv(text: string): Leases {
  const lease: Lease = {format: 'networkd-env'}
  const warnings: string[] = []
  let pairs = 0
  for (const [i, raw] of splitLines(text).entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line)
    if (!m) {
      if (pairs === 0) throw new ParseError(`networkd lease: line ${i + 1} is not KEY=VALUE: ${clip(line)}`)
      warnings.push(`networkd lease: line ${i + 1} is not KEY=VALUE (${clip(line)}); stopped there`)
      break
    }
    pairs++
    const [, key = '', value = ''] = m
    const decode = (field: 'classlessRoutes' | 'staticRoutes', r: DecodedRoutes): void => {
      lease[field] = r.routes
      if (r.error !== undefined) warnings.push(`networkd lease: ${key}: ${r.error}`)
    }
    if (key === 'ADDRESS') lease.address = value
    else if (key === 'ROUTER') lease.routers = splitAddresses(value)
    else if (key === 'SERVER_ADDRESS') lease.serverId = value
    else if (key === 'MTU') setMtu(lease, value)
    else if (key === 'CLASSLESS_ROUTES' || key === 'ROUTES') decode('classlessRoutes', parseRouteOption(value))
    else if (key === 'STATIC_ROUTES') decode('staticRoutes', parseRouteOption(value))
  }
  if (pairs === 0) throw new ParseError('networkd lease: no KEY=VALUE line')
  return withWarnings([lease], warnings)
}

function fromJson(t: string): Leases {
  let v: unknown
  try {
    v = JSON.parse(t)
  } catch (e) {
    throw new ParseError(`networkd lease: invalid JSON (${e instanceof Error ? clip(e.message, 80) : 'parse error'})`)
  }
  if (!isRecord(v)) throw new ParseError('networkd lease: JSON is not an object')
  const warnings: string[] = []
  const lease: Lease = {format: 'networkd-json'}
  const address = addr(v.AddressString) ?? addr(v.Address)
  if (address !== undefined) lease.address = address
  if (Array.isArray(v.Router)) lease.routers = v.Router.map(addr).filter((a): a is string => a !== undefined)
  const server = addr(v.Server_AddressString) ?? addr(v.Server_Address)
  if (server !== undefined) lease.serverId = server
  const classless = routes(v.Classless_Routes, 'Classless_Routes', warnings)
  if (classless) lease.classlessRoutes = classless
  const statics = routes(v.Static_Routes, 'Static_Routes', warnings)
  if (statics) lease.staticRoutes = statics
  return withWarnings([lease], warnings)
}

/** `[10,0,0,1]` or `"10.0.0.1"` → `10.0.0.1`. */
function addr(v: unknown): string | undefined {
  if (typeof v === 'string') return isIPv4Address(v) ? v : undefined
  if (Array.isArray(v) && v.length === 4 && v.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) return v.join('.')
  return undefined
}

function routes(v: unknown, key: string, warnings: string[]): StaticRoute[] | undefined {
  if (v === undefined) return undefined
  if (!Array.isArray(v)) {
    warnings.push(`networkd lease: ${key} is not an array`)
    return undefined
  }
  const out: StaticRoute[] = []
  for (const [i, r] of v.entries()) {
    const dst = isRecord(r) ? (addr(r.DestinationString) ?? addr(r.Destination)) : undefined
    const gw = isRecord(r) ? (addr(r.GatewayString) ?? addr(r.Gateway)) : undefined
    const plen = isRecord(r) ? num(r.DestinationPrefixLength) : undefined
    if (dst === undefined || gw === undefined || plen === undefined || plen > 32) {
      warnings.push(`networkd lease: ${key}[${i}] is not {Destination, DestinationPrefixLength, Gateway}; stopped there`)
      break
    }
    out.push({dst: `${dst}/${plen}`, gateway: gw})
  }
  return out
}
