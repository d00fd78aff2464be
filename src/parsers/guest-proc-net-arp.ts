/**
 * The ARP cache without iproute2: `/proc/net/arp`, net-tools `arp -n`, and busybox
 * `arp -n` / `arp -an` (BSD style). Real samples (the first two from a namespace where
 * 169.254.169.254 never answers ARP):
 *
 * ```
 * IP address       HW type     Flags       HW address            Mask     Device
 * 169.254.169.254  0x1         0x0         00:00:00:00:00:00     *        eth0
 * 10.0.0.2         0x1         0x2         56:68:1d:5c:1c:5b     *        eth0
 *
 * Address                  HWtype  HWaddress           Flags Mask            Iface
 * 169.254.169.254                  (incomplete)                              eth0
 * 10.0.0.2                 ether   56:68:1d:5c:1c:5b   C                     eth0
 *
 * ? (169.254.169.254) at <incomplete>  on eth0
 * ? (10.0.0.2) at 56:68:1d:5c:1c:5b [ether]  on eth0
 * ```
 *
 * Contract:
 * - Normalised to `Neighbour`. These formats cannot tell the kernel states apart: an
 *   unresolved entry (kernel INCOMPLETE or FAILED) reads as `INCOMPLETE`, a resolved one as
 *   `COMPLETE`, a static one as `PERMANENT`. Unresolved entries carry no `lladdr`.
 * - Refused (ParseError): binary data, text in none of the three shapes.
 * - Partial: the first row that does not fit the detected shape ends the list (`.warnings`).
 */
import {clip, ipValue, splitLines, withWarnings} from './guest-addr.js'
import {assertText, ParseError} from './errors.js'
import type {Neighbour, Neighbours} from './guest-ip-neigh.js'

const ATF_COM = 0x2
const ATF_PERM = 0x4
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5,19}$/i
const BSD_LINE = /^(\S+) \(([^)\s]+)\) at (\S+)(?: \[[^\]]*\])?((?:\s+(?:PERM|PUB))*)\s+on (\S+)/

export function parseProcNetArp(text: string): Neighbours {
  assertText(text, 'arp')
  const lines = splitLines(text)
  const firstAt = lines.findIndex((l) => l.trim() !== '')
  if (firstAt === -1) return withWarnings([], [])
  const first = (lines[firstAt] ?? '').trim()
  if (/^IP address\s+HW type\s+Flags/.test(first)) return rows(lines, firstAt + 1, procRow, '/proc/net/arp')
  if (/^Address\s+HWtype\s+HWaddress/.test(first)) return rows(lines, firstAt + 1, netToolsRow, 'arp -n')
  if (BSD_LINE.test(first)) return rows(lines, firstAt, bsdRow, 'arp -an')
  if (/^arp: in \d+ entries no match found\.?$/.test(first)) return withWarnings([], [])
  throw new ParseError(`arp: neither /proc/net/arp nor arp -n output: ${clip(first)}`)
}

function rows(lines: string[], from: number, parse: (line: string) => Neighbour | undefined, what: string): Neighbours {
  const out: Neighbour[] = []
  const warnings: string[] = []
  for (let i = from; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (line.trim() === '') continue
    const n = parse(line)
    if (!n) {
      warnings.push(`${what}: line ${i + 1} does not fit (${clip(line)}); stopped there`)
      break
    }
    out.push(n)
  }
  return withWarnings(out, warnings)
}

function procRow(line: string): Neighbour | undefined {
  const tok = line.trim().split(/\s+/)
  if (tok.length !== 6) return undefined
  const [ip = '', , flagsHex = '', mac = '', , dev = ''] = tok
  if (!ipValue(ip) || !/^0x[0-9a-f]+$/i.test(flagsHex)) return undefined
  const flags = parseInt(flagsHex, 16)
  const n: Neighbour = {ip, dev, state: flags & ATF_PERM ? 'PERMANENT' : flags & ATF_COM ? 'COMPLETE' : 'INCOMPLETE'}
  if (flags & (ATF_COM | ATF_PERM) && MAC.test(mac)) n.lladdr = mac.toLowerCase()
  return n
}

function netToolsRow(line: string): Neighbour | undefined {
  const tok = line.trim().split(/\s+/)
  const ip = tok[0] ?? ''
  const dev = tok[tok.length - 1]
  if (!ipValue(ip) || tok.length < 3 || dev === undefined) return undefined
  if (tok.includes('(incomplete)')) return {ip, dev, state: 'INCOMPLETE'}
  const mac = tok.find((t) => MAC.test(t))
  if (mac === undefined) return undefined
  const flags = tok[tok.indexOf(mac) + 1] ?? ''
  return {ip, dev, lladdr: mac.toLowerCase(), state: flags.includes('M') ? 'PERMANENT' : 'COMPLETE'}
}

function bsdRow(line: string): Neighbour | undefined {
  const m = BSD_LINE.exec(line.trim())
  if (!m) return undefined
  const [, , ip = '', at = '', flags = '', dev = ''] = m
  if (!ipValue(ip)) return undefined
  if (at === '<incomplete>' || !MAC.test(at)) return {ip, dev, state: 'INCOMPLETE'}
  return {ip, dev, lladdr: at.toLowerCase(), state: flags.includes('PERM') ? 'PERMANENT' : 'COMPLETE'}
}
