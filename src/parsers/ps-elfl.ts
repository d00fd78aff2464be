/**
 * `ps -elfL` (sos `sos_commands/process/ps_-elfL`): long full format, one row per thread (LWP).
 *
 * Real sample (procps-ng 4.0.2, sos 4.0 on Debian bookworm):
 * ```
 * F S UID        PID  PPID   LWP  C NLWP PRI  NI ADDR SZ WCHAN  STIME TTY          TIME CMD
 * 4 S root         1     0     1  1   13  70 -10 - 12407 -      18:10 ?        00:00:04 /process_api --firecracker-init
 * 5 S root         1     0    59  0   13  80   0 - 12407 -      18:10 ?        00:00:00 /process_api --firecracker-init
 * 1 I root         3     2     3  0    1  60 -20 -     0 -      18:10 ?        00:00:00 [rcu_gp]
 * ```
 *
 * Contract:
 * - One PsRow per PID (its first thread row); `user` as printed (UID column), `args` the CMD split
 *   on whitespace. STIME is one token (`18:10`, `Nov22`, `2025`).
 * - Rows are recognised by shape (numeric PID, PPID, LWP, NLWP and a TIME column at index 15),
 *   so the header may be absent; a row of another shape after good rows stops the parse with a
 *   warning, before any row is a ParseError. Binary input is a ParseError.
 */
import {assertText, ParseError} from './errors.js'
import type {PsRow, PsRows} from './ps.js'

const NUM = /^\d+$/
const TIME = /^(\d+-)?\d+:\d{2}(:\d{2})?$/
const HEADER = /^F\s+S\s+UID\s+PID\s+PPID\s+LWP\b/

export function parsePsElfL(text: string): PsRows {
  assertText(text, 'ps -elfL output')
  const rows: PsRow[] = []
  const seen = new Set<number>()
  const warnings: string[] = []
  for (const line of text.split('\n')) {
    const t = line.trim().split(/\s+/).filter((w) => w !== '')
    if (t.length === 0 || HEADER.test(line.trim())) continue
    const ok = t.length >= 17 && NUM.test(t[3] ?? '') && NUM.test(t[4] ?? '') && NUM.test(t[5] ?? '') && NUM.test(t[7] ?? '') && TIME.test(t[15] ?? '')
    if (!ok) {
      if (rows.length === 0) throw new ParseError(`not ps -elfL output: "${line.trim().slice(0, 80)}"`)
      warnings.push(`not a ps -elfL row ("${line.trim().slice(0, 80)}"); kept the ${rows.length} processes before it`)
      break
    }
    const pid = Number(t[3])
    if (seen.has(pid)) continue
    seen.add(pid)
    rows.push({args: t.slice(16), pid, user: t[2] ?? ''})
  }
  return Object.defineProperty(rows, 'warnings', {enumerable: false, value: warnings}) as PsRows
}
