/**
 * Process lists from `ps -eww -o pid=,user=,args=` (what mdctl captures), and from `ps -f` /
 * `ps -ef` and `ps aux` as found in field write-ups, including `ps -f … | fold -s` output.
 *
 * Real samples (procps-ng 4.0.2 in the lab; the folded one is seed 000's shape):
 * ```
 * 24763 root     haproxy -f /var/lib/neutron/ns-metadata-proxy/5a3c3b4e-1111-2222-3333-444455556666.conf
 * 24786 nobody   dnsmasq --no-hosts --no-resolv --pid-file=/var/lib/neutron/dhcp/…/pid …
 *
 * UID        PID  PPID  C STIME TTY          TIME CMD
 * root     32120     1  0 07:00 ?        00:00:00 /usr/bin/python
 * /usr/bin/neutron-ns-metadata-proxy
 * --pid_file=/var/lib/neutron/external/pids/c43ebbe2-8f20-42c3-bf03-f87f7d062f94.pid
 * --metadata_proxy_socket=/var/lib/neutron/metadata_proxy
 * ```
 *
 * Contract:
 * - `args` is the command line split on whitespace (an argument containing blanks is split too).
 * - The format is chosen from the header: `UID PID PPID C STIME TTY TIME CMD` (-f), `USER PID %CPU
 *   … COMMAND` (aux), `PID USER …`; without a header, from the shape of the first row.
 * - Folded command lines (best effort): in -f/aux output a line that does not have the row shape
 *   (user, numeric PID, numeric PPID/%CPU, a TIME column) continues the previous row's command, so
 *   `fold -s` output is rejoined. A word that `fold` cut in the middle (no `-s`, or longer than the
 *   width) stays cut in two arguments: that cannot be undone.
 * - `user` is kept as printed (a number when the name is unknown, `108` in seed 000; procps may
 *   shorten long names with `+`).
 * - Refused with ParseError: binary data, and text whose first record is not a ps row.
 * - Partial data: stops at the first line that is neither a row nor a continuation, with a warning in
 *   `warnings` (a non-enumerable property of the returned array).
 */
import {assertText, ParseError} from './errors.js'

export interface PsRow {
  pid: number
  user: string
  /** split on whitespace */
  args: string[]
}

export type PsRows = PsRow[] & {warnings: string[]}

type Format = 'pid-user-args' | 'full' | 'aux'

const NUM = /^\d+$/
/** Longer than any command line on the metadata path (the kernel caps one argument at 128 KiB): only its head matters. */
const LINE_LIMIT = 64 * 1024
const TIME = /^(\d+-)?\d+:\d{2}(:\d{2})?$/
// Messages quote input, which can be hostile: one line, printable, short.
const clip = (s: string): string => {
  const one = s.slice(0, 81).replace(/[\u0000-\u001f\u007f]/g, ' ')
  return one.length > 80 ? `${one.slice(0, 80)}…` : one
}

function formatOf(header: string[]): Format | undefined {
  const h = header.join(' ')
  if (/^UID PID PPID C STIME TTY TIME (CMD|COMMAND)$/.test(h)) return 'full'
  if (/^USER PID %CPU %MEM VSZ RSS TTY STAT START TIME (COMMAND|CMD)$/.test(h)) return 'aux'
  if (/^PID USER (ARGS|COMMAND|CMD)$/.test(h)) return 'pid-user-args'
  return undefined
}

function rowOf(t: string[], format: Format): PsRow | undefined {
  if (format === 'pid-user-args') {
    if (!NUM.test(t[0] ?? '') || t[1] === undefined) return undefined
    return {args: t.slice(2), pid: Number(t[0]), user: t[1]}
  }
  if (format === 'full') {
    if (t.length < 8 || !NUM.test(t[1] as string) || !NUM.test(t[2] as string) || !TIME.test(t[6] as string)) return undefined
    return {args: t.slice(7), pid: Number(t[1]), user: t[0] as string}
  }
  if (t.length < 11 || !NUM.test(t[1] as string) || !/^\d+(\.\d+)?$/.test(t[2] as string) || !TIME.test(t[9] as string)) return undefined
  return {args: t.slice(10), pid: Number(t[1]), user: t[0] as string}
}

/** `warnings` rides on the array as a non-enumerable property: the list still compares and serialises as a plain list. */
function withWarnings<T>(list: T[], warnings: string[]): T[] & {warnings: string[]} {
  return Object.defineProperty(list, 'warnings', {enumerable: false, value: warnings}) as T[] & {warnings: string[]}
}

export function parsePsOutput(text: string): PsRows {
  assertText(text, 'ps output')
  const rows: PsRow[] = []
  const warnings: string[] = []
  let format: Format | undefined
  const lines = text.split('\n')
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n] as string
    if (line.length > LINE_LIMIT) {
      warnings.push(`line ${n + 1}: ${line.length} characters, kept the first ${LINE_LIMIT}`)
      line = line.slice(0, LINE_LIMIT)
    }
    const t = line.trim().split(/\s+/).filter((w) => w !== '')
    if (t.length === 0) continue
    const headerFormat = formatOf(t)
    if (headerFormat) {
      format = headerFormat
      continue
    }
    // No header (`--no-headers`): take the first row's shape.
    format ??= rowOf(t, 'full') ? 'full' : rowOf(t, 'aux') ? 'aux' : 'pid-user-args'
    const row = rowOf(t, format)
    if (row) {
      rows.push(row)
      continue
    }
    const last = rows[rows.length - 1]
    // Only -f/aux output gets folded continuation lines; a pid=,user=,args= row always starts with a PID.
    if (last && format !== 'pid-user-args') {
      for (const w of t) last.args.push(w)
      continue
    }
    if (rows.length === 0) throw new ParseError(`not ps output: "${clip(line.trim())}"`)
    warnings.push(`line ${n + 1}: not a ps row ("${clip(line.trim())}"); kept the ${rows.length} processes before it`)
    break
  }
  return withWarnings(rows, warnings)
}
