/**
 * ISC dhclient lease files (`/var/lib/dhcp/dhclient.<if>.leases`, `/var/lib/dhclient/*.lease`,
 * NetworkManager's `/var/lib/NetworkManager/dhclient-*.lease`, cloud-init's
 * `/run/dhclient.lease`). Real sample written by dhclient 4.4.3 from a dnsmasq 2.90 serving
 * neutron's opts lines, with Debian's dhclient.conf (which declares option 121):
 *
 * ```
 * lease {
 *   interface "eth0";
 *   fixed-address 10.0.0.18;
 *   option subnet-mask 255.255.255.0;
 *   option routers 10.0.0.1;
 *   option dhcp-lease-time 600;
 *   option dhcp-message-type 5;
 *   option dhcp-server-identifier 10.0.0.2;
 *   option dhcp-renewal-time 300;
 *   option rfc3442-classless-static-routes 32,169,254,169,254,10,0,0,2,0,10,0,0,1;
 *   option broadcast-address 10.0.0.255;
 *   option dhcp-rebinding-time 525;
 *   option host-name "vm";
 *   renew 6 2026/11/21 10:15:17;
 *   rebind 6 2026/11/21 10:19:15;
 *   expire 6 2026/11/21 10:20:30;
 * }
 * ```
 *
 * Without a declaration dhclient writes `option unknown-121 20:a9:fe:a9:fe:a:0:0:2:0:a:0:0:1;`
 * (colon hex, leading zeros dropped), and option 249 as `unknown-249` the same way.
 *
 * Contract:
 * - Every `lease { … }` block is returned in file order (dhclient appends; the last one is the
 *   newest, picking it is the caller's choice). `lease6` blocks are skipped.
 * - Option 121 is read from `rfc3442-classless-static-routes`, `classless-static-routes` or
 *   `unknown-121`; option 249 from `ms-classless-static-routes` or `unknown-249`; option 33
 *   from `static-routes`. Decimal, colon-hex, quoted and Fedora dotted forms are decoded.
 * - Refused (ParseError): binary data; non-empty text with no lease block (wrong format).
 * - Partial: a block cut off by the end of the file is returned with what it had, minus the
 *   unfinished statement; a route option that does not decode keeps the routes before the
 *   defect. `.warnings` names each.
 */
import {clip, withWarnings, type WithWarnings} from './guest-addr.js'
import {parseClassfulRoutes, parseRouteOption, setMtu, splitAddresses, type DecodedRoutes, type Lease} from './guest-dhcp-routes.js'
import {assertText, ParseError} from './errors.js'

export {decodeRfc3442} from './guest-dhcp-routes.js'
export type {Lease, StaticRoute} from './guest-dhcp-routes.js'

export type Leases = WithWarnings<Lease>

const OPT121 = new Set(['rfc3442-classless-static-routes', 'classless-static-routes', 'unknown-121'])
const OPT249 = new Set(['ms-classless-static-routes', 'unknown-249'])
// what dhclient writes outside lease blocks (the DUID lines come from DHCPv6 use)
const TOP_LEVEL = new Set(['default-duid', 'server-duid', 'authring', 'key'])

type Token = {kind: 'word' | 'string' | '{' | '}' | ';'; text: string; line: number}

export function parseDhclientLeases(text: string): Leases {
  assertText(text, 'dhclient lease file')
  const toks = tokenize(text)
  const leases: Lease[] = []
  const warnings: string[] = []
  let i = 0
  let sawBlock = false
  let foreign: string | undefined
  while (i < toks.length) {
    const t = toks[i] as Token
    if (t.kind === 'word' && (t.text === 'lease' || t.text === 'lease6') && toks[i + 1]?.kind === '{') {
      sawBlock = true
      const end = blockEnd(toks, i + 1)
      if (t.text === 'lease') {
        const lease = readLease(toks.slice(i + 2, end ?? toks.length), leases.length + 1, warnings)
        leases.push(lease)
        if (end === undefined) warnings.push(`dhclient lease ${leases.length} (line ${t.line}) is not closed: the file is truncated`)
      }
      if (end === undefined) break
      i = end + 1
      continue
    }
    // top-level statements such as `default-duid "…";`
    let semi = i
    while (semi < toks.length && toks[semi]?.kind !== ';' && toks[semi]?.kind !== '{' && toks[semi]?.kind !== '}') semi++
    if (toks[semi]?.kind !== ';' || t.kind !== 'word' || !/^[a-z][a-z0-9-]*$/.test(t.text)) {
      if (!sawBlock) throw new ParseError(`dhclient lease file: expected "lease {" at line ${t.line}, found ${clip(t.text, 60)}`)
      warnings.push(`dhclient lease file: unexpected ${clip(t.text, 60)} at line ${t.line}; stopped there`)
      break
    }
    if (!TOP_LEVEL.has(t.text)) foreign = foreign ?? `${t.text} (line ${t.line})`
    i = semi + 1
  }
  if (!sawBlock && foreign !== undefined) throw new ParseError(`dhclient lease file: no "lease {" block; found ${clip(foreign, 60)}`)
  return withWarnings(leases, warnings)
}

function blockEnd(toks: Token[], openAt: number): number | undefined {
  let depth = 0
  for (let j = openAt; j < toks.length; j++) {
    const k = toks[j]?.kind
    if (k === '{') depth++
    else if (k === '}' && --depth === 0) return j
  }
  return undefined
}

function readLease(body: Token[], n: number, warnings: string[]): Lease {
  const lease: Lease = {format: 'dhclient'}
  let stmt: Token[] = []
  let depth = 0
  for (const t of body) {
    if (t.kind === '{') depth++
    else if (t.kind === '}') depth--
    else if (t.kind === ';' && depth === 0) {
      applyStatement(lease, stmt, n, warnings)
      stmt = []
    } else if (depth === 0) stmt.push(t)
  }
  if (stmt.length > 0) warnings.push(`dhclient lease ${n}: unfinished statement "${clip(stmt.map((t) => t.text).join(' '), 60)}" ignored`)
  return lease
}

function applyStatement(lease: Lease, stmt: Token[], n: number, warnings: string[]): void {
  const [head, ...rest] = stmt
  if (!head) return
  const value = rest.map((t) => t.text).join(' ')
  const unquoted = rest[0]?.kind === 'string' && rest.length === 1 ? unquote(rest[0].text) : value
  switch (head.text) {
    case 'interface':
      lease.iface = unquoted
      return
    case 'fixed-address':
      lease.address = value
      return
    case 'expire':
      lease.expire = value
      return
    case 'option':
      break
    default:
      return
  }
  const [name, ...vals] = rest
  if (!name) return
  const optValue = vals.map((t) => t.text).join(' ')
  const decode = (key: 'classlessRoutes' | 'msClasslessRoutes' | 'staticRoutes', r: DecodedRoutes): void => {
    lease[key] = r.routes
    if (r.error !== undefined) warnings.push(`dhclient lease ${n}: option ${name.text}: ${r.error}`)
  }
  if (OPT121.has(name.text)) decode('classlessRoutes', parseRouteOption(optValue))
  else if (OPT249.has(name.text)) decode('msClasslessRoutes', parseRouteOption(optValue))
  else if (name.text === 'static-routes') decode('staticRoutes', parseClassfulRoutes(optValue))
  else if (name.text === 'routers') lease.routers = splitAddresses(optValue)
  else if (name.text === 'dhcp-server-identifier') lease.serverId = optValue
  else if (name.text === 'interface-mtu') setMtu(lease, optValue)
}

function unquote(s: string): string {
  return s.startsWith('"') && s.endsWith('"') && s.length >= 2 ? s.slice(1, -1).replace(/\\(.)/g, '$1') : s
}

function tokenize(text: string): Token[] {
  const toks: Token[] = []
  let line = 1
  let i = 0
  const n = text.length
  while (i < n) {
    const ch = text[i] as string
    if (ch === '\n') {
      line++
      i++
    } else if (ch === ' ' || ch === '\t' || ch === '\r') i++
    else if (ch === '#') {
      const nl = text.indexOf('\n', i)
      i = nl === -1 ? n : nl
    } else if (ch === '{' || ch === '}' || ch === ';') {
      toks.push({kind: ch, text: ch, line})
      i++
    } else if (ch === '"') {
      let j = i + 1
      while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1
      const s = text.slice(i, Math.min(j + 1, n))
      for (const c of s) if (c === '\n') line++
      toks.push({kind: 'string', text: s, line})
      i = j + 1
    } else {
      let j = i
      while (j < n && !/[\s{};"#]/.test(text[j] as string)) j++
      toks.push({kind: 'word', text: text.slice(i, j), line})
      i = j
    }
  }
  return toks
}
