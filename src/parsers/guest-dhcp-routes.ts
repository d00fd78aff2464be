/**
 * DHCP route options (121 classless, 249 Microsoft classless, 33 classful) as the guest DHCP
 * clients write them, and the lease record all lease parsers return. Pure, no I/O.
 *
 * The same route list (neutron's `169.254.169.254/32,10.0.0.2,0.0.0.0/0,10.0.0.1`) appears as:
 * - RFC 3442 bytes, decimal: `32,169,254,169,254,10,0,0,2,0,10,0,0,1` (dhclient, declared option)
 * - RFC 3442 bytes, colon hex: `20:a9:fe:a9:fe:a:0:0:2:0:a:0:0:1` (dhclient `unknown-121`)
 * - RFC 3442 bytes, space/dot decimal: `32 169 254 169 254 10 0 0 2 0 10 0 0 1` (NetworkManager
 *   with dhclient), `32.169.254.169.254 10.0.0.2 0 10.0.0.1` (Fedora dhclient)
 * - pairs: `169.254.169.254/32 10.0.0.2 0.0.0.0/0 10.0.0.1` (dhcpcd, NM internal client) and
 *   `169.254.169.254/32,10.0.0.2 0.0.0.0/0,10.0.0.1` (systemd-networkd)
 *
 * Contract: `decodeRfc3442` is strict and throws ParseError on a truncated encoding or a
 * prefix length above 32. `parseRouteOption` never throws: it returns the routes decoded
 * before the first defect and names the defect in `error`.
 */
import {clip, isIPv4Address} from './guest-addr.js'
import {ParseError} from './errors.js'

export interface StaticRoute {
  /** CIDR */
  dst: string
  gateway: string
}

export interface Lease {
  iface?: string
  address?: string
  routers?: string[]
  /** option 121, decoded */
  classlessRoutes?: StaticRoute[]
  /** option 249, decoded */
  msClasslessRoutes?: StaticRoute[]
  /** option 33 (classful static routes), decoded */
  staticRoutes?: StaticRoute[]
  serverId?: string
  /** option 26 interface-mtu (OVN hands out 1442 on geneve networks) */
  mtu?: number
  /** as the client wrote it (dhclient `6 2026/11/21 10:06:45`, NM epoch seconds) */
  expire?: string
  /** `dhclient`, `networkd-env`, `networkd-json`, `nmcli`, `dhcpcd` */
  format: string
}

export interface DecodedRoutes {
  routes: StaticRoute[]
  error?: string
}

/** RFC 3442 option bytes → routes; throws ParseError on a malformed encoding. */
export function decodeRfc3442(bytes: number[]): StaticRoute[] {
  const r = decodeRfc3442Partial(bytes)
  if (r.error !== undefined) throw new ParseError(r.error)
  return r.routes
}

export function decodeRfc3442Partial(bytes: readonly number[]): DecodedRoutes {
  const routes: StaticRoute[] = []
  let i = 0
  while (i < bytes.length) {
    const bad = bytes.slice(i, i + 1).find((b) => !Number.isInteger(b) || b < 0 || b > 255)
    if (bad !== undefined) return {routes, error: `RFC 3442: byte ${i} is ${bad}, not 0-255`}
    const plen = bytes[i] ?? 0
    if (plen > 32) return {routes, error: `RFC 3442: prefix length ${plen} at byte ${i} is above 32`}
    const n = Math.ceil(plen / 8)
    const need = 1 + n + 4
    if (i + need > bytes.length) return {routes, error: `RFC 3442: truncated at byte ${i} (route /${plen} needs ${need} bytes, ${bytes.length - i} left)`}
    const chunk = bytes.slice(i + 1, i + need)
    const badByte = chunk.find((b) => !Number.isInteger(b) || b < 0 || b > 255)
    if (badByte !== undefined) return {routes, error: `RFC 3442: byte value ${badByte} is not 0-255`}
    const dst = [...chunk.slice(0, n), 0, 0, 0, 0].slice(0, 4)
    routes.push({dst: `${dst.join('.')}/${plen}`, gateway: chunk.slice(n, n + 4).join('.')})
    i += need
  }
  return {routes}
}

/**
 * Any of the textual forms above. `quoted` strings (dhclient prints an unknown option as a
 * string when every byte is printable) are decoded with their octal escapes.
 */
export function parseRouteOption(value: string): DecodedRoutes {
  const v = value.trim().replace(/;$/, '').trim()
  if (v === '') return {routes: []}
  if (v.includes('/')) return parsePairs(v)
  const bytes = v.startsWith('"') ? quotedBytes(v) : v.includes(':') ? hexBytes(v) : decimalBytes(v)
  if (typeof bytes === 'string') return {routes: [], error: bytes}
  return decodeRfc3442Partial(bytes)
}

function hexBytes(v: string): number[] | string {
  const parts = v.split(':').map((p) => p.trim())
  if (parts.some((p) => !/^[0-9a-f]{1,2}$/i.test(p))) return `not colon-separated hex bytes: ${clip(v, 60)}`
  return parts.map((p) => parseInt(p, 16))
}

function decimalBytes(v: string): number[] | string {
  const parts = v.split(/[\s,.]+/).filter((p) => p !== '')
  if (parts.some((p) => !/^\d{1,3}$/.test(p))) return `not a list of decimal bytes: ${clip(v, 60)}`
  return parts.map(Number)
}

// dhclient's pretty_print_option escapes non-printables as \ooo and `"`/`\` with a backslash.
function quotedBytes(v: string): number[] | string {
  const m = /^"((?:[^"\\]|\\.)*)"$/s.exec(v)
  if (!m) return `unterminated quoted string: ${clip(v, 60)}`
  const body = m[1] ?? ''
  const out: number[] = []
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] ?? ''
    if (ch === '\\') {
      const oct = /^[0-7]{3}/.exec(body.slice(i + 1, i + 4))
      if (oct) {
        out.push(parseInt(oct[0], 8))
        i += 3
      } else {
        out.push((body[i + 1] ?? '').charCodeAt(0))
        i++
      }
    } else out.push(ch.charCodeAt(0))
  }
  return out
}

/** `dst/len gw dst/len gw` or `dst/len,gw dst/len,gw`. */
function parsePairs(v: string): DecodedRoutes {
  const tok = v.split(/[\s,]+/).filter((t) => t !== '')
  const routes: StaticRoute[] = []
  for (let i = 0; i < tok.length; i += 2) {
    const dst = tok[i] ?? ''
    const gw = tok[i + 1]
    const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(dst)
    if (!m || !isIPv4Address(m[1] ?? '') || Number(m[2]) > 32) return {routes, error: `route ${routes.length + 1}: "${clip(dst, 40)}" is not an IPv4 CIDR`}
    if (gw === undefined) return {routes, error: `route ${routes.length + 1}: ${dst} has no gateway (truncated?)`}
    if (!isIPv4Address(gw)) return {routes, error: `route ${routes.length + 1}: gateway "${clip(gw, 40)}" is not an IPv4 address`}
    routes.push({dst, gateway: gw})
  }
  return {routes}
}

/**
 * Option 33 as `dst gw dst gw` (dhcpcd, NM) or `dst gw, dst gw` (dhclient). Option 33 has no
 * mask; the classful one applies, or /32 when the address has host bits (RFC 2132, RFC 943).
 */
export function parseClassfulRoutes(value: string): DecodedRoutes {
  const tok = value.split(/[\s,]+/).filter((t) => t !== '')
  const routes: StaticRoute[] = []
  for (let i = 0; i < tok.length; i += 2) {
    const dst = tok[i] ?? ''
    const gw = tok[i + 1]
    if (!isIPv4Address(dst) || gw === undefined || !isIPv4Address(gw)) return {routes, error: `static route ${routes.length + 1}: "${clip(`${dst} ${gw ?? ''}`, 60)}" is not "address gateway"`}
    routes.push({dst: `${dst}/${classfulPrefix(dst)}`, gateway: gw})
  }
  return {routes}
}

function classfulPrefix(ip: string): number {
  const o = ip.split('.').map(Number)
  const a = o[0] ?? 0
  const prefix = a < 128 ? 8 : a < 192 ? 16 : a < 224 ? 24 : 32
  const hostBits = o.slice(prefix / 8).some((x) => x !== 0)
  return hostBits ? 32 : prefix
}

/** option 26 as written (`1442`); anything but a plausible MTU is left out */
export function setMtu(lease: Lease, value: string): void {
  const n = /^\d{2,5}$/.test(value.trim()) ? Number(value.trim()) : Number.NaN
  if (n >= 68 && n <= 65535) lease.mtu = n
}

/** `10.0.0.1 10.0.0.3` or `10.0.0.1,10.0.0.3` → addresses. */
export function splitAddresses(value: string): string[] {
  return value.split(/[\s,]+/).filter((t) => t !== '')
}

/**
 * Apply one option named the way dhclient-script, dhcpcd and NetworkManager name them
 * (`ip_address`, `routers`, `classless_static_routes`, …) to a lease. Undecodable route lists
 * keep what was decoded and say why in `warnings`.
 */
export function applyNamedOption(lease: Lease, name: string, value: string, warnings: string[]): void {
  const decode = (field: 'classlessRoutes' | 'msClasslessRoutes' | 'staticRoutes', r: DecodedRoutes): void => {
    lease[field] = r.routes
    if (r.error !== undefined) warnings.push(`${lease.format}${lease.iface ? ` ${lease.iface}` : ''}: ${name}: ${r.error}`)
  }
  switch (name) {
    case 'interface':
      lease.iface = value
      break
    case 'ip_address':
      lease.address = value
      break
    case 'routers':
      lease.routers = splitAddresses(value)
      break
    case 'dhcp_server_identifier':
      lease.serverId = value
      break
    case 'interface_mtu':
      setMtu(lease, value)
      break
    case 'expiry':
      lease.expire = value
      break
    case 'rfc3442_classless_static_routes':
    case 'classless_static_routes':
      decode('classlessRoutes', parseRouteOption(value))
      break
    case 'ms_classless_static_routes':
      decode('msClasslessRoutes', parseRouteOption(value))
      break
    case 'static_routes':
      decode('staticRoutes', parseClassfulRoutes(value))
      break
  }
}
