// `lab down`: removes everything `up` made, from the state file and by sweeping for the lab's
// names (mdlab-* namespaces, qrouter-/qdhcp- namespaces with the lab's uuid prefix, the lab's
// daemons), so a crashed or half-built lab goes too. Running it again finds nothing to do.
import {readdir, rm, rmdir} from 'node:fs/promises'
import {basename, dirname, resolve} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {DAEMON_MARKERS} from './daemon-launch.js'
import {exists} from './files.js'
import {DEFAULT_STATE_DIR, HOST_LINK, isLabNetns, labPaths, SYSTEM_ASIDE} from './plan.js'
import {assertRootOnLinux} from './preflight.js'
import {findLabProcesses, procInfo, stopProcesses} from './processes.js'
import {NETNS_DIR, run} from './run.js'
import {readMarker, readState} from './state.js'
import {readAsideRecord, releaseSystemPaths} from './system-paths.js'
import {deleteHostLink, deleteNetns} from './topology.js'

export interface LabDownOptions {
  stateDir?: string
}

async function rootLinkExists(name: string): Promise<boolean> {
  return (await run(['ip', 'link', 'show', 'dev', name], {allowFail: true})).ok
}

/**
 * Only one lab can exist (its namespace names are fixed). When `dir` holds none but a lab daemon
 * runs, the lab lives in the directory that daemon names: tear that one down.
 */
async function runningLabDir(): Promise<string | undefined> {
  for (const pid of await labDaemonPids()) {
    const info = await procInfo(pid)
    const stateFile = info?.argv.at(-1)
    if (stateFile?.endsWith('/lab.json') && (await readState(stateFile)) !== undefined) return dirname(stateFile)
  }
  return undefined
}

async function labDaemonPids(): Promise<number[]> {
  const pids: number[] = []
  for (const e of await readdir('/proc')) {
    const info = /^\d+$/.test(e) ? await procInfo(Number(e)) : undefined
    if (info && !info.zombie && info.argv.some((a) => DAEMON_MARKERS.some((m) => a.endsWith(m)))) pids.push(info.pid)
  }
  return pids
}

/** `lab agent` / `lab api` for the lab's reference daemons (`node …/lab/daemon.js agent <lab.json>`). */
function labDaemonRole(argv: readonly string[]): string | undefined {
  const at = argv.findIndex((a) => DAEMON_MARKERS.some((m) => a.endsWith(m)))
  const role = at === -1 ? undefined : argv[at + 1]
  return role === 'agent' || role === 'api' ? `lab ${role}` : undefined
}

export async function labDown(opts: LabDownOptions = {}): Promise<{removed: string[]}> {
  assertRootOnLinux()
  let dir = resolve(opts.stateDir ?? DEFAULT_STATE_DIR)
  let state = await readState(`${dir}/lab.json`)
  if (state === undefined && !(await exists(`${dir}/.mdctl-lab`))) {
    const elsewhere = await runningLabDir()
    if (elsewhere !== undefined) {
      dir = elsewhere
      state = await readState(`${dir}/lab.json`)
    }
  }
  const removed: string[] = []

  const present = await readdir(NETNS_DIR).catch(() => [] as string[])
  const namespaces = present.filter((n) => isLabNetns(n) || (state?.namespaces.includes(n) ?? false))

  const sweep = async (netnsPaths: string[]): Promise<number> => {
    const procs = await findLabProcesses({argvMarkers: DAEMON_MARKERS, dir, netnsPaths})
    const stopped = new Set(await stopProcesses(procs.map((p) => p.pid)))
    for (const p of procs) if (stopped.has(p.pid)) removed.push(`process ${labDaemonRole(p.argv) ?? basename(p.argv[0] ?? p.comm)} (pid ${p.pid})`)
    return stopped.size
  }
  // processes first: a namespace with a daemon inside would outlive `ip netns del`
  await sweep(namespaces.map((n) => `${NETNS_DIR}/${n}`))

  for (const link of new Set([...(state?.hostLinks ?? []), HOST_LINK])) {
    if ((await rootLinkExists(link)) && (await deleteHostLink(link))) removed.push(`link ${link}`)
  }
  for (const ns of namespaces) if (await deleteNetns(ns)) removed.push(`netns ${ns}`)
  // An `up` killed mid-step may have had a daemon still forking when the first sweep looked; once
  // the namespaces are gone nothing new can enter them, so a last look by argv catches the rest.
  for (let i = 0; i < 3; i++) {
    await sleep(50)
    if ((await sweep([])) === 0) break
  }

  for (const hp of state?.hostPaths ?? []) {
    // only if still empty: something else may have started using it meanwhile
    if (await rmdir(hp).then(() => true, () => false)) removed.push(hp)
  }

  // the system paths first: the package files moved aside wait in the lab directory
  // (the record beside them counts too: the state file may be gone)
  const claim = state?.systemPaths ?? (await readAsideRecord(SYSTEM_ASIDE))
  if (claim !== undefined) removed.push(...(await releaseSystemPaths(claim, SYSTEM_ASIDE)))

  // files: only in a directory `up` marked as a lab
  const marker = await readMarker(`${dir}/.mdctl-lab`)
  if (state !== undefined || marker !== undefined) {
    const p = labPaths(dir, {network: state?.ids.network ?? ''})
    for (const f of p.topLevel) {
      if (await exists(f)) {
        await rm(f, {force: true, recursive: true})
        removed.push(f)
      }
    }
    for (const d of state?.createdDirs ?? marker?.createdDirs ?? []) {
      // only while empty: anything else put there is not the lab's to remove
      if (!(await rmdir(d).then(() => true, () => false))) break
      removed.push(d)
    }
  }
  return {removed}
}
