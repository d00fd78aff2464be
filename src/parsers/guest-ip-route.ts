/**
 * `ip -json route show table all` (and `ip -json route`), iproute2 6.1, in a namespace with
 * the RHEL zeroconf route:
 *
 * ```
 * [{"dst":"default","gateway":"10.0.0.1","dev":"eth0","flags":[]},
 *  {"dst":"10.0.0.0/24","dev":"eth0","protocol":"kernel","scope":"link","prefsrc":"10.0.0.5","flags":[]},
 *  {"dst":"169.254.0.0/16","dev":"eth0","scope":"link","metric":1002,"flags":[]},
 *  {"type":"local","dst":"10.0.0.5","dev":"eth0","table":"local","protocol":"kernel","scope":"host","prefsrc":"10.0.0.5","flags":[]},
 *  {"dst":"fe80::/64","dev":"eth0","protocol":"kernel","metric":256,"flags":[],"pref":"medium"}]
 * ```
 *
 * Contract:
 * - Normalised: `dst` is always CIDR (`default` → `0.0.0.0/0` or `::/0`, a bare address →
 *   /32 or /128); `table` defaults to `main` and `type` to `unicast` (iproute2 omits both);
 *   `prefsrc` becomes `src`; a multipath route takes the gateway/dev of its first nexthop.
 * - Refused (ParseError): binary data, text that is not JSON (e.g. `RTNETLINK answers: …`),
 *   JSON with no usable route at all.
 * - Partial: a capture cut off mid-way returns the routes before the cut; a record without a
 *   usable `dst` ends the list there. Both are named in `.warnings`.
 */
import {cidrContains, clip, ipValue, normaliseDst, parseCidr, withWarnings, type WithWarnings} from './guest-addr.js'
import {isRecord, num, parseJsonObjects, str} from './guest-json.js'
import {assertText} from './errors.js'

export interface Route {
  /** CIDR; `default` → `0.0.0.0/0`, a bare address → /32 */
  dst: string
  gateway?: string
  dev?: string
  metric?: number
  scope?: string
  protocol?: string
  /** `main` unless the tool said otherwise */
  table?: string
  /** `unicast` unless the tool said otherwise (`local`, `broadcast`, `unreachable`, …) */
  type?: string
  src?: string
}

export type Routes = WithWarnings<Route>

export function parseIpRouteJson(text: string): Routes {
  assertText(text, 'ip -json route')
  const {items, warnings} = parseJsonObjects(text, 'ip -json route')
  const routes: Route[] = []
  for (const [i, item] of items.entries()) {
    const r = routeFromJson(item)
    if (!r) {
      warnings.push(`ip -json route: element ${i} has no usable dst (${clip(JSON.stringify(item.dst) ?? 'missing')}); stopped there`)
      break
    }
    routes.push(r)
  }
  return withWarnings(routes, warnings)
}

function routeFromJson(o: Record<string, unknown>): Route | undefined {
  const rawDst = str(o.dst)
  if (rawDst === undefined) return undefined
  let gateway = gatewayOf(o.gateway) ?? gatewayOf(o.via)
  let dev = str(o.dev)
  if (Array.isArray(o.nexthops)) {
    const first: unknown = o.nexthops[0]
    if (isRecord(first)) {
      gateway ??= gatewayOf(first.gateway) ?? gatewayOf(first.via)
      dev ??= str(first.dev)
    }
  }
  const src = str(o.prefsrc)
  const family6 = [rawDst, gateway, src].some((s) => s?.includes(':')) || o.pref !== undefined
  const dst = normaliseDst(rawDst, family6)
  if (!dst) return undefined
  const r: Route = {dst, table: str(o.table) ?? 'main', type: str(o.type) ?? 'unicast'}
  if (gateway !== undefined) r.gateway = gateway
  if (dev !== undefined) r.dev = dev
  const metric = num(o.metric)
  if (metric !== undefined) r.metric = metric
  const scope = str(o.scope)
  if (scope !== undefined) r.scope = scope
  const protocol = str(o.protocol)
  if (protocol !== undefined) r.protocol = protocol
  if (src !== undefined) r.src = src
  return r
}

// Newer iproute2 prints `"via":{"family":"inet6","host":"fe80::1"}` for cross-family gateways.
function gatewayOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v
  if (isRecord(v)) return str(v.host)
  return undefined
}

/**
 * The route the kernel would use for `ip` from the main table: unicast routes only, longest
 * prefix wins, then the lowest metric (absent = 0). Policy routing rules are not modelled.
 */
export function pickRoute(routes: readonly Route[], ip: string): Route | undefined {
  const addr = ipValue(ip)
  if (!addr) return undefined
  let best: {route: Route; prefix: number; metric: number} | undefined
  for (const route of routes) {
    if ((route.table ?? 'main') !== 'main') continue
    if ((route.type ?? 'unicast') !== 'unicast') continue
    const c = parseCidr(route.dst)
    if (!c || !cidrContains(c, addr)) continue
    const metric = route.metric ?? 0
    if (!best || c.prefix > best.prefix || (c.prefix === best.prefix && metric < best.metric)) best = {route, prefix: c.prefix, metric}
  }
  return best?.route
}
