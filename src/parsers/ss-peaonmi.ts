/**
 * Listeners from iproute2 `ss -peaonmi` (all sockets, processes, extended, timers, numeric, memory,
 * internal TCP info), the socket list sos collects per namespace when the *_diag modules are loaded.
 *
 * Real sample (iproute2 6.1 on Debian bookworm; the unix and `*:19697` listeners are a node
 * process's, captured for this sample):
 * ```
 * Netid State      Recv-Q Send-Q        Local Address:Port   Peer Address:Port  Process
 * u_str LISTEN     0      511    /tmp/sosx/mdsos.sock 834627            * 0      users:(("node",pid=10785,fd=19)) skmem:(r0,…) <-> ino:2146350 dev:0/65024 peers:
 * tcp   LISTEN     0      128                 0.0.0.0:2024        0.0.0.0:*      ino:1501 sk:4 cgroup:/ <->
 * 	 skmem:(r0,rb131072,t0,tb16384,f0,w0,o0,bl0,d0) bbr cwnd:10
 * tcp   LISTEN     0      511                       *:19697             *:*      users:(("node",pid=10785,fd=20)) ino:834629 sk:9b6 cgroup:/ v6only:0 <->
 * ```
 *
 * Contract:
 * - Returns TCP sockets in LISTEN and unix stream sockets (`u_str`) in LISTEN; every other socket
 *   is skipped; indented continuation lines (`skmem:`, TCP info) are skipped.
 * - TCP addresses as `ss-listeners.ts` reads them (`*` kept, brackets removed, a bound device
 *   `169.254.169.254%tap1:80` goes to `iface`); `ino:` is the socket inode, `uid:` the owner,
 *   `v6only:` whether a `::`/`*` socket also takes IPv4.
 * - unix: the address is the path, the socket inode is ss's port column, `ino:` the file's inode.
 * - Processes from `users:(("name",pid=N,fd=M),…)`; none without privileges.
 * - Refused with ParseError: binary data, and text whose first line is neither the ss header nor
 *   a socket line (an error such as `exec of "ss" failed`). Empty output is valid.
 * - Linear: a fixed set of non-nested regexes per line.
 */
import {assertText, ParseError} from './errors.js'
import {type Listener, processesOf, splitSsAddress} from './ss-listeners.js'

const SOCKET = /^(tcp|udp|raw|u_str|u_dgr|u_seq|nl|p_raw|p_dgr|icmp6|mptcp|v_str|v_dgr|xdp|tipc|sctp)\s/

const clip = (s: string): string => {
  const one = s.replace(/[\u0000-\u001f\u007f]/g, ' ')
  return one.length > 80 ? `${one.slice(0, 80)}…` : one
}

const num = (re: RegExp, s: string): number | undefined => {
  const m = re.exec(s)
  return m ? Number(m[1]) : undefined
}

export function parseSsPeaonmi(text: string): Listener[] {
  assertText(text, 'ss -peaonmi output')
  const out: Listener[] = []
  let records = 0
  for (const raw of text.split('\n')) {
    if (raw.trim() === '' || /^\s/.test(raw)) continue
    const line = raw.trim()
    if (/^Netid\s+State\s/.test(line)) {
      records++
      continue
    }
    if (!SOCKET.test(line)) {
      if (records === 0) throw new ParseError(`not ss output: "${clip(line)}"`)
      continue
    }
    records++
    const t = line.split(/\s+/)
    if (t[1] !== 'LISTEN') continue
    if (t[0] === 'u_str') {
      const rest = t.slice(8).join(' ')
      const inode = Number(t[5])
      const fileInode = num(/(?:^|\s)ino:(\d+)/, rest)
      out.push({address: t[4] ?? '', ...(Number.isInteger(inode) ? {inode} : {}), ...(fileInode === undefined ? {} : {fileInode}), port: 0, processes: processesOf(rest), proto: 'unix'})
      continue
    }
    if (t[0] !== 'tcp' && t[0] !== 'mptcp') continue
    const rest = t.slice(6).join(' ')
    const addr = splitSsAddress(t[4] ?? '')
    if (!addr) continue
    const v6only = num(/(?:^|\s)v6only:(\d)/, rest)
    const inode = num(/(?:^|\s)ino:(\d+)/, rest)
    const uid = num(/(?:^|\s)uid:(\d+)/, rest)
    out.push({
      ...addr,
      ...(inode === undefined ? {} : {inode}),
      processes: processesOf(rest),
      proto: 'tcp',
      ...(uid === undefined ? {} : {uid}),
      ...(v6only === undefined ? {} : {v6only: v6only === 1}),
    })
  }
  return out
}
