// What neutron-metadata-agent does with X-Forwarded-For (netaddr.IPAddress): IPv4 or IPv6 only,
// IPv4-mapped IPv6 turned back into IPv4, and IPv6 link-local turned into the port's MAC (EUI-64,
// oslo netutils.get_mac_addr_by_ipv6).
import {isIP} from 'node:net'

export interface ClientAddress {
  /** the address the port lookup uses (canonical form) */
  ip: string
  /** set for IPv6 link-local addresses: neutron looks those up by MAC */
  mac?: string
}

const MAPPED = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i

/**
 * The proxy's view of its client: `::ffff:a.b.c.d` (dual-stack listener) becomes `a.b.c.d`, and a
 * link-local address loses its `%zone` (an X-Forwarded-For value carries none).
 */
export function unmapIPv4(address: string): string {
  const m = MAPPED.exec(address)
  if (m) return m[1] as string
  const zone = address.indexOf('%')
  return zone === -1 ? address : address.slice(0, zone)
}

/** Canonical text of an IP address (`fd00:0::5` -> `fd00::5`), or null when it is not one. */
export function canonicalIp(value: string): string | null {
  const family = isIP(value)
  if (family === 4) return value
  if (family !== 6 || value.includes('%')) return null
  try {
    return new URL(`http://[${value}]/`).hostname.slice(1, -1)
  } catch {
    return null
  }
}

function ipv6Groups(canonical: string): number[] {
  let s = canonical
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s)
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number]
    s = s.slice(0, dotted.index) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16)
  }
  const [head = '', tail] = s.split('::')
  const parse = (h: string): number[] => (h === '' ? [] : h.split(':').map((g) => Number.parseInt(g, 16)))
  const h = parse(head)
  const t = tail === undefined ? [] : parse(tail)
  return [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t]
}

/**
 * Parse an X-Forwarded-For value the way the agent does; `null` means netaddr would raise, which
 * makes the 2025.1+ agent drop the connection without a reply.
 */
export function parseForwardedFor(value: string | undefined): ClientAddress | null {
  if (value === undefined) return null
  const canonical = canonicalIp(value.trim())
  if (canonical === null) return null
  if (isIP(canonical) === 4) return {ip: canonical}
  const g = ipv6Groups(canonical)
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    const [hi = 0, lo = 0] = g.slice(6)
    return {ip: [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.')}
  }
  if (((g[0] ?? 0) & 0xffc0) !== 0xfe80) return {ip: canonical}
  const [g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g.slice(4)
  const bytes = [(g4 >> 8) ^ 0x02, g4 & 0xff, g5 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff]
  return {ip: canonical, mac: bytes.map((b) => b.toString(16).padStart(2, '0')).join(':')}
}
