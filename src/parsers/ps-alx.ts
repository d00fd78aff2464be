/**
 * `ps alxwww` (sos `sos_commands/process/ps_alxwww`): BSD long format, numeric UID, no user names.
 *
 * Real sample (procps-ng 4.0.2, sos 4.0 on Debian bookworm):
 * ```
 * F   UID   PID  PPID PRI  NI    VSZ   RSS WCHAN  STAT TTY        TIME COMMAND
 * 4     0     1     0  10 -10  49628 18564 -      S<Ll ?          0:04 /process_api --firecracker-init
 * 1     0     2     0  20   0      0     0 kthrea S    ?          0:00 [kthreadd]
 * ```
 *
 * Contract:
 * - One PsRow per line; `user` is the numeric UID as printed, `args` the COMMAND split on
 *   whitespace. Rows are recognised by shape (numeric F, UID, PID, PPID, a TIME column at index 11),
 *   so the header may be absent. WCHAN is one token (`-`, `kthrea`, `do_sel`).
 * - A row of another shape after good rows stops the parse with a warning; before any row it is a
 *   ParseError. Binary input is a ParseError.
 */
import {assertText, ParseError} from './errors.js'
import type {PsRow, PsRows} from './ps.js'

const NUM = /^\d+$/
const TIME = /^(\d+-)?\d+:\d{2}(:\d{2})?$/
const HEADER = /^F\s+UID\s+PID\s+PPID\b/

export function parsePsAlx(text: string): PsRows {
  assertText(text, 'ps alx output')
  const rows: PsRow[] = []
  const warnings: string[] = []
  for (const line of text.split('\n')) {
    const t = line.trim().split(/\s+/).filter((w) => w !== '')
    if (t.length === 0 || HEADER.test(line.trim())) continue
    const ok = t.length >= 13 && NUM.test(t[0] ?? '') && NUM.test(t[1] ?? '') && NUM.test(t[2] ?? '') && NUM.test(t[3] ?? '') && TIME.test(t[11] ?? '')
    if (!ok) {
      if (rows.length === 0) throw new ParseError(`not ps alx output: "${line.trim().slice(0, 80)}"`)
      warnings.push(`not a ps alx row ("${line.trim().slice(0, 80)}"); kept the ${rows.length} processes before it`)
      break
    }
    rows.push({args: t.slice(12), pid: Number(t[2]), user: t[1] ?? ''})
  }
  return Object.defineProperty(rows, 'warnings', {enumerable: false, value: warnings}) as PsRows
}
