// `lab up --system-paths`: the lab node keeps its configs in /etc/neutron and /etc/nova and its
// state in /var/lib/neutron, where sos's openstack_neutron and openstack_nova plugins collect
// them. Those paths must hold nothing but files byte-identical to what a Debian package shipped
// (conffiles, and the templates its postinst copies there); those are moved aside into the lab
// directory and put back by `down`. Anything else makes `up` refuse.
import {createHash} from 'node:crypto'
import {lstat, mkdir, readdir, readFile, rename, rm, rmdir, writeFile} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'

import {LabError} from './errors.js'
import {exists} from './files.js'
import {SYSTEM_ETC, SYSTEM_STATE_PATH} from './plan.js'
import type {SystemPathsRecord} from './state.js'

export const SYSTEM_TREES = [join(SYSTEM_ETC, 'neutron'), join(SYSTEM_ETC, 'nova'), SYSTEM_STATE_PATH]

interface Walked {
  files: string[]
  dirs: string[]
  other: string[]
}

async function walk(root: string, out: Walked = {dirs: [], files: [], other: []}): Promise<Walked> {
  const st = await lstat(root).catch(() => undefined)
  if (st === undefined) return out
  if (st.isDirectory()) {
    out.dirs.push(root)
    for (const e of (await readdir(root)).sort()) await walk(join(root, e), out)
  } else if (st.isFile()) out.files.push(root)
  else out.other.push(root)
  return out
}

const md5 = async (path: string): Promise<string> => createHash('md5').update(await readFile(path)).digest('hex')

/**
 * What Debian's packages shipped, from dpkg's own records: conffile checksums (`Conffiles:` in
 * /var/lib/dpkg/status) by path, and every packaged file's checksum (info/*.md5sums) by name.
 */
export async function packageChecksums(dpkgDir = '/var/lib/dpkg'): Promise<{conffiles: Map<string, string>; shipped: Set<string>}> {
  const conffiles = new Map<string, string>()
  const status = await readFile(join(dpkgDir, 'status'), 'utf8').catch(() => '')
  for (const m of status.matchAll(/^ (\/\S+) ([0-9a-f]{32})(?: obsolete)?$/gm)) conffiles.set(m[1] ?? '', m[2] ?? '')
  const shipped = new Set<string>()
  const info = join(dpkgDir, 'info')
  for (const f of (await readdir(info).catch(() => [] as string[])).filter((n) => /^(neutron|nova|python3-neutron|python3-nova)[^/]*\.md5sums$/.test(n))) {
    for (const line of (await readFile(join(info, f), 'utf8')).split('\n')) {
      const m = /^([0-9a-f]{32}) {2}(usr\/share\/\S+)$/.exec(line)
      if (m) shipped.add(`${m[1]} ${basename(m[2] ?? '')}`)
    }
  }
  return {conffiles, shipped}
}

/** Checks the system paths and plans what to move aside; throws LabError naming what is in the way. */
export async function planSystemPaths(trees = SYSTEM_TREES, dpkgDir?: string): Promise<{preexistingDirs: string[]; packageFiles: string[]}> {
  const {conffiles, shipped} = await packageChecksums(dpkgDir)
  const preexistingDirs: string[] = []
  const packageFiles: string[] = []
  const foreign: string[] = []
  for (const t of trees) {
    const w = await walk(t)
    preexistingDirs.push(...w.dirs)
    foreign.push(...w.other)
    for (const f of w.files) {
      const sum = await md5(f)
      if (conffiles.get(f) === sum || shipped.has(`${sum} ${basename(f)}`)) packageFiles.push(f)
      else foreign.push(f)
    }
  }
  if (foreign.length > 0) {
    throw new LabError(`--system-paths: ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ` (+${foreign.length - 3} more)` : ''} ${foreign.length > 1 ? 'were' : 'was'} neither written by the lab nor shipped unchanged by a Debian package: refusing to touch a real node's configuration (move it away, or run the lab without --system-paths)`)
  }
  return {packageFiles, preexistingDirs}
}

const RECORD = 'record.json'

/** Moves the package files aside, recording each move (in the lab state and beside the files) before it happens. */
export async function claimSystemPaths(record: SystemPathsRecord, packageFiles: readonly string[], asideDir: string, save: () => Promise<void>): Promise<void> {
  await mkdir(asideDir, {mode: 0o700, recursive: true})
  const keep = async (): Promise<void> => {
    await save()
    await writeFile(join(asideDir, RECORD), `${JSON.stringify({...record, aside: asideDir})}\n`, {mode: 0o600})
  }
  await keep()
  for (const from of packageFiles) {
    const to = join(asideDir, 'files', from)
    record.moved.push({from, to})
    await keep()
    await mkdir(dirname(to), {recursive: true})
    await rename(from, to)
  }
}

/** The record kept beside the moved files, when a claim is still outstanding. */
export async function readAsideRecord(asideDir: string): Promise<SystemPathsRecord | undefined> {
  try {
    const r = JSON.parse(await readFile(join(asideDir, RECORD), 'utf8')) as Partial<SystemPathsRecord>
    return Array.isArray(r.trees) && Array.isArray(r.moved) && Array.isArray(r.preexistingDirs) ? (r as SystemPathsRecord) : undefined
  } catch {
    return undefined
  }
}

/**
 * Undoes `claimSystemPaths` and the lab's writes: every file now under the trees is the lab's
 * (up refused anything else), directories the lab made go, the package files come back.
 */
export async function releaseSystemPaths(record: SystemPathsRecord, asideDir?: string): Promise<string[]> {
  const removed: string[] = []
  const keep = new Set(record.preexistingDirs)
  for (const t of record.trees) {
    const w = await walk(t)
    for (const f of [...w.files, ...w.other]) {
      await rm(f, {force: true})
      removed.push(f)
    }
    for (const d of w.dirs.reverse()) {
      if (keep.has(d)) continue
      if (await rmdir(d).then(() => true, () => false)) removed.push(d)
    }
  }
  let back = 0
  for (const {from, to} of record.moved) {
    if (!(await exists(to))) continue
    await mkdir(dirname(from), {recursive: true})
    await rename(to, from)
    back++
  }
  // every file is back: the record and the empty directories go
  if (asideDir !== undefined) await rm(asideDir, {force: true, recursive: true})
  if (back > 0) removed.push(`${back} package file(s) put back`)
  return removed
}
