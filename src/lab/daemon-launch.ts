// Starts the lab's reference agent or API as a detached background process of mdctl, with its
// log in the lab directory, and waits until it reports itself ready by writing its pid file.
import {spawn} from 'node:child_process'
import {closeSync, openSync} from 'node:fs'
import {readFile, rm} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {LabError} from './errors.js'
import type {LabPaths} from './plan.js'
import {isAlive, readPidFile, waitFor} from './processes.js'

export type DaemonRole = 'agent' | 'api'

const here = fileURLToPath(import.meta.url)
const DAEMON_ENTRY = join(dirname(here), here.endsWith('.ts') ? 'daemon.ts' : 'daemon.js')
/** One of these ends an argv entry of every lab daemon (from sources or from the build). */
export const DAEMON_MARKERS: readonly string[] = ['/lab/daemon.ts', '/lab/daemon.js']

export const daemonPidFile = (p: LabPaths, role: DaemonRole): string => join(p.runDir, `${role}.pid`)
export const daemonLog = (p: LabPaths, role: DaemonRole): string => join(p.logDir, `${role}.log`)

// src/lab or dist/lab: the package root is two levels up; `--import tsx` resolves from there.
const PACKAGE_ROOT = join(dirname(here), '..', '..')

function nodeArgs(): string[] {
  // Running from TypeScript sources (tests, bin/dev.js): load the daemon through tsx as well.
  return here.endsWith('.ts') ? ['--import', 'tsx', DAEMON_ENTRY] : [DAEMON_ENTRY]
}

export async function startDaemon(p: LabPaths, role: DaemonRole): Promise<number> {
  const pidFile = daemonPidFile(p, role)
  await rm(pidFile, {force: true})
  const log = openSync(daemonLog(p, role), 'a', 0o600)
  let exited: number | null | undefined
  try {
    const child = spawn(process.execPath, [...nodeArgs(), role, p.stateFile], {
      cwd: PACKAGE_ROOT,
      detached: true,
      env: {...process.env, NO_COLOR: '1'},
      stdio: ['ignore', log, log],
    })
    child.once('exit', (code) => {
      exited = code
    })
    child.unref()
  } finally {
    closeSync(log)
  }
  const pid = await waitFor(15_000, async () => {
    if (exited !== undefined) return -1
    const pid = await readPidFile(pidFile)
    return pid !== undefined && (await isAlive(pid)) ? pid : undefined
  })
  if (pid === undefined || pid < 0) {
    const tail = (await readFile(daemonLog(p, role), 'utf8').catch(() => '')).trim().split('\n').slice(-1)[0]
    throw new LabError(`the lab's reference ${role} did not start${tail ? `: ${tail}` : ''} (log: ${daemonLog(p, role)})`)
  }
  return pid
}
