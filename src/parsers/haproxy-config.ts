/**
 * The haproxy config neutron writes for the metadata proxy (`<state_path>/ns-metadata-proxy/<id>.conf`
 * or `ovn-metadata-proxy/<id>.conf`), in every template version: Pike (one add-header, `bind
 * 0.0.0.0:port`), Queens (log-tag), Stein (DHCP `bind 169.254.169.254:80`), Ussuri (del-header +
 * set-header), Victoria (`bind :::9697`, IPv6 `bind fe80::a9fe:a9fe:80 interface tap…`), 2023.2
 * (rate limiting), 2025.2 (nbthread), master (`bind [fe80::a9fe:a9fe]:80 interface tap…`), and OVN
 * (`add-header X-OVN-Network-ID`). Also fragments such as seed 002's.
 *
 * Real sample (rendered as neutron master renders it, accepted by `haproxy -c`; global/defaults cut):
 * ```
 * listen listener
 *     bind 169.254.169.254:80
 *     bind [fe80::a9fe:a9fe]:80 interface tap1332271e-0d
 *     server metadata /var/lib/neutron/metadata_proxy
 *
 *     http-request del-header X-Neutron-Router-ID
 *     http-request set-header X-Neutron-Network-ID 2c4b658c-f2a0-4a17-9ad2-c07e45e13a8a
 * ```
 *
 * Contract:
 * - bind: host and port split at the LAST colon, as haproxy does (`:::9697` → `::`,
 *   `fe80::a9fe:a9fe:80` → `fe80::a9fe:a9fe`), brackets and `ipv4@`/`ipv6@` prefixes removed, an
 *   empty host or `*` → `0.0.0.0` (haproxy: all IPv4 addresses); `a:1,b:2` gives two binds;
 *   `interface X` → `iface`; a unix bind (`/path`, `unix@/path`) has the path as address and port 0.
 *   `raw` keeps the line as written.
 * - server: `address` exactly as written (a unix socket path or host:port).
 * - headers: `http-request set-header|add-header|del-header NAME [VALUE…]` from any section.
 * - options (`option X` → `X`, `no option X` → `no X`, in order, repeats kept), timeouts (later sections override earlier ones),
 *   pidfile/user/group/log-tag from `global`; `rateLimit` when stick tables or 429 denies appear.
 * - Comments (`#` at line start or after a blank) are dropped; quotes and backslash escapes are
 *   honoured as haproxy does.
 * - warnings: a bind whose port is not a number, directives outside any section, more than one
 *   identity header (set/add of X-Neutron-Router-ID / X-Neutron-Network-ID / X-OVN-Network-ID), an
 *   unterminated quote (parsing stops there: a cut file).
 * - Refused with ParseError: binary data, and text with no haproxy section keyword and no known
 *   directive at all (e.g. `cat: …: No such file or directory`). Empty text → an empty config.
 */
import {assertText, ParseError} from './errors.js'

export interface HaproxyBind {
  address: string
  port: number
  iface?: string
  raw: string
}

export interface HaproxyServer {
  name: string
  /** unix path or host:port */
  address: string
  raw: string
}

export interface HaproxyHeader {
  action: 'set' | 'add' | 'del'
  name: string
  value?: string
}

export interface HaproxyConfig {
  binds: HaproxyBind[]
  servers: HaproxyServer[]
  headers: HaproxyHeader[]
  pidfile?: string
  user?: string
  group?: string
  logTag?: string
  options: string[]
  timeouts: Record<string, string>
  rateLimit: boolean
  warnings: string[]
}

export interface MetadataIdentity {
  kind: 'router' | 'network' | 'ovn-network'
  id: string
}

const SECTIONS = new Set([
  'global', 'defaults', 'listen', 'frontend', 'backend', 'userlist', 'peers', 'resolvers',
  'mailers', 'program', 'http-errors', 'ring', 'cache',
])
const KNOWN = new Set([
  'bind', 'server', 'http-request', 'http-response', 'option', 'timeout', 'log', 'log-tag', 'user',
  'group', 'maxconn', 'nbthread', 'pidfile', 'daemon', 'mode', 'retries', 'stick-table', 'balance',
  'default_backend', 'use_backend', 'acl', 'stats', 'monitor-uri', 'errorfile', 'chroot', 'nbproc',
  'no',
])
const IDENTITY = new Map<string, MetadataIdentity['kind']>([
  ['x-neutron-network-id', 'network'],
  ['x-neutron-router-id', 'router'],
  ['x-ovn-network-id', 'ovn-network'],
])

// Messages quote input, which can be hostile: one line, printable, short.
const clip = (s: string): string => {
  const one = s.slice(0, 81).replace(/[\u0000-\u001f\u007f]/g, ' ')
  return one.length > 80 ? `${one.slice(0, 80)}…` : one
}

/** haproxy's word splitting: blanks separate, quotes group, `\` escapes, `#` after a blank starts a comment. */
function words(line: string): string[] | undefined {
  const out: string[] = []
  let cur = ''
  let inWord = false
  let quote: string | undefined
  // Plain characters are copied in runs (slices): building a 1 MB line one character at a time is slow.
  let run = 0
  const flush = (i: number): void => {
    cur += line.slice(run, i)
    run = i + 1
  }
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string
    if (quote) {
      if (ch === '\\' && quote === '"' && i + 1 < line.length) {
        flush(i)
        i++
      } else if (ch === quote) {
        flush(i)
        quote = undefined
      }
      continue
    }
    if (ch === '\\' && i + 1 < line.length) {
      flush(i)
      i++
      inWord = true
    } else if (ch === '"' || ch === "'") {
      flush(i)
      quote = ch
      inWord = true
    } else if (ch === ' ' || ch === '\t') {
      flush(i)
      if (inWord) out.push(cur)
      cur = ''
      inWord = false
    } else if (ch === '#' && !inWord) {
      run = line.length
      break
    } else {
      inWord = true
    }
  }
  if (quote) return undefined
  flush(line.length)
  if (inWord) out.push(cur)
  return out
}

function parseBindAddress(spec: string): {address: string; port: number} | undefined {
  let s = spec.replace(/^(ipv4|ipv6|tcp4?|tcp6|udp4?|udp6)@/, '')
  if (s.startsWith('unix@') || s.startsWith('/') || s.startsWith('abns@')) return {address: s.replace(/^unix@/, ''), port: 0}
  const colon = s.lastIndexOf(':')
  if (colon === -1) return undefined
  const portText = s.slice(colon + 1)
  s = s.slice(0, colon)
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1)
  const address = s === '' || s === '*' ? '0.0.0.0' : s
  if (!/^\d{1,5}$/.test(portText)) return {address, port: Number.NaN}
  return {address, port: Number(portText)}
}

/** haproxy's LINESIZE (include/haproxy/defaults.h): a longer configuration line is an error to haproxy. */
const LINESIZE = 2048

export function parseHaproxyConfig(text: string): HaproxyConfig {
  assertText(text, 'haproxy config')
  // null prototype: a timeout named `__proto__` in hostile input stays a plain key
  const cfg: HaproxyConfig = {binds: [], headers: [], options: [], rateLimit: false, servers: [], timeouts: Object.create(null) as Record<string, string>, warnings: []}
  let sectionName: string | undefined
  let recognised = 0
  let outside = 0
  const lines = text.split(/\r?\n/)
  for (let n = 0; n < lines.length; n++) {
    const raw = (lines[n] as string).trim()
    if (raw === '' || raw.startsWith('#')) continue
    if (raw.length > LINESIZE) {
      // haproxy itself refuses such a line ("line too long"): it configures nothing
      cfg.warnings.push(`line ${n + 1}: ${raw.length} characters, longer than haproxy accepts (${LINESIZE}); ignored`)
      continue
    }
    const w = words(raw)
    if (!w) {
      cfg.warnings.push(`line ${n + 1}: unterminated quote ("${clip(raw)}"); the file looks cut, stopped here`)
      break
    }
    const [kw, ...args] = w
    if (kw === undefined) continue
    if (SECTIONS.has(kw)) {
      sectionName = kw
      recognised++
      continue
    }
    if (KNOWN.has(kw)) {
      recognised++
      if (!sectionName) outside++
    }
    switch (kw) {
      case 'bind': {
        const rest = args.slice(1)
        const ifaceAt = rest.indexOf('interface')
        const iface = ifaceAt === -1 ? undefined : rest[ifaceAt + 1]
        for (const spec of (args[0] ?? '').split(',')) {
          const a = parseBindAddress(spec)
          if (!a || Number.isNaN(a.port)) {
            cfg.warnings.push(`line ${n + 1}: bind address "${clip(spec)}" has no usable port`)
            continue
          }
          cfg.binds.push(iface ? {...a, iface, raw} : {...a, raw})
        }
        break
      }
      case 'server':
        if (args[0] !== undefined && args[1] !== undefined) cfg.servers.push({address: args[1], name: args[0], raw})
        break
      case 'http-request': {
        const m = /^(set|add|del)-header$/.exec(args[0] ?? '')
        if (m && args[1] !== undefined) {
          const value = args.slice(2).join(' ')
          cfg.headers.push(m[1] === 'del' || value === '' ? {action: m[1] as HaproxyHeader['action'], name: args[1]} : {action: m[1] as HaproxyHeader['action'], name: args[1], value})
        }
        if (args[0]?.startsWith('track-sc') || (args[0] === 'deny' && args.includes('429'))) cfg.rateLimit = true
        break
      }
      case 'stick-table':
        cfg.rateLimit = true
        break
      case 'option':
        if (args[0] !== undefined) cfg.options.push(args[0])
        break
      case 'no':
        if (args[0] === 'option' && args[1] !== undefined) cfg.options.push(`no ${args[1]}`)
        break
      case 'timeout':
        if (args[0] !== undefined && args[1] !== undefined) cfg.timeouts[args[0]] = args[1]
        break
      case 'pidfile':
        if (args[0] !== undefined) cfg.pidfile = args[0]
        break
      case 'user':
        if (sectionName === 'global' && args[0] !== undefined) cfg.user = args[0]
        break
      case 'group':
        if (sectionName === 'global' && args[0] !== undefined) cfg.group = args[0]
        break
      case 'log-tag':
        if (args[0] !== undefined) cfg.logTag = args[0]
        break
      default:
        break
    }
  }
  if (recognised === 0 && lines.some((l) => l.trim() !== '')) {
    throw new ParseError(`not a haproxy config: "${clip(lines.find((l) => l.trim() !== '')?.trim() ?? '')}"`)
  }
  if (outside > 0) cfg.warnings.push(`${outside} directive(s) appear before any section header (a fragment?)`)
  const identities = new Set(cfg.headers.filter((h) => h.action !== 'del' && IDENTITY.has(h.name.toLowerCase())).map((h) => h.name.toLowerCase()))
  if (identities.size > 1) cfg.warnings.push(`more than one identity header is sent (${[...identities].join(', ')}); the metadata agent rejects such requests`)
  return cfg
}

/** Which router/network the proxy vouches for, from its first set/add identity header. */
export function metadataIdentity(cfg: HaproxyConfig): MetadataIdentity | undefined {
  for (const h of cfg.headers) {
    if (h.action === 'del') continue
    const kind = IDENTITY.get(h.name.toLowerCase())
    const id = h.value?.trim().split(/\s+/)[0]
    if (kind && id) return {id, kind}
  }
  return undefined
}
