/**
 * Listening sockets from `ss` (iproute2): `ss -H -n -t -e state listening`, `ss -Hnlt[e][p]`,
 * `ss -Hnltu[e][p]`, `ss -Hnlu[p]`, `ss -Hxl[e][p]`, with or without the header line.
 *
 * Real samples (iproute2 6.1, namespaces built like neutron's; trailing blanks trimmed, the socket
 * path shown as neutron's default):
 * ```
 * $ ss -Hnltep                                      # qrouter-like: haproxy `bind :::9697`
 * LISTEN 0      1024           *:9697       *:* users:(("haproxy",pid=10177,fd=4)) ino:18869 sk:3 cgroup:/ v6only:0 <->
 * LISTEN 0      128         [::]:8776    [::]:* users:(("python3",pid=27242,fd=3)) ino:1592397 sk:1e6 cgroup:/ v6only:1 <->
 * $ ss -H -n -t -e state listening                  # no State column
 * 0      5      127.0.0.1:8775 0.0.0.0:* uid:65534 ino:17765 sk:2 cgroup:/ <->
 * $ ss -Hnltup                                      # qdhcp-like: Netid column, device-bound sockets
 * udp UNCONN 0      0                          0.0.0.0%tap1332271e-0d:67 0.0.0.0:* users:(("dnsmasq",pid=10192,fd=4))
 * tcp LISTEN 0      1024             [fe80::a9fe:a9fe]%tap1332271e-0d:80    [::]:* users:(("haproxy",pid=10181,fd=4))
 * $ ss -Hxlep
 * u_str LISTEN 0      16     /var/lib/neutron/metadata_proxy 691447 * 0 users:(("python3",pid=24598,fd=3)) <-> ino:2147201 dev:0/65024 peers:
 * ```
 *
 * Contract:
 * - Columns are found per line: the Netid column is optional (ss drops it when one socket type is
 *   asked for), so is State (`state listening` filter). Without Netid the protocol is `defaultProto`,
 *   else `udp` for UNCONN and `tcp` otherwise; lines shaped like unix sockets become `unix`.
 * - Address normalised: brackets removed, `%iface` split into `iface` (`127.0.0.53%lo:53`,
 *   `[fe80::a9fe:a9fe]%tap1:80`), host and port split at the LAST colon (old `:::9697` → `::`).
 *   `*` stays `*` (ss prints it for a dual-stack `::` bind with v6only:0).
 * - unix: `address` is the path (`@name` for abstract), `port` 0, `inode` the socket inode from the
 *   port column; with -e, `fileInode` is the inode of the socket file on disk (`ino:`), which is
 *   what `stat` shows. Only stream/seqpacket unix sockets are listeners (u_dgr is skipped).
 * - With -e: `inode` from `ino:` (tcp/udp), `uid` from `uid:` (ss prints it for tcp/udp only when
 *   non-zero, so there an `ino:` without `uid:` means uid 0; unix sockets never show it),
 *   `v6only` from `v6only:`. With -p: `processes`.
 * - Non-listening states (ESTAB…) are skipped with a warning. Other netids (raw, sctp…) are skipped.
 * - Refused with ParseError: binary data, and output whose first record is not an ss socket line
 *   (`Cannot open network namespace…`, `nsenter: cannot open…`). Empty output is valid (no listeners).
 * - Partial data: parsing stops at the first bad line after good ones; the list keeps what parsed
 *   and `warnings` (a non-enumerable property of the returned array) says where it stopped.
 */
import {assertText, ParseError} from './errors.js'

export interface ListenerProcess {
  name: string
  pid: number
  fd?: number
}

export interface Listener {
  proto: 'tcp' | 'udp' | 'unix'
  /** '0.0.0.0', '::', '*', '169.254.169.254', … or a unix path */
  address: string
  /** 0 for unix */
  port: number
  /** socket inode (ss -e `ino:`, ss -x port column, netstat I-Node) */
  inode?: number
  uid?: number
  /** the device a socket is bound to: `%tap1332271e-0d` */
  iface?: string
  /** unix only, ss -xe: inode of the socket file on disk */
  fileInode?: number
  /** ss -e on IPv6 sockets */
  v6only?: boolean
  /** empty without -p or without the privileges to see other users' processes */
  processes: ListenerProcess[]
}

/** The list, plus notes about skipped or cut input. */
export type Listeners = Listener[] & {warnings: string[]}

const STATES = new Set([
  'LISTEN', 'UNCONN', 'ESTAB', 'SYN-SENT', 'SYN-RECV', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT',
  'CLOSE-WAIT', 'LAST-ACK', 'CLOSING', 'UNKNOWN',
])
const NETIDS = new Set([
  'tcp', 'udp', 'raw', 'u_str', 'u_dgr', 'u_seq', 'p_raw', 'p_dgr', 'nl', 'mptcp', 'sctp', 'tipc',
  'v_str', 'v_dgr', 'xdp', 'icmp', 'icmp6', 'dccp', 'unknown',
])
const HEADERS = new Set(['Netid', 'State', 'Recv-Q'])
const NUM = /^\d+$/

// Messages quote input, which can be hostile: one line, printable, short.
const clip = (s: string): string => {
  const one = s.slice(0, 81).replace(/[\u0000-\u001f\u007f]/g, ' ')
  return one.length > 80 ? `${one.slice(0, 80)}…` : one
}

/** `[fe80::1]%tap1:80` → address fe80::1, iface tap1, port 80. Undefined when it is not host:port. */
export function splitSsAddress(raw: string): {address: string; port: number; iface?: string} | undefined {
  const colon = raw.lastIndexOf(':')
  if (colon <= 0) return undefined
  const portText = raw.slice(colon + 1)
  if (!NUM.test(portText) || Number(portText) > 65_535) return undefined
  let host = raw.slice(0, colon)
  let iface: string | undefined
  const pct = host.lastIndexOf('%')
  if (pct > 0) {
    iface = host.slice(pct + 1)
    host = host.slice(0, pct)
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1)
  if (host === '') return undefined
  return iface ? {address: host, iface, port: Number(portText)} : {address: host, port: Number(portText)}
}

export function processesOf(rest: string): ListenerProcess[] {
  const users = rest.indexOf('users:(')
  if (users === -1) return []
  const out: ListenerProcess[] = []
  for (const m of rest.slice(users).matchAll(/\("((?:[^"\\]|\\.)*)",pid=(\d+),fd=(\d+)\)/g)) {
    out.push({fd: Number(m[3]), name: m[1] as string, pid: Number(m[2])})
  }
  if (out.length === 0) {
    // iproute2 before 4.x: users:(("sshd",1234,3))
    for (const m of rest.slice(users).matchAll(/\("((?:[^"\\]|\\.)*)",(\d+),(\d+)\)/g)) out.push({fd: Number(m[3]), name: m[1] as string, pid: Number(m[2])})
  }
  return out
}

function extras(rest: string, listener: Listener, unix: boolean): void {
  const ino = /(?:^|\s)ino:(\d+)/.exec(rest)
  const uid = /(?:^|\s)uid:(\d+)/.exec(rest)
  const v6only = /(?:^|\s)v6only:([01])/.exec(rest)
  // ss -e prints `uid:` for inet sockets only when it is not 0, and never for unix sockets.
  if (ino && unix) listener.fileInode = Number(ino[1])
  else if (ino) {
    listener.inode = Number(ino[1])
    listener.uid = uid ? Number(uid[1]) : 0
  }
  if (uid) listener.uid = Number(uid[1])
  if (v6only) listener.v6only = v6only[1] === '1'
}

type LineResult = {listener: Listener} | {skip: string} | {bad: true}

/** Unix line after Recv-Q/Send-Q: `PATH INODE PEER PEER_INODE [extras]`; a path may hold spaces. */
function parseUnix(t: string[]): {address: string; inode: number; rest: string} | undefined {
  for (let j = 1; j + 2 < t.length; j++) {
    if (NUM.test(t[j] ?? '') && t[j + 1] !== undefined && NUM.test(t[j + 2] ?? '')) {
      return {address: t.slice(0, j).join(' '), inode: Number(t[j]), rest: t.slice(j + 3).join(' ')}
    }
  }
  return undefined
}

function parseLine(line: string, defaultProto: 'tcp' | 'udp' | undefined): LineResult {
  const t = line.trim().split(/\s+/)
  let netid: string | undefined
  let state: string | undefined
  if (NETIDS.has(t[0] as string)) netid = t.shift()
  if (STATES.has(t[0] as string)) state = t.shift()
  if (!NUM.test(t[0] ?? '') || !NUM.test(t[1] ?? '') || t.length < 4) return {bad: true}
  const cols = t.slice(2)
  const unixShaped = netid ? netid.startsWith('u_') : /^[/@]/.test(cols[0] ?? '') && NUM.test(cols[1] ?? '')
  if (state && state !== 'LISTEN' && state !== 'UNCONN') return {skip: `${state} socket`}
  if (unixShaped) {
    if (netid === 'u_dgr') return {skip: 'unix datagram socket'}
    const u = parseUnix(cols)
    if (!u) return {bad: true}
    const listener: Listener = {address: u.address, inode: u.inode, port: 0, processes: processesOf(u.rest), proto: 'unix'}
    extras(u.rest, listener, true)
    return {listener}
  }
  if (netid && netid !== 'tcp' && netid !== 'udp') return {skip: `${netid} socket`}
  const local = splitSsAddress(cols[0] as string)
  if (!local || !(cols[1] as string).includes(':')) return {bad: true}
  const proto = (netid as 'tcp' | 'udp' | undefined) ?? defaultProto ?? (state === 'UNCONN' ? 'udp' : 'tcp')
  const rest = cols.slice(2).join(' ')
  const listener: Listener = {...local, processes: processesOf(rest), proto}
  extras(rest, listener, false)
  return {listener}
}

/** `warnings` rides on the array as a non-enumerable property: the list still compares and serialises as a plain list. */
function withWarnings<T>(list: T[], warnings: string[]): T[] & {warnings: string[]} {
  return Object.defineProperty(list, 'warnings', {enumerable: false, value: warnings}) as T[] & {warnings: string[]}
}

/** Room for the users:(…) of thousands of processes sharing one socket; only a line's head is judged. */
const LINE_LIMIT = 64 * 1024

export function parseSsListeners(text: string, defaultProto?: 'tcp' | 'udp'): Listeners {
  assertText(text, 'ss output')
  const out: Listener[] = []
  const warnings: string[] = []
  const skipped = new Map<string, number>()
  let records = 0
  const lines = text.split('\n')
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n] as string
    if (line.length > LINE_LIMIT) {
      warnings.push(`line ${n + 1}: ${line.length} characters, kept the first ${LINE_LIMIT}`)
      line = line.slice(0, LINE_LIMIT)
    }
    const first = line.trimStart().split(/\s/, 1)[0] ?? ''
    if (first === '' || (HEADERS.has(first) && /Local Address/.test(line))) continue
    const r = parseLine(line, defaultProto)
    if ('bad' in r) {
      if (records === 0) throw new ParseError(`not ss output: "${clip(line.trim())}"`)
      warnings.push(`line ${n + 1}: not an ss socket line ("${clip(line.trim())}"); kept the ${out.length} listeners before it`)
      break
    }
    records++
    if ('skip' in r) skipped.set(r.skip, (skipped.get(r.skip) ?? 0) + 1)
    else out.push(r.listener)
  }
  for (const [what, count] of skipped) warnings.push(`skipped ${count} ${what}${count > 1 ? 's' : ''} (not a listener)`)
  return withWarnings(out, warnings)
}
