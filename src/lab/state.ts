// The record of what `lab up` made, written before each step so that `lab down` can undo a
// half-built lab too. It holds ids and names only, never the shared secret.
import {readFile, rename, writeFile} from 'node:fs/promises'

import type {LabIds} from './plan.js'
import type {LabPath} from './scenarios.js'

export interface LabState {
  version: 1
  scenario: string
  /** the path built, when `--path` chose the scenario's other one */
  path?: LabPath
  dir: string
  /** directories `up` created, the lab directory first, then its new parents: `down` removes them once empty */
  createdDirs: string[]
  startedAt: string
  complete: boolean
  ssh: boolean
  apiPort: number
  ids: LabIds
  /** namespaces and root-namespace links, added before they are created */
  namespaces: string[]
  hostLinks: string[]
  /** host paths outside the lab directory that `up` had to create (sshd's /run/sshd) */
  hostPaths: string[]
  /**
   * `--system-paths`: the lab's configs and state live in /etc/neutron, /etc/nova and
   * /var/lib/neutron; the package files found there were moved aside and come back on `down`
   */
  systemPaths?: SystemPathsRecord
  /** started daemons, for `status`; `down` re-finds processes through /proc either way */
  processes: Array<{role: string; pid: number; netns?: string}>
}

export interface SystemPathsRecord {
  /** /etc/neutron, /etc/nova, /var/lib/neutron */
  trees: string[]
  /** directories that existed before `up`: `down` keeps them */
  preexistingDirs: string[]
  /** package files moved aside (byte-identical to what Debian shipped), recorded before each move */
  moved: Array<{from: string; to: string}>
}

export async function readState(file: string): Promise<LabState | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return undefined
  }
  try {
    const s = JSON.parse(text) as LabState
    return s.version === 1 && typeof s.dir === 'string' ? s : undefined
  } catch {
    return undefined
  }
}

export async function writeState(file: string, s: LabState): Promise<void> {
  // write-then-rename: a crash never leaves a truncated record behind
  await writeFile(`${file}.tmp`, JSON.stringify(s, null, 2) + '\n', {mode: 0o644})
  await rename(`${file}.tmp`, file)
}

/**
 * Written first, before the state file: marks the directory as a lab's (so `down` may delete the
 * lab's entries in it) and lists the directories `up` created for it.
 */
export async function writeMarker(file: string, createdDirs: string[]): Promise<void> {
  await writeFile(file, JSON.stringify({createdDirs, madeBy: 'mdctl lab up'}) + '\n', {mode: 0o644})
}

export async function readMarker(file: string): Promise<{createdDirs: string[]} | undefined> {
  try {
    const m = JSON.parse(await readFile(file, 'utf8')) as {createdDirs?: unknown}
    return {createdDirs: Array.isArray(m.createdDirs) ? m.createdDirs.filter((d): d is string => typeof d === 'string') : []}
  } catch {
    return undefined
  }
}
