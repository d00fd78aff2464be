/**
 * Interfaces and addresses from net-tools `ifconfig` (current format, and the old
 * `Link encap:`/`inet addr:` format of net-tools ≤ 1.60).
 *
 * Real sample (seed 002, `ip netns exec qdhcp-… ifconfig`):
 * ```
 * tap1332271e-0d: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1450
 *         inet 10.0.0.66  netmask 255.255.255.192  broadcast 10.0.0.127
 *         inet6 fe80::f816:3eff:feb3:e838  prefixlen 64  scopeid 0x20<link>
 *         ether fa:16:3e:b3:e8:38  txqueuelen 1000  (Ethernet)
 * ```
 *
 * Contract: same `Link` shape as `parseIpAddrJson`.
 * - Normalised: `netmask 255.255.255.192` → prefixlen 26 (`Mask:` in the old format); IPv6
 *   `scopeid 0x20<link>` / `Scope:Link` → scope `link`; `ether`/`HWaddr` → mac. ifconfig has no
 *   ifindex and no operstate; `flags` come from `<…>` (or the old `UP BROADCAST … MTU:` line).
 * - ifconfig shows ONE IPv4 address per interface: secondary addresses added with `ip addr add`
 *   (neutron's 169.254.169.254 on the DHCP tap is one) are invisible to it. Every result therefore
 *   carries a warning saying a missing IPv4 address is not evidence; use `ip addr`.
 * - A netmask that is not contiguous gets a warning and the address is left out.
 * - Refused with ParseError: binary data, and text whose first line is not an interface header
 *   (`ifconfig: command not found`, `Cannot open network namespace …`). Empty output → empty list.
 * - Partial data: stops at the first unrecognised unindented line, with a warning in
 *   `warnings` (a non-enumerable property of the returned array).
 */
import {assertText, ParseError} from './errors.js'
import type {Link, LinkAddr, Links} from './ip-addr.js'

const MODERN = /^([^\s:]+(?::\d+)?):\s+flags=\d+<([^>]*)>/
const OLD = /^(\S+)\s+Link encap:/

// Messages quote input, which can be hostile: one line, printable, short.
const clip = (s: string): string => {
  const one = s.slice(0, 81).replace(/[\u0000-\u001f\u007f]/g, ' ')
  return one.length > 80 ? `${one.slice(0, 80)}…` : one
}

function prefixOf(mask: string): number | undefined {
  const parts = mask.split('.').map(Number)
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined
  const bits = parts.map((p) => p.toString(2).padStart(8, '0')).join('')
  if (!/^1*0*$/.test(bits)) return undefined
  const zero = bits.indexOf('0')
  return zero === -1 ? 32 : zero
}

function scopeOf(raw: string | undefined): string | undefined {
  if (!raw) return undefined
  // modern `0x20<link>`, old `Link`
  return (/<(\w+)>/.exec(raw)?.[1] ?? raw).toLowerCase()
}

function addrLine(t: string, link: Link, warnings: string[]): void {
  const v4 = /^inet\s+(?:addr:)?(\S+)(?:.*?\s(?:netmask\s+|Mask:)(\S+))?/.exec(t)
  if (v4) {
    const prefix = v4[2] === undefined ? 32 : prefixOf(v4[2])
    if (prefix === undefined) warnings.push(`${link.ifname}: netmask "${v4[2]}" is not a contiguous mask; address ${v4[1]} left out`)
    else link.addrs.push({family: 'inet', local: v4[1] as string, prefixlen: prefix})
    return
  }
  const modern6 = /^inet6\s+(\S+)\s+prefixlen\s+(\d+)(?:\s+scopeid\s+(\S+))?/.exec(t)
  const old6 = /^inet6 addr:\s*(\S+)\/(\d+)(?:\s+Scope:(\S+))?/.exec(t)
  const m = modern6 ?? old6
  if (m) {
    const addr: LinkAddr = {family: 'inet6', local: m[1] as string, prefixlen: Number(m[2])}
    const scope = scopeOf(m[3])
    if (scope) addr.scope = scope
    link.addrs.push(addr)
    return
  }
  const mac = /^ether\s+(\S+)/.exec(t) ?? /HWaddr\s+(\S+)/.exec(t)
  if (mac) link.mac = mac[1] as string
  const oldFlags = /^((?:[A-Z]+\s+)+)MTU:/.exec(t)
  if (oldFlags && link.flags.length === 0) link.flags = (oldFlags[1] as string).trim().split(/\s+/)
}

/** `warnings` rides on the array as a non-enumerable property: the list still compares and serialises as a plain list. */
function withWarnings<T>(list: T[], warnings: string[]): T[] & {warnings: string[]} {
  return Object.defineProperty(list, 'warnings', {enumerable: false, value: warnings}) as T[] & {warnings: string[]}
}

export function parseIfconfig(text: string): Links {
  assertText(text, 'ifconfig output')
  const links: Link[] = []
  const warnings: string[] = []
  let current: Link | undefined
  const lines = text.split('\n')
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] as string).trimEnd()
    if (line === '') continue
    const modern = MODERN.exec(line)
    const old = modern ? null : OLD.exec(line)
    if (modern || old) {
      const name = ((modern ?? old) as RegExpExecArray)[1] as string
      current = {addrs: [], flags: modern?.[2] ? modern[2].split(',') : [], ifname: name}
      links.push(current)
      if (old) addrLine(line.slice(name.length).trim(), current, warnings)
      continue
    }
    if (/^\s/.test(line) && current) {
      addrLine(line.trim(), current, warnings)
      continue
    }
    if (links.length === 0) throw new ParseError(`not ifconfig output: "${clip(line.trim())}"`)
    warnings.push(`line ${n + 1}: not ifconfig output ("${clip(line.trim())}"); kept the ${links.length} interfaces before it`)
    break
  }
  if (links.length > 0) warnings.push('ifconfig shows one IPv4 address per interface: secondary addresses (such as 169.254.169.254 on a DHCP tap) are not listed; use `ip addr`')
  return withWarnings(links, warnings)
}
