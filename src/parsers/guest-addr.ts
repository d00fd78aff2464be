/**
 * Address and result helpers shared by the guest parsers (`guest-*.ts`). Pure, no I/O.
 *
 * Contract: addresses are validated strictly (dotted quads 0-255, RFC 4291 IPv6 text); a
 * zone suffix (`fe80::1%eth0`) is ignored for arithmetic. Anything else is "not an address"
 * (undefined), never an exception.
 */
import {isIPv4, isIPv6} from 'node:net'

/** An array result that also carries what the parser skipped or could not finish. */
export type WithWarnings<T> = T[] & {readonly warnings: string[]}

/**
 * Attach `warnings` without making it enumerable: the result still deep-equals, spreads and
 * serialises as a plain array, and callers that care read `.warnings`.
 */
export function withWarnings<T>(items: T[], warnings: string[]): WithWarnings<T> {
  Object.defineProperty(items, 'warnings', {value: warnings, enumerable: false, writable: false})
  return items as WithWarnings<T>
}

/** Lines of a text, CRLF or LF. */
export function splitLines(text: string): string[] {
  return text.split(/\r?\n/)
}

/** Cap what goes into an error or warning message: inputs can be hostile. */
export function clip(s: string, max = 120): string {
  const oneLine = s.replace(/[\u0000-\u001f\u007f]/g, ' ')
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine
}

export function isIPv4Address(s: string): boolean {
  return isIPv4(s)
}

export function isIpAddress(s: string): boolean {
  return isIPv4(s) || isIPv6(stripZone(s))
}

function stripZone(s: string): string {
  const i = s.indexOf('%')
  return i === -1 ? s : s.slice(0, i)
}

export interface IpValue {
  family: 4 | 6
  value: bigint
}

/** IPv4 or IPv6 text to a number; undefined when it is not an address. */
export function ipValue(text: string): IpValue | undefined {
  const s = stripZone(text)
  if (isIPv4(s)) {
    let v = 0n
    for (const part of s.split('.')) v = (v << 8n) | BigInt(Number(part))
    return {family: 4, value: v}
  }
  if (!isIPv6(s)) return undefined
  let head = s
  let tailV4: bigint[] = []
  const lastColon = s.lastIndexOf(':')
  const maybeV4 = s.slice(lastColon + 1)
  if (maybeV4.includes('.')) {
    const v4 = ipValue(maybeV4)
    if (!v4 || v4.family !== 4) return undefined
    tailV4 = [v4.value >> 16n, v4.value & 0xffffn]
    head = s.slice(0, lastColon + 1)
    if (!head.endsWith('::')) head = head.slice(0, -1)
  }
  const [left = '', right] = head.split('::') as [string, string | undefined]
  const leftParts = left === '' ? [] : left.split(':')
  const rightParts = right === undefined || right === '' ? [] : right.split(':')
  const groups = 8 - tailV4.length
  const fill = right === undefined ? 0 : groups - leftParts.length - rightParts.length
  const all = [...leftParts.map((h) => BigInt(parseInt(h, 16))), ...Array<bigint>(Math.max(fill, 0)).fill(0n), ...rightParts.map((h) => BigInt(parseInt(h, 16))), ...tailV4]
  if (all.length !== 8) return undefined
  let v = 0n
  for (const g of all) v = (v << 16n) | g
  return {family: 6, value: v}
}

/** `255.255.255.0` → 24; undefined for a non-contiguous or invalid mask. */
export function maskToPrefix(mask: string): number | undefined {
  const v = ipValue(mask)
  if (!v || v.family !== 4) return undefined
  let prefix = 0
  let seenZero = false
  for (let bit = 31n; bit >= 0n; bit--) {
    const one = ((v.value >> bit) & 1n) === 1n
    if (one && seenZero) return undefined
    if (one) prefix++
    else seenZero = true
  }
  return prefix
}

/**
 * A route destination as CIDR: `default` → `0.0.0.0/0` (`::/0` when `family6`), a bare
 * address → /32 (/128). Undefined when the text is no destination at all.
 */
export function normaliseDst(dst: string, family6 = false): string | undefined {
  if (dst === 'default' || dst === 'any' || dst === '0/0') return family6 ? '::/0' : '0.0.0.0/0'
  const slash = dst.indexOf('/')
  const addr = slash === -1 ? dst : dst.slice(0, slash)
  const v = ipValue(addr)
  if (!v) return undefined
  const max = v.family === 4 ? 32 : 128
  if (slash === -1) return `${addr}/${max}`
  const lenText = dst.slice(slash + 1)
  if (!/^\d{1,3}$/.test(lenText)) return undefined
  const len = Number(lenText)
  if (len > max) return undefined
  return `${addr}/${len}`
}

export interface Cidr {
  family: 4 | 6
  network: bigint
  prefix: number
}

export function parseCidr(cidr: string): Cidr | undefined {
  const slash = cidr.indexOf('/')
  if (slash === -1) return undefined
  const v = ipValue(cidr.slice(0, slash))
  const prefix = Number(cidr.slice(slash + 1))
  if (!v || !Number.isInteger(prefix) || prefix < 0 || prefix > (v.family === 4 ? 32 : 128)) return undefined
  return {family: v.family, network: v.value, prefix}
}

/** Does `cidr` contain address `ip`? False for mixed families or invalid input. */
export function cidrContains(cidr: string | Cidr, ip: string | IpValue): boolean {
  const c = typeof cidr === 'string' ? parseCidr(cidr) : cidr
  const a = typeof ip === 'string' ? ipValue(ip) : ip
  if (!c || !a || c.family !== a.family) return false
  const bits = BigInt(c.family === 4 ? 32 : 128)
  const shift = bits - BigInt(c.prefix)
  return (c.network >> shift) === (a.value >> shift)
}
