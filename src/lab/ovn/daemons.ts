// The OVN lab's daemons: Open vSwitch and OVN started directly (no systemd), Debian's
// neutron-ovn-metadata-agent, and the reference nova API. Each writes its pid file in the lab's
// run directory; `down` finds them all again through /proc by the lab directory in their argv.
import {spawn} from 'node:child_process'
import {closeSync, openSync} from 'node:fs'
import {createConnection} from 'node:net'
import {readFile, rm} from 'node:fs/promises'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {LabError} from '../errors.js'
import {isAlive, readPidFile, waitFor} from '../processes.js'
import {run} from '../run.js'
import {OVN_NB, OVN_SB, ovnEnv, type OvnLabPaths} from './plan.js'

const here = fileURLToPath(import.meta.url)
const PACKAGE_ROOT = join(dirname(here), '..', '..', '..')
const NOVA_ENTRY = join(dirname(here), here.endsWith('.ts') ? 'nova.ts' : 'nova.js')

export const pidFileOf = (p: OvnLabPaths, name: string): string => join(p.run, `${name}.pid`)

const detachArgs = (p: OvnLabPaths, name: string): string[] => [`--pidfile=${pidFileOf(p, name)}`, `--log-file=${join(p.log, `${name}.log`)}`, '--detach', '--no-chdir']

/** ovsdb-server for the local Open_vSwitch database, then ovs-vswitchd (userspace datapath only). */
export async function startOvs(p: OvnLabPaths): Promise<void> {
  const env = ovnEnv(p)
  await run(['ovsdb-tool', 'create', p.ovsDb, '/usr/share/openvswitch/vswitch.ovsschema'])
  await run(['ovsdb-server', p.ovsDb, `--remote=punix:${p.ovsSock}`, '--remote=db:Open_vSwitch,Open_vSwitch,manager_options', `--unixctl=${join(p.run, 'ovsdb-server.ctl')}`, ...detachArgs(p, 'ovsdb-server')], {env})
  await run(['ovs-vsctl', `--db=unix:${p.ovsSock}`, '--no-wait', 'init'], {env})
  await run(['ovs-vswitchd', `unix:${p.ovsSock}`, `--unixctl=${join(p.run, 'ovs-vswitchd.ctl')}`, ...detachArgs(p, 'ovs-vswitchd')], {env, timeoutMs: 30_000})
}

/** NB and SB ovsdb-servers on loopback TCP (6641/6642), and ovn-northd between them. */
export async function startOvnCentral(p: OvnLabPaths): Promise<void> {
  const env = ovnEnv(p)
  await run(['ovsdb-tool', 'create', p.nbDb, '/usr/share/ovn/ovn-nb.ovsschema'])
  await run(['ovsdb-tool', 'create', p.sbDb, '/usr/share/ovn/ovn-sb.ovsschema'])
  for (const [db, name, tcp] of [
    [p.nbDb, 'ovnnb_db', OVN_NB],
    [p.sbDb, 'ovnsb_db', OVN_SB],
  ] as const) {
    const [, host, port] = tcp.split(':')
    await run(['ovsdb-server', db, `--remote=punix:${join(p.run, `${name}.sock`)}`, `--remote=ptcp:${port}:${host}`, `--unixctl=${join(p.run, `${name}.ctl`)}`, ...detachArgs(p, name)], {env})
  }
  await run(['ovn-northd', `--ovnnb-db=${OVN_NB}`, `--ovnsb-db=${OVN_SB}`, `--unixctl=${join(p.run, 'ovn-northd.ctl')}`, ...detachArgs(p, 'ovn-northd')], {env})
}

/** ovn-controller reads system-id, ovn-remote, ovn-encap-*, ovn-bridge from the local Open_vSwitch row. */
export async function startOvnController(p: OvnLabPaths): Promise<void> {
  // ovn-controller takes no --unixctl: OVN_RUNDIR puts its control socket in the lab
  await run(['ovn-controller', `unix:${p.ovsSock}`, ...detachArgs(p, 'ovn-controller')], {env: ovnEnv(p)})
}

interface Detached {
  argv: string[]
  log: string
  pidFile: string
  /** the process writes pidFile itself when ready; otherwise mdctl writes the child's pid */
  writesPidFile: boolean
  cwd?: string
  env?: Record<string, string>
}

async function startDetached(d: Detached): Promise<number> {
  await rm(d.pidFile, {force: true})
  const log = openSync(d.log, 'a', 0o600)
  let pid: number | undefined
  let exited = false
  try {
    const [file, ...args] = d.argv
    const child = spawn(file!, args, {cwd: d.cwd ?? PACKAGE_ROOT, detached: true, env: {...process.env, ...d.env, NO_COLOR: '1'}, stdio: ['ignore', log, log]})
    child.once('exit', () => {
      exited = true
    })
    child.once('error', () => {
      exited = true
    })
    child.unref()
    pid = child.pid
  } finally {
    closeSync(log)
  }
  if (!d.writesPidFile) {
    if (pid === undefined) throw new LabError(`${d.argv[0]} did not start (log: ${d.log})`)
    const {writeFile} = await import('node:fs/promises')
    await writeFile(d.pidFile, `${pid}\n`)
    return pid
  }
  const ready = await waitFor(15_000, async () => {
    if (exited) return -1
    const p = await readPidFile(d.pidFile)
    return p !== undefined && (await isAlive(p)) ? p : undefined
  })
  if (ready === undefined || ready < 0) {
    const tail = (await readFile(d.log, 'utf8').catch(() => '')).trim().split('\n').at(-1)
    throw new LabError(`${d.argv[0]} did not start${tail ? `: ${tail}` : ''} (log: ${d.log})`)
  }
  return ready
}

export async function startNova(p: OvnLabPaths): Promise<number> {
  const entry = here.endsWith('.ts') ? ['--import', 'tsx', NOVA_ENTRY] : [NOVA_ENTRY]
  return startDetached({argv: [process.execPath, ...entry, p.novaConf, p.refConfig, pidFileOf(p, 'nova-api-metadata')], log: join(p.log, 'nova-api-metadata.log'), pidFile: pidFileOf(p, 'nova-api-metadata'), writesPidFile: true})
}

/** Debian's agent, as its systemd unit starts it, but with the lab's config file only. */
export async function startAgent(p: OvnLabPaths): Promise<number> {
  return startDetached({argv: ['/usr/bin/neutron-ovn-metadata-agent', `--config-file=${p.agentIni}`], cwd: p.dir, log: join(p.log, 'neutron-ovn-metadata-agent.stderr'), pidFile: pidFileOf(p, 'neutron-ovn-metadata-agent'), writesPidFile: false})
}

/** Does something accept connections on the unix socket now? (A file left by a dead agent does not.) */
export async function socketAccepts(path: string): Promise<boolean> {
  return new Promise((res) => {
    const s = createConnection({path})
    s.once('connect', () => {
      s.destroy()
      res(true)
    })
    s.once('error', () => res(false))
  })
}

/**
 * Ready: the agent accepts on its socket and, when a namespace is expected, haproxy in it runs
 * with its pid file. With `logLine`, ready once the agent's log shows it (a stuck agent never accepts).
 */
export async function waitAgentReady(p: OvnLabPaths, o: {haproxyPidFile?: string; timeoutMs?: number; logLine?: RegExp; logFrom?: number}): Promise<void> {
  const agentPid = await readPidFile(pidFileOf(p, 'neutron-ovn-metadata-agent'))
  const ok = await waitFor(o.timeoutMs ?? 90_000, async () => {
    if (agentPid === undefined || !(await isAlive(agentPid))) return false
    if (o.logLine) {
      const log = await readFile(p.agentLog, 'utf8').catch(() => '')
      return o.logLine.test(log.slice(o.logFrom ?? 0)) ? true : undefined
    }
    if (!(await socketAccepts(join(p.statePath, 'metadata_proxy')))) return undefined
    if (o.haproxyPidFile === undefined) return true
    const hp = await readPidFile(o.haproxyPidFile)
    return hp !== undefined && (await isAlive(hp)) ? true : undefined
  })
  if (ok !== true) {
    const tail = (await readFile(p.agentLog, 'utf8').catch(() => '')).trim().split('\n').filter((l) => /ERROR|CRITICAL/.test(l)).at(-1)
    throw new LabError(`neutron-ovn-metadata-agent did not ${ok === false ? 'stay up' : 'get ready in time'}${tail ? `: ${tail.slice(0, 300)}` : ''} (log: ${p.agentLog})`)
  }
}
