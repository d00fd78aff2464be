/**
 * The dnsmasq options file neutron's DHCP agent writes (`$dhcp_confs/<network_id>/opts`, passed as
 * `--dhcp-optsfile=`), old `tag:tag0` and Ussuri+ `tag:subnet-<uuid>` forms.
 *
 * Sample (neutron's format for an isolated subnet; this file was loaded by a real dnsmasq 2.90):
 * ```
 * tag:subnet-6f046aae-2158-4882-a818-c56d81bc8074,option:dns-server,10.0.0.66
 * tag:subnet-6f046aae-2158-4882-a818-c56d81bc8074,option:classless-static-route,169.254.169.254/32,10.0.0.66,0.0.0.0/0,10.0.0.126
 * tag:subnet-6f046aae-2158-4882-a818-c56d81bc8074,249,169.254.169.254/32,10.0.0.66,0.0.0.0/0,10.0.0.126
 * tag:subnet-6f046aae-2158-4882-a818-c56d81bc8074,option:router,10.0.0.126
 * ```
 *
 * Contract:
 * - Each line: leading `tag:X` items (the first becomes `tag`), then the option, then values split
 *   on commas. `option:router` → `router`; numeric options stay numeric strings (`249`);
 *   `option6:dns-server` → `dns-server` with `ipv6: true`. `raw` is the line, `line` its number.
 * - `#` comment lines and blank lines are skipped.
 * - warnings: a route option (`classless-static-route`, `121`, `249`) with an odd number of values
 *   (its values are destination,gateway pairs).
 * - Refused with ParseError: binary data, and a file whose first record has no option
 *   (`cat: …/opts: No such file or directory`). Empty file → empty list.
 * - Partial data: parsing stops at the first line without an option, with a warning in
 *   `warnings` (a non-enumerable property of the returned array).
 */
import {assertText, ParseError} from './errors.js'

export interface DnsmasqOpt {
  tag?: string
  /** 'classless-static-route' | '249' | 'router' | 'dns-server' | … */
  option: string
  values: string[]
  /** `option6:` */
  ipv6?: boolean
  raw: string
  line: number
}

export type DnsmasqOpts = DnsmasqOpt[] & {warnings: string[]}

export interface MetadataRoute {
  option: 'classless-static-route' | '249'
  tag?: string
  gateway: string
  /** the destination as written: `169.254.169.254/32` normally; a wider prefix that still covers it is also reported */
  dst: string
}

const ROUTE_OPTIONS = new Set(['classless-static-route', '121', '249'])
// Messages quote input, which can be hostile: one line, printable, short.
const clip = (s: string): string => {
  const one = s.slice(0, 81).replace(/[\u0000-\u001f\u007f]/g, ' ')
  return one.length > 80 ? `${one.slice(0, 80)}…` : one
}

function parseOptLine(raw: string, line: number): DnsmasqOpt | undefined {
  const items = raw.split(',').map((s) => s.trim())
  const tags: string[] = []
  while (items[0]?.startsWith('tag:')) tags.push((items.shift() as string).slice(4))
  const head = items.shift()
  if (head === undefined) return undefined
  let option: string
  let ipv6 = false
  const named = /^option(6)?:(.+)$/.exec(head)
  if (named) {
    option = named[2] as string
    ipv6 = named[1] === '6'
  } else if (/^\d{1,3}$/.test(head)) option = head
  else return undefined
  const opt: DnsmasqOpt = {line, option, raw, values: items.filter((v) => v !== '')}
  if (tags[0] !== undefined) opt.tag = tags[0]
  if (ipv6) opt.ipv6 = true
  return opt
}

/** `warnings` rides on the array as a non-enumerable property: the list still compares and serialises as a plain list. */
function withWarnings<T>(list: T[], warnings: string[]): T[] & {warnings: string[]} {
  return Object.defineProperty(list, 'warnings', {enumerable: false, value: warnings}) as T[] & {warnings: string[]}
}

export function parseDnsmasqOpts(text: string): DnsmasqOpts {
  assertText(text, 'dnsmasq opts file')
  const opts: DnsmasqOpt[] = []
  const warnings: string[] = []
  const lines = text.split(/\r?\n/)
  for (let n = 0; n < lines.length; n++) {
    const raw = (lines[n] as string).trim()
    if (raw === '' || raw.startsWith('#')) continue
    const opt = parseOptLine(raw, n + 1)
    if (!opt) {
      if (opts.length === 0) throw new ParseError(`not a dnsmasq opts file: "${clip(raw)}"`)
      warnings.push(`line ${n + 1}: no DHCP option in "${clip(raw)}"; kept the ${opts.length} options before it`)
      break
    }
    if (ROUTE_OPTIONS.has(opt.option) && opt.values.length % 2 !== 0) {
      warnings.push(`line ${n + 1}: ${opt.option} has an odd number of values; they must be destination,gateway pairs`)
    }
    opts.push(opt)
  }
  return withWarnings(opts, warnings)
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.')
  if (parts.length !== 4) return undefined
  let n = 0
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined
    n = n * 256 + Number(p)
  }
  return n
}

const METADATA_IP = ipv4ToInt('169.254.169.254') as number

/** A destination that sends 169.254.169.254 somewhere: /32 exactly, or a prefix of /16 or longer holding it. */
function coversMetadata(dst: string): boolean {
  const [ip, lenText] = dst.split('/')
  const len = lenText === undefined ? 32 : Number(lenText)
  const addr = ipv4ToInt(ip ?? '')
  if (addr === undefined || !Number.isInteger(len) || len < 16 || len > 32) return false
  const shift = 32 - len
  return Math.floor(addr / 2 ** shift) === Math.floor(METADATA_IP / 2 ** shift)
}

/** The 169.254.169.254 routes handed out by option 121 (classless-static-route) and 249, with their gateways. */
export function metadataRoutes(opts: readonly DnsmasqOpt[]): MetadataRoute[] {
  const out: MetadataRoute[] = []
  for (const opt of opts) {
    if (!ROUTE_OPTIONS.has(opt.option) || opt.ipv6) continue
    const option = opt.option === '249' ? '249' : 'classless-static-route'
    for (let i = 0; i + 1 < opt.values.length; i += 2) {
      const dst = opt.values[i] as string
      if (!coversMetadata(dst)) continue
      const route: MetadataRoute = {dst, gateway: opt.values[i + 1] as string, option}
      if (opt.tag !== undefined) route.tag = opt.tag
      out.push(route)
    }
  }
  return out
}

/** `option:router` values per tag (`''` for untagged lines); an empty list means "no router" (neutron's isolated subnet). */
export function routersByTag(opts: readonly DnsmasqOpt[]): Record<string, string[]> {
  const out = Object.create(null) as Record<string, string[]>
  for (const opt of opts) {
    if ((opt.option !== 'router' && opt.option !== '3') || opt.ipv6) continue
    const key = opt.tag ?? ''
    out[key] = [...(out[key] ?? []), ...opt.values]
  }
  return out
}
