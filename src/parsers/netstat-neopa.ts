/**
 * Listeners from net-tools `netstat -W -neopa` (and `netstat -neopa`), the per-namespace socket
 * list sos collects: all sockets, with the User, Inode, PID/Program name and Timer columns.
 *
 * Real sample (sos 4.0 on Debian bookworm, net-tools 2.10, `sos_commands/networking/netstat_-W_-neopa`;
 * the qrouter line from the same sos run on the lab, `ip_netns_exec_qrouter-…_netstat_-W_-neopa`):
 * ```
 * Active Internet connections (servers and established)
 * Proto Recv-Q Send-Q Local Address           Foreign Address         State       User       Inode      PID/Program name     Timer
 * tcp        0      0 0.0.0.0:2024            0.0.0.0:*               LISTEN      0          1501       -                    off (0.00/0/0)
 * tcp        0      0 127.0.0.1:8775          127.0.0.1:37836         TIME_WAIT   0          0          -                    timewait (19.33/0/0)
 * tcp6       0      0 :::9697                 :::*                    LISTEN      0          64121      13912/haproxy        off (0.00/0/0)
 * Active UNIX domain sockets (servers and established)
 * Proto RefCnt Flags       Type       State         I-Node   PID/Program name     Path
 * unix  2      [ ACC ]     STREAM     LISTENING     63958    13884/node           /var/lib/neutron/metadata_proxy
 * ```
 *
 * Contract:
 * - Returns TCP sockets in LISTEN and unix stream sockets in LISTENING; everything else (UDP,
 *   established, TIME_WAIT, raw) is skipped silently: the output lists every socket by design.
 * - Wildcards: `0.0.0.0` (tcp), `::` (tcp6, printed `:::9697`); `tcp6` becomes `tcp`.
 * - `inode` and `uid` come from the Inode and User columns (-e; with -n the user is numeric); a
 *   `-` program column gives no process.
 * - Refused with ParseError: binary data, and text whose first line is neither a netstat header
 *   nor a socket line (an error message such as `exec of "netstat" failed`). Empty output is valid.
 * - Linear: one pass over the lines, a fixed regex per line.
 */
import {assertText, ParseError} from './errors.js'
import type {Listener} from './ss-listeners.js'

const HEADER = /^(Active (Internet|UNIX domain|Bluetooth) |Proto )/
const INET = /^(tcp6?)\s+\d+\s+\d+\s+(\S+)\s+\S+\s+LISTEN\s+(\S+)\s+(\d+)\s+(\d+\/\S*|-)/
const UNIX = /^unix\s+\d+\s+\[[^\]]*\]\s+STREAM\s+LISTENING\s+(\d+)\s+(\d+\/\S*|-)\s*(.*)$/
const SOCKET_LINE = /^(tcp|udp|raw|unix)6?\s/

const clip = (s: string): string => {
  const one = s.replace(/[\u0000-\u001f\u007f]/g, ' ')
  return one.length > 80 ? `${one.slice(0, 80)}…` : one
}

const processOf = (col: string): Listener['processes'] => {
  const m = /^(\d+)\/(.*)$/.exec(col)
  return m ? [{name: m[2] ?? '', pid: Number(m[1])}] : []
}

export function parseNetstatNeopa(text: string): Listener[] {
  assertText(text, 'netstat -neopa output')
  const out: Listener[] = []
  let records = 0
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '') continue
    if (HEADER.test(line)) {
      records++
      continue
    }
    if (!SOCKET_LINE.test(line)) {
      if (records === 0) throw new ParseError(`not netstat output: "${clip(line)}"`)
      continue
    }
    records++
    const inet = INET.exec(line)
    if (inet) {
      const [, proto, local = '', user = '', inode = '0', prog = '-'] = inet
      const i = local.lastIndexOf(':')
      const host = local.slice(0, i)
      const port = Number(local.slice(i + 1))
      if (i < 0 || !Number.isInteger(port)) continue
      const address = host === '' || host === '::' || host === '*' ? (proto === 'tcp6' ? '::' : '0.0.0.0') : host
      out.push({address, inode: Number(inode), port, processes: processOf(prog), proto: 'tcp', ...(/^\d+$/.test(user) ? {uid: Number(user)} : {})})
      continue
    }
    const unix = UNIX.exec(line)
    if (unix) out.push({address: (unix[3] ?? '').trim(), inode: Number(unix[1]), port: 0, processes: processOf(unix[2] ?? '-'), proto: 'unix'})
  }
  return out
}
