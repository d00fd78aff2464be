// Faults made on a running OVN lab, and their undoing: `lab up --scenario` builds the healthy path
// and then breaks it this way; tests switch one lab from fault to fault without rebuilding it.
import {readdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {LabError} from '../errors.js'
import {exists} from '../files.js'
import {procInfo, readPidFile, stopProcesses, waitFor} from '../processes.js'
import {run} from '../run.js'
import {agentIni, healthyAgent, iniLine, novaConf, type AgentSettings} from './config.js'
import {pidFileOf, startAgent, startNova, waitAgentReady} from './daemons.js'
import {renewLease} from './guest.js'
import {addMetadataPort, deleteMetadataPort, setDhcpRoute} from './northbound.js'
import {metaNetns, OVN_BRIDGE, OVN_IDS, OVN_SB_UNREACHABLE, OVN_WRONG_NOVA_HOST, ovnEnv, vethNames, type OvnLabPaths} from './plan.js'
import type {OvnFault} from './scenarios.js'

export const haproxyPidFile = (p: OvnLabPaths): string => join(p.statePath, 'external', 'pids', `${OVN_IDS.network}.pid.haproxy`)

async function agentSecret(p: OvnLabPaths): Promise<string> {
  const s = iniLine(await readFile(p.agentIni, 'utf8'), 'metadata_proxy_shared_secret')
  if (s === undefined) throw new LabError(`${p.agentIni} has no metadata_proxy_shared_secret`)
  return s
}

/** The agent, its workers and its privsep daemons: every process naming the agent's config file (haproxy does not). */
async function agentPids(p: OvnLabPaths): Promise<number[]> {
  const pids: number[] = []
  for (const e of await readdir('/proc')) {
    const info = /^\d+$/.test(e) ? await procInfo(Number(e)) : undefined
    if (info && !info.zombie && info.pid !== process.pid && info.argv.some((a) => a.includes(p.agentIni))) pids.push(info.pid)
  }
  return pids
}

/** SIGKILL: a crash, leaving the socket file and haproxy behind. */
export async function killAgent(p: OvnLabPaths): Promise<void> {
  for (const pid of await agentPids(p)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // gone
    }
  }
  await waitFor(5000, async () => ((await agentPids(p)).length === 0 ? true : undefined))
}

export async function restartAgent(p: OvnLabPaths, a: AgentSettings, ready: 'haproxy' | 'sb-refused' | 'no-namespace'): Promise<void> {
  await stopProcesses(await agentPids(p))
  await writeFile(p.agentIni, agentIni(p, a), {mode: 0o640})
  const logFrom = (await readFile(p.agentLog, 'utf8').catch(() => '')).length
  await startAgent(p)
  if (ready === 'haproxy') await waitAgentReady(p, {haproxyPidFile: haproxyPidFile(p)})
  // it never accepts: ready once it has failed to reach the SB
  else if (ready === 'sb-refused') await waitAgentReady(p, {logFrom, logLine: /Unable to open stream to \S+ to retrieve schema/})
  else await waitAgentReady(p, {})
  if (ready === 'no-namespace') {
    const gone = await waitFor(60_000, async () => ((await exists(`/run/netns/${metaNetns()}`)) ? undefined : true))
    if (!gone) throw new LabError(`the agent did not remove ${metaNetns()} (log: ${p.agentLog})`)
  }
}

async function restartNova(p: OvnLabPaths, secret: string): Promise<void> {
  const pid = await readPidFile(pidFileOf(p, 'nova-api-metadata'))
  if (pid !== undefined) await stopProcesses([pid])
  await writeFile(p.novaConf, novaConf(secret), {mode: 0o640})
  await startNova(p)
}

const vsctl = async (p: OvnLabPaths, ...args: string[]): Promise<void> => {
  await run(['ovs-vsctl', `--db=unix:${p.ovsSock}`, ...args], {env: ovnEnv(p)})
}

/** Make (`on`) or undo one fault on the running lab. */
export async function setFault(p: OvnLabPaths, fault: OvnFault, on: boolean): Promise<void> {
  const secret = await agentSecret(p)
  const healthy = healthyAgent(secret)
  switch (fault) {
    case 'secret-mismatch':
      return restartNova(p, on ? `${secret}-other` : secret)
    case 'dhcp-route-missing':
      await setDhcpRoute(!on)
      return renewLease(p)
    case 'veth-unplugged': {
      const [br] = vethNames()
      return on ? vsctl(p, 'del-port', OVN_BRIDGE, br) : vsctl(p, '--may-exist', 'add-port', OVN_BRIDGE, br, '--', 'set', 'Interface', br, `external_ids:iface-id=${OVN_IDS.metadataPort}`)
    }
    case 'haproxy-dead': {
      if (!on) return restartAgent(p, healthy, 'haproxy')
      const pid = await readPidFile(haproxyPidFile(p))
      if (pid === undefined) throw new LabError(`no haproxy pid file at ${haproxyPidFile(p)}`)
      process.kill(pid, 'SIGKILL')
      return
    }
    case 'agent-down':
      return on ? killAgent(p) : restartAgent(p, healthy, 'haproxy')
    case 'metadata-port-missing':
      if (on) {
        await deleteMetadataPort()
        return restartAgent(p, healthy, 'no-namespace')
      }
      await addMetadataPort()
      return restartAgent(p, healthy, 'haproxy')
    case 'wrong-nova-host':
      return restartAgent(p, on ? {...healthy, novaHost: OVN_WRONG_NOVA_HOST} : healthy, 'haproxy')
    case 'sb-unreachable':
      return restartAgent(p, on ? {...healthy, sbConnection: OVN_SB_UNREACHABLE} : healthy, on ? 'sb-refused' : 'haproxy')
  }
}
