/**
 * `ps auxwwwm` (sos 4.2+ `sos_commands/process/ps_auxwwwm`): `ps aux` with each process followed
 * by one row per thread, whose PID, %MEM, VSZ, RSS, TTY and COMMAND are `-`.
 *
 * Real sample (procps-ng 4.0.2, sos 4.0 on Debian bookworm):
 * ```
 * USER       PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND
 * root         1  1.0  0.0  49628 18564 ?        -    18:10   0:04 /process_api --firecracker-init --addr 0.0.0.0:2024
 * root         -  1.0    -      -     - -        S<Ll 18:10   0:04 -
 * ```
 *
 * Contract: thread rows (PID column `-`) are dropped; the process rows are `ps aux` rows, read by
 * `parsePsOutput` (its contract applies: header, folded lines, ParseError on non-ps text).
 */
import {parsePsOutput, type PsRows} from './ps.js'

const THREAD_ROW = /^\S+\s+-\s/

export function parsePsAuxm(text: string): PsRows {
  const kept: string[] = []
  for (const line of text.split('\n')) if (!THREAD_ROW.test(line)) kept.push(line)
  return parsePsOutput(kept.join('\n'))
}
