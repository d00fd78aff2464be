/**
 * `ip route get 169.254.169.254`, text or `-json`. Real samples, iproute2 6.1, a guest whose
 * only match is the zeroconf route (on-link, no `via`):
 *
 * ```
 * 169.254.169.254 dev eth0 src 10.0.0.5 uid 0
 *     cache
 * [{"dst":"169.254.169.254","dev":"eth0","prefsrc":"10.0.0.5","flags":[],"uid":0,"cache":[]}]
 * ```
 *
 * and with a DHCP option 121 host route: `169.254.169.254 via 10.0.0.2 dev eth0 src 10.0.0.5 uid 0`.
 *
 * Contract:
 * - Normalised: `dst` is the address as printed (no prefix); `onLink` is true when the kernel
 *   sends straight to the destination (no gateway), i.e. the guest ARPs for the address
 *   itself (seed 003). A `local` answer (the guest holds the address) is not on-link.
 * - Refused (ParseError): empty output, or an error instead of a route; the message is the
 *   tool's own (`RTNETLINK answers: Network is unreachable`).
 * - Partial: only the first route is read; the `cache` line is ignored.
 */
import {clip, ipValue, splitLines} from './guest-addr.js'
import {isRecord, parseJsonObjects, str} from './guest-json.js'
import {keyValues, ROUTE_TYPES} from './guest-ip-route-text.js'
import {assertText, ParseError} from './errors.js'

export interface RouteGet {
  dst: string
  gateway?: string
  dev?: string
  src?: string
  /** no gateway: the destination itself must answer ARP/ND */
  onLink: boolean
  /** `unicast` unless the kernel said `local`, `broadcast`, … */
  type?: string
}

export function parseIpRouteGet(text: string): RouteGet {
  assertText(text, 'ip route get')
  const t = text.trim()
  if (t === '') throw new ParseError('ip route get: empty output')
  if (t.startsWith('[') || t.startsWith('{')) return fromJson(t)
  const first = splitLines(t)[0]?.trim() ?? ''
  const tok = first.split(/\s+/)
  let i = 0
  let type = 'unicast'
  if (ROUTE_TYPES.has(tok[0] ?? '')) type = tok[i++] ?? type
  const dst = tok[i++] ?? ''
  if (!ipValue(dst)) throw new ParseError(clip(first, 200))
  const kv = keyValues(tok.slice(i))
  return build(dst, type, kv.get('via'), kv.get('dev'), kv.get('src'))
}

function fromJson(t: string): RouteGet {
  const {items} = parseJsonObjects(t, 'ip -json route get')
  const o = items[0]
  const dst = o === undefined ? undefined : str(o.dst)
  if (o === undefined || dst === undefined || !ipValue(dst)) throw new ParseError('ip -json route get: no route object with a dst')
  const via = isRecord(o.via) ? str(o.via.host) : undefined
  return build(dst, str(o.type) ?? 'unicast', str(o.gateway) ?? via, str(o.dev), str(o.prefsrc))
}

function build(dst: string, type: string, gateway?: string, dev?: string, src?: string): RouteGet {
  const r: RouteGet = {dst, onLink: gateway === undefined && (type === 'unicast' || type === 'broadcast' || type === 'multicast'), type}
  if (gateway !== undefined) r.gateway = gateway
  if (dev !== undefined) r.dev = dev
  if (src !== undefined) r.src = src
  return r
}
