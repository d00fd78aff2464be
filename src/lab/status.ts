// `lab status`: what of the lab is there right now, from the state file checked against the host.
import {readdir} from 'node:fs/promises'
import {resolve} from 'node:path'

import {labInfo, type LabInfo} from './info.js'
import {DEFAULT_STATE_DIR, isLabNetns} from './plan.js'
import {procInfo} from './processes.js'
import {NETNS_DIR} from './run.js'
import {findScenario, resolveSpec, type LabPath} from './scenarios.js'
import {readState} from './state.js'

export interface LabStatus {
  /** a complete lab whose namespaces and processes are all there */
  up: boolean
  stateDir: string
  /** the lab as built; absent when the directory holds no lab */
  lab?: LabInfo
  namespaces: Array<{name: string; present: boolean}>
  processes: Array<{role: string; pid: number; running: boolean; netns?: string}>
  /** lab-named namespaces no state file accounts for (a crashed lab elsewhere): `lab down` removes them */
  strays: string[]
}

export async function labStatus(opts: {stateDir?: string} = {}): Promise<LabStatus> {
  const stateDir = resolve(opts.stateDir ?? DEFAULT_STATE_DIR)
  const state = await readState(`${stateDir}/lab.json`)
  const present = await readdir(NETNS_DIR).catch(() => [] as string[])
  const known = new Set(state?.namespaces ?? [])
  const namespaces = [...known].map((name) => ({name, present: present.includes(name)}))
  const processes = await Promise.all(
    (state?.processes ?? []).map(async (p) => {
      const info = await procInfo(p.pid)
      // a reused pid is not the lab's process: it must still name the lab directory
      const running = info !== undefined && !info.zombie && info.argv.some((a) => a.includes(stateDir + '/'))
      return {...p, running}
    }),
  )
  const strays = present.filter((n) => isLabNetns(n) && !known.has(n))
  const expectedDown = new Set(stoppedOnPurpose(state?.scenario, state?.path))
  const up = state !== undefined && state.complete && namespaces.every((n) => n.present) && processes.every((p) => p.running || expectedDown.has(p.role))
  return {namespaces, processes, stateDir, strays, up, ...(state ? {lab: labInfo(state)} : {})}
}

/** Daemons the scenario kills on purpose after starting them. */
function stoppedOnPurpose(name: string | undefined, path: LabPath | undefined): string[] {
  const scenario = name === undefined ? undefined : findScenario(name)
  if (scenario === undefined) return []
  const spec = resolveSpec(scenario, path)
  return [...(spec.proxy === 'killed' ? ['haproxy-router', 'haproxy-dhcp'] : []), ...(spec.agent === 'crashed' ? ['agent'] : [])]
}
