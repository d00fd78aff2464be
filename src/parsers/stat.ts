/**
 * File facts for the metadata socket and friends: `stat -c '%n|%F|%a|%u|%g|%U|%G|%i' PATH` (what
 * mdctl captures), and single `ls -l` / `ll` lines (what field write-ups show).
 *
 * Real samples (GNU coreutils 9.1 on the agent emulator's socket; seed 001 for the `ll` line):
 * ```
 * /var/lib/neutron/metadata_proxy|socket|644|65534|65534|nobody|nogroup|2147201
 * srw-r--r-- 1 stack stack 0 Jul  1 13:30 /opt/stack/data/neutron/metadata_proxy
 * ```
 *
 * Contract:
 * - stat: the last seven `|` fields are fixed, so a path containing `|` survives. `%F` maps to
 *   socket / file (`regular file`, `regular empty file`) / directory / symlink (`symbolic link`) /
 *   other. `mode` is the permission bits (octal `%a` → number, `644` → 0o644). `%U`/`%G` of
 *   `UNKNOWN` (no passwd entry) leave `user`/`group` unset. Only the first non-empty line is read.
 * - ls -l: type from the first character (`s`, `-`, `d`, `l`, else other), mode from the nine rwx
 *   characters including setuid/setgid/sticky (`s`/`S`/`t`/`T`); owner and group are names as
 *   printed (no ids); dates in the default (`Jul  1 13:30`, `Jul  1  2023`) and ISO styles; a
 *   symlink's ` -> target` goes to `linkTarget`. A trailing ACL/SELinux mark (`+`, `.`) is ignored.
 * - Refused with ParseError: binary data, empty input, and lines of any other shape
 *   (`stat: cannot statx '…': No such file or directory`, `ls: cannot access …`).
 */
import {assertText, ParseError} from './errors.js'

export type FileType = 'socket' | 'file' | 'directory' | 'symlink' | 'other'

export interface StatResult {
  path: string
  type: FileType
  /** permission bits */
  mode: number
  uid: number
  gid: number
  user?: string
  group?: string
  inode: number
}

export interface LsLongEntry {
  path: string
  type: FileType
  mode: number
  user: string
  group: string
  size?: number
  linkTarget?: string
}

// Messages quote input, which can be hostile: one line, printable, short.
const clip = (s: string): string => {
  const one = s.slice(0, 81).replace(/[\u0000-\u001f\u007f]/g, ' ')
  return one.length > 80 ? `${one.slice(0, 80)}…` : one
}

function typeOfStat(f: string): FileType {
  if (f === 'socket') return 'socket'
  if (f === 'regular file' || f === 'regular empty file') return 'file'
  if (f === 'directory') return 'directory'
  if (f === 'symbolic link') return 'symlink'
  return 'other'
}

export function parseStat(text: string): StatResult {
  assertText(text, 'stat output')
  const line = text.split('\n').find((l) => l.trim() !== '')
  if (line === undefined) throw new ParseError('empty stat output')
  const f = line.replace(/\r$/, '').split('|')
  if (f.length < 8) throw new ParseError(`not stat -c '%n|%F|%a|%u|%g|%U|%G|%i' output: "${clip(line.trim())}"`)
  const [type, mode, uid, gid, user, group, inode] = f.slice(-7) as [string, string, string, string, string, string, string]
  if (!/^[0-7]{1,4}$/.test(mode) || !/^\d+$/.test(uid) || !/^\d+$/.test(gid) || !/^\d+$/.test(inode)) {
    throw new ParseError(`not stat -c '%n|%F|%a|%u|%g|%U|%G|%i' output: "${clip(line.trim())}"`)
  }
  const out: StatResult = {gid: Number(gid), inode: Number(inode), mode: Number.parseInt(mode, 8), path: f.slice(0, -7).join('|'), type: typeOfStat(type), uid: Number(uid)}
  if (user !== 'UNKNOWN' && user !== '') out.user = user
  if (group !== 'UNKNOWN' && group !== '') out.group = group
  return out
}

const LS = /^([-bcdlpsD])([-r][-w][-xsS][-r][-w][-xsS][-r][-w][-xtT])[.+@]?\s+\d+\s+(\S+)\s+(\S+)\s+(\d+|\d+,\s*\d+)\s+(?:\S+\s+\d{1,2}\s+(?:\d{1,2}:\d{2}|\d{4})|\d{4}-\d{2}-\d{2}\s+\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s+[+-]\d{4})?)\s(.+)$/

function modeOf(rwx: string): number {
  let mode = 0
  const bit = (i: number, v: number): void => {
    const ch = rwx[i] as string
    if (ch !== '-' && ch !== 'S' && ch !== 'T') mode |= v
  }
  bit(0, 0o400)
  bit(1, 0o200)
  bit(2, 0o100)
  bit(3, 0o040)
  bit(4, 0o020)
  bit(5, 0o010)
  bit(6, 0o004)
  bit(7, 0o002)
  bit(8, 0o001)
  if (rwx[2] === 's' || rwx[2] === 'S') mode |= 0o4000
  if (rwx[5] === 's' || rwx[5] === 'S') mode |= 0o2000
  if (rwx[8] === 't' || rwx[8] === 'T') mode |= 0o1000
  return mode
}

const LS_TYPES: Record<string, FileType> = {'-': 'file', d: 'directory', l: 'symlink', s: 'socket'}

export function parseLsLong(line: string): LsLongEntry {
  assertText(line, 'ls -l line')
  const trimmed = line.trim()
  if (trimmed === '') throw new ParseError('empty ls -l line')
  const m = LS.exec(trimmed)
  if (!m) throw new ParseError(`not an ls -l line: "${clip(trimmed)}"`)
  const [, typeChar, rwx, user, group, size, rest] = m as unknown as [string, string, string, string, string, string, string]
  const type = LS_TYPES[typeChar] ?? 'other'
  const entry: LsLongEntry = {group, mode: modeOf(rwx), path: rest.trimStart(), type, user}
  if (/^\d+$/.test(size)) entry.size = Number(size)
  if (type === 'symlink') {
    const arrow = entry.path.indexOf(' -> ')
    if (arrow !== -1) {
      entry.linkTarget = entry.path.slice(arrow + 4)
      entry.path = entry.path.slice(0, arrow)
    }
  }
  return entry
}
