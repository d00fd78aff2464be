/**
 * Interfaces and addresses from plain `ip addr` / `ip a` text, and from `ip -o addr` (one line per
 * address): the fallback when `ip -json` is not available, and the format of field write-ups.
 *
 * Real sample (seed 002, a Ussuri-era qdhcp namespace; the /16 is the old metadata address):
 * ```
 * 18: tap1332271e-0d: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 qdisc noqueue state UNKNOWN qlen 1000
 *     link/ether fa:16:3e:b3:e8:38 brd ff:ff:ff:ff:ff:ff
 *     inet 10.0.0.66/26 brd 10.0.0.127 scope global tap1332271e-0d
 *        valid_lft forever preferred_lft forever
 *     inet 169.254.169.254/16 brd 169.254.255.255 scope global tap1332271e-0d
 *        valid_lft forever preferred_lft forever
 *     inet6 fe80::f816:3eff:feb3:e838/64 scope link
 *        valid_lft forever preferred_lft forever
 * ```
 *
 * Contract: same `Link` shape as `parseIpAddrJson`.
 * - Normalised: `tap1@if3` → ifname `tap1`; an address without `/len` (`inet 10.0.0.1 peer …`) gets
 *   /32 or /128; `state` from the header's `state X`, `mac` from `link/<type> <addr>`.
 * - Indented lines other than `inet`, `inet6` and `link/…` (valid_lft, altname, -details lines) are
 *   ignored. `ip -o addr` lines (`2: eth0    inet 10.0.0.5/24 … \ valid_lft …`) are merged into links.
 * - Refused with ParseError: binary data, and text whose first record is neither a link header nor
 *   an `ip -o` address line (`Device "x" does not exist.`, `Cannot open network namespace …`).
 * - Partial data: parsing stops at the first unrecognised unindented line, with a warning in
 *   `warnings` (a non-enumerable property of the returned array).
 */
import {assertText, ParseError} from './errors.js'
import type {Link, LinkAddr, Links} from './ip-addr.js'

const HEADER = /^(\d+):\s+([^:@\s]+)(?:@\S+)?:\s+<([^>]*)>(.*)$/
const ONELINE = /^(\d+):\s+([^:@\s]+)(?:@\S+)?\s+(inet6?)\s+(\S+)(.*)$/

// Messages quote input, which can be hostile: one line, printable, short.
const clip = (s: string): string => {
  const one = s.slice(0, 81).replace(/[\u0000-\u001f\u007f]/g, ' ')
  return one.length > 80 ? `${one.slice(0, 80)}…` : one
}

function addrOf(family: 'inet' | 'inet6', cidr: string, rest: string): LinkAddr | undefined {
  const [local, len] = cidr.split('/')
  const prefixlen = len === undefined ? (family === 'inet' ? 32 : 128) : Number(len)
  if (!local || !Number.isInteger(prefixlen)) return undefined
  const addr: LinkAddr = {family, local, prefixlen}
  const scope = /(?:^|\s)scope\s+(\S+)/.exec(rest)
  if (scope) addr.scope = scope[1] as string
  return addr
}

/** `warnings` rides on the array as a non-enumerable property: the list still compares and serialises as a plain list. */
function withWarnings<T>(list: T[], warnings: string[]): T[] & {warnings: string[]} {
  return Object.defineProperty(list, 'warnings', {enumerable: false, value: warnings}) as T[] & {warnings: string[]}
}

export function parseIpAddrText(text: string): Links {
  assertText(text, 'ip addr output')
  const links: Link[] = []
  const byIndex = new Map<string, Link>()
  const warnings: string[] = []
  let current: Link | undefined
  const lines = text.split('\n')
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] as string).trimEnd()
    if (line.trim() === '') continue
    const header = HEADER.exec(line)
    if (header) {
      const [, index, ifname, flags, rest = ''] = header
      current = {addrs: [], flags: flags ? flags.split(',') : [], ifindex: Number(index), ifname: ifname as string}
      const state = /(?:^|\s)state\s+(\S+)/.exec(rest)
      if (state) current.state = state[1] as string
      links.push(current)
      byIndex.set(`${index}:${ifname}`, current)
      continue
    }
    const one = ONELINE.exec(line)
    if (one) {
      const [, index, ifname, family, cidr, rest = ''] = one
      const key = `${index}:${ifname}`
      let link = byIndex.get(key)
      if (!link) {
        link = {addrs: [], flags: [], ifindex: Number(index), ifname: ifname as string}
        byIndex.set(key, link)
        links.push(link)
      }
      const addr = addrOf(family as 'inet' | 'inet6', cidr as string, rest.split('\\')[0] ?? '')
      if (addr) link.addrs.push(addr)
      current = undefined
      continue
    }
    if (/^\s/.test(line) && current) {
      const t = line.trim()
      const inet = /^(inet6?)\s+(\S+)(.*)$/.exec(t)
      if (inet) {
        const addr = addrOf(inet[1] as 'inet' | 'inet6', inet[2] as string, inet[3] ?? '')
        if (addr) current.addrs.push(addr)
      } else {
        const mac = /^link\/\S+\s+(\S+)/.exec(t)
        if (mac) current.mac = mac[1] as string
      }
      continue
    }
    if (links.length === 0) throw new ParseError(`not ip addr output: "${clip(line.trim())}"`)
    warnings.push(`line ${n + 1}: not ip addr output ("${clip(line.trim())}"); kept the ${links.length} links before it`)
    break
  }
  return withWarnings(links, warnings)
}
