// `lab up`: builds the metadata path of one scenario. Every namespace and link is recorded in the
// state file before it is made, so `down` can undo a build that stopped half way; a build that
// fails here is undone at once.
import {randomBytes} from 'node:crypto'
import {chmod, mkdir, readdir, readFile, writeFile} from 'node:fs/promises'
import {createServer} from 'node:net'
import {dirname, resolve} from 'node:path'

import * as configs from './config-files.js'
import {startDaemon} from './daemon-launch.js'
import {DHCLIENT_SCRIPT, dhclientArgv, dhclientConf} from './dhclient.js'
import {dnsmasqArgv, dnsmasqHosts, dnsmasqOpts} from './dnsmasq.js'
import {labDown} from './down.js'
import {LabError} from './errors.js'
import {exists} from './files.js'
import {labInfo, type LabInfo} from './info.js'
import {labInventory, throwawaySshKey} from './inventory.js'
import {
  API_HOST,
  DEFAULT_API_PORT,
  DEFAULT_STATE_DIR,
  deviceName,
  DHCP_PORT_IP,
  dhcpNetns,
  GATEWAY_IP,
  GUEST_NETNS,
  HOST_LINK,
  labPaths,
  METADATA_IP,
  NET_NETNS,
  newIds,
  routerNetns,
  BRIDGE_PORTS,
  SYSTEM_ASIDE,
  WRONG_NOVA_HOST,
  type LabIds,
  type LabPaths,
} from './plan.js'
import {preflight} from './preflight.js'
import {isAlive, readPidFile, waitFor} from './processes.js'
import {labProxy, labRouterRules, METADATA_V6_IP} from './proxy-config.js'
import {routerIptablesRestore} from './router-iptables.js'
import {run} from './run.js'
import {findScenario, DEFAULT_SCENARIO, SCENARIOS, resolveSpec, scenarioPaths, type LabPath, type LabSpec} from './scenarios.js'
import {addHostRoute, assertHostRouteFree, prepareSsh, SSHD_PRIVSEP_DIR} from './ssh.js'
import {writeMarker, writeState, type LabState} from './state.js'
import {claimSystemPaths, planSystemPaths, readAsideRecord, SYSTEM_TREES} from './system-paths.js'
import {addAddress, addBridge, addNetns, linkUp, plugGuest, plugHost, plugIntoBridge} from './topology.js'

export interface LabUpOptions {
  scenario?: string
  /** build the scenario on its other path (see `alsoOn` in scenarios.ts) */
  path?: LabPath
  stateDir?: string
  ssh?: boolean
  /** the reference API's port on 127.0.0.1; default 8775 when free, else any free port */
  apiPort?: number
  /** configs in /etc/neutron and /etc/nova, state in /var/lib/neutron (so sos collects them) */
  systemPaths?: boolean
}

async function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((res) => {
    const srv = createServer()
    srv.once('error', () => res(false))
    srv.listen({exclusive: true, host, port}, () => srv.close(() => res(true)))
  })
}

async function anyFreePort(host: string): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer()
    srv.once('error', rej)
    srv.listen({host, port: 0}, () => {
      const addr = srv.address()
      srv.close(() => (typeof addr === 'object' && addr !== null ? res(addr.port) : rej(new LabError('no free port on 127.0.0.1'))))
    })
  })
}

async function pickApiPort(wanted: number | undefined): Promise<number> {
  if (wanted !== undefined) {
    if (!(await portFree(API_HOST, wanted))) throw new LabError(`port ${API_HOST}:${wanted} is in use`)
    return wanted
  }
  return (await portFree(API_HOST, DEFAULT_API_PORT)) ? DEFAULT_API_PORT : anyFreePort(API_HOST)
}

/** One lab per host, in a directory of its own: `down` deletes what is in it. */
async function assertNoLab(p: LabPaths): Promise<void> {
  for (const ns of [GUEST_NETNS, NET_NETNS]) {
    if (await exists(`/run/netns/${ns}`)) throw new LabError(`a lab is already up (namespace ${ns} exists): run \`mdctl lab down\` first`)
  }
  if ((await exists(p.stateFile)) || (await exists(p.marker))) throw new LabError(`${p.dir} holds a lab already: run \`mdctl lab down --state-dir ${p.dir}\` first`)
  const entries = await readdir(p.dir).catch(() => [])
  if (entries.length > 0) throw new LabError(`--state-dir ${p.dir} is not empty: give a new or empty directory (lab down deletes what the lab puts there)`)
}

export async function labUp(opts: LabUpOptions = {}): Promise<LabInfo> {
  const name = opts.scenario ?? DEFAULT_SCENARIO
  const scenario = findScenario(name)
  if (scenario === undefined) throw new LabError(`unknown scenario "${name}"; one of: ${SCENARIOS.map((s) => s.name).join(', ')}`)
  const paths = scenarioPaths(scenario).map((p) => p.path)
  if (opts.path !== undefined && !paths.includes(opts.path)) throw new LabError(`scenario "${name}" cannot be built on the ${opts.path} path; it applies to: ${paths.join(', ')}`)
  const spec = resolveSpec(scenario, opts.path)
  const dir = resolve(opts.stateDir ?? DEFAULT_STATE_DIR)
  const ssh = opts.ssh === true
  await preflight(ssh)
  const ids = newIds()
  const p = labPaths(dir, ids, opts.systemPaths === true)
  // sun_path holds 107 bytes plus NUL
  if (Buffer.byteLength(p.agentOwnSocket) > 107) throw new LabError(`--state-dir ${dir} is too long: the agent's unix socket path would exceed 107 bytes`)
  await assertNoLab(p)
  // before anything is made: refuse a node whose system paths hold anything but package files
  if (opts.systemPaths === true && (await readAsideRecord(SYSTEM_ASIDE)) !== undefined) throw new LabError(`${SYSTEM_ASIDE} holds package files an earlier lab moved aside: run \`mdctl lab down\` first`)
  const system = opts.systemPaths === true ? await planSystemPaths() : undefined
  if (ssh) await assertHostRouteFree()
  const apiPort = await pickApiPort(opts.apiPort)
  if (spec.agentNovaHost === 'wrong' && !(await portFree(WRONG_NOVA_HOST, apiPort))) {
    throw new LabError(`something listens on ${WRONG_NOVA_HOST}:${apiPort}: the wrong-nova-host scenario needs that address unanswered`)
  }

  // mkdir names the topmost directory it had to create: everything from there down is the lab's
  const top = await mkdir(dir, {mode: 0o755, recursive: true})
  const createdDirs: string[] = []
  if (top !== undefined) for (let d = dir; d.length >= top.length; d = dirname(d)) createdDirs.push(d)
  await writeMarker(p.marker, createdDirs)
  const state: LabState = {
    apiPort,
    complete: false,
    createdDirs,
    dir,
    hostLinks: [],
    hostPaths: [],
    ids,
    namespaces: [],
    processes: [],
    scenario: scenario.name,
    ...(opts.path !== undefined && opts.path !== scenario.path ? {path: opts.path} : {}),
    ssh,
    startedAt: new Date().toISOString(),
    version: 1,
  }
  await writeState(p.stateFile, state)
  try {
    if (system !== undefined) {
      state.systemPaths = {moved: [], preexistingDirs: system.preexistingDirs, trees: SYSTEM_TREES}
      await claimSystemPaths(state.systemPaths, system.packageFiles, p.systemAside, () => writeState(p.stateFile, state))
    }
    await build(spec, state, p)
  } catch (error) {
    await labDown({stateDir: dir}).catch(() => undefined)
    throw error
  }
  state.complete = true
  await writeState(p.stateFile, state)
  return labInfo(state)
}

async function build(spec: LabSpec, state: LabState, p: LabPaths): Promise<void> {
  const {ids} = state
  const save = (): Promise<void> => writeState(p.stateFile, state)
  const netns = async (name: string): Promise<void> => {
    state.namespaces.push(name)
    await save()
    await addNetns(name)
  }
  const started = async (role: string, pid: number, ns?: string): Promise<void> => {
    state.processes.push({pid, role, ...(ns === undefined ? {} : {netns: ns})})
    await save()
  }

  const sshdArgv = state.ssh ? await prepareSsh(p) : undefined
  for (const d of [p.etcNeutron, dirname(p.novaConf), p.proxyConfDir, p.pidsDir, p.dhcpDir, p.guestDir, p.runDir, p.logDir]) {
    await mkdir(d, {mode: 0o755, recursive: true})
  }
  if (spec.proxySocket === 'mismatch') await mkdir(dirname(p.agentOwnSocket), {mode: 0o755, recursive: true})

  // One secret per lab, written only to the two files that hold it on a real node (mode 0600).
  const agentSecret = randomBytes(24).toString('base64url')
  const novaSecret = spec.novaSecret === 'shared' ? agentSecret : randomBytes(24).toString('base64url')
  const cfg = {agentSecret, apiPort: state.apiPort, novaSecret, paths: p, spec}
  await writeFile(p.neutronConf, configs.neutronConf(cfg), {mode: 0o644})
  await writeFile(p.metadataAgentIni, configs.metadataAgentIni(cfg), {mode: 0o600})
  await writeFile(p.dhcpAgentIni, configs.dhcpAgentIni(cfg), {mode: 0o644})
  await writeFile(p.l3AgentIni, configs.l3AgentIni(cfg), {mode: 0o644})
  await writeFile(p.novaConf, configs.novaConf(cfg), {mode: 0o600})

  // tenant network: a bridge in its own namespace
  await netns(NET_NETNS)
  await addBridge(ids)

  await netns(GUEST_NETNS)
  await plugGuest(ids)

  const dhcpNs = dhcpNetns(ids)
  const tap = deviceName('tap', ids.dhcpPort)
  await netns(dhcpNs)
  await plugIntoBridge(ids, {bridgePort: BRIDGE_PORTS.dhcp, mac: ids.dhcpMac, name: tap, netns: dhcpNs})
  await addAddress(dhcpNs, tap, `${DHCP_PORT_IP}/24`)
  // DeviceManager.setup adds the metadata address whenever isolated metadata is on
  if (spec.isolatedMetadata) await addAddress(dhcpNs, tap, `${METADATA_IP}/32`)
  // ... and fe80::a9fe:a9fe/64 too when IPv6 is on; haproxy binds it once DAD is done
  const v6Metadata = spec.isolatedMetadata && (await exists('/proc/sys/net/ipv6'))
  if (v6Metadata) await addAddress(dhcpNs, tap, `${METADATA_V6_IP}/64`)
  await linkUp(dhcpNs, tap)
  if (v6Metadata) await waitDad(dhcpNs, tap)

  if (spec.path === 'router') await buildRouter(spec, ids, netns)

  await startDnsmasq(p, ids, spec, tap, dhcpNs, started)
  await startBackends(spec, state, p, started)
  await startProxy(spec, ids, p, started)
  await startGuest(spec, p, started)
  if (sshdArgv !== undefined) await startSsh(state, sshdArgv, p, save, started)
}

async function buildRouter(spec: LabSpec, ids: LabIds, netns: (name: string) => Promise<void>): Promise<void> {
  const ns = routerNetns(ids)
  const qr = deviceName('qr-', ids.routerPort)
  await netns(ns)
  await plugIntoBridge(ids, {bridgePort: BRIDGE_PORTS.router, mac: ids.routerMac, name: qr, netns: ns})
  await addAddress(ns, qr, `${GATEWAY_IP}/24`)
  await linkUp(ns, qr)
  await run(['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1'], {netns: ns})
  await run(['iptables-restore'], {input: routerIptablesRestore(labRouterRules(spec, ids)), netns: ns})
}

type Started = (role: string, pid: number, ns?: string) => Promise<void>

/** SIGKILL, as the OOM killer would: no cleanup, pid and socket files stay behind. */
async function killHard(pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL')
  if ((await waitFor(3000, async () => ((await isAlive(pid)) ? undefined : true))) === undefined) throw new LabError(`pid ${pid} survived SIGKILL`)
}

async function daemonPid(what: string, pidFile: string): Promise<number> {
  const pid = await waitFor(5000, async () => {
    const pid = await readPidFile(pidFile)
    return pid !== undefined && (await isAlive(pid)) ? pid : undefined
  })
  if (pid === undefined) throw new LabError(`${what} did not write a live pid to ${pidFile}`)
  return pid
}

async function startDnsmasq(p: LabPaths, ids: LabIds, spec: LabSpec, tap: string, ns: string, started: Started): Promise<void> {
  await writeFile(p.dhcpOpts, dnsmasqOpts(spec, ids))
  await writeFile(p.dhcpHosts, dnsmasqHosts(ids))
  await writeFile(p.dhcpAddnHosts, '')
  await writeFile(p.dhcpLeases, '')
  await run(dnsmasqArgv(p, ids, tap), {netns: ns})
  await started('dnsmasq', await daemonPid('dnsmasq', p.dhcpPid), ns)
}

async function startBackends(spec: LabSpec, state: LabState, p: LabPaths, started: Started): Promise<void> {
  // with --ssh the instance's key pair is the lab's client key, as nova would inject it
  const publicKey = state.ssh ? (await readFile(`${p.sshClientKey}.pub`, 'utf8')).trim() : throwawaySshKey('mdlab')
  await writeFile(p.inventory, JSON.stringify(labInventory(spec, state.ids, publicKey), null, 2) + '\n', {mode: 0o644})
  // independent processes: start both at once (each pays node's start-up)
  const [api, agent] = await Promise.all([spec.nova === 'running' ? startDaemon(p, 'api') : undefined, startDaemon(p, 'agent')])
  if (api !== undefined) await started('api', api)
  await started('agent', agent)
  // a crash, not a shutdown: the socket file stays behind with nobody listening
  if (spec.agent === 'crashed') await killHard(agent)
}

async function startProxy(spec: LabSpec, ids: LabIds, p: LabPaths, started: Started): Promise<void> {
  const proxy = labProxy(spec, ids, p, await exists('/proc/sys/net/ipv6'))
  if (proxy === undefined) return
  await writeFile(proxy.conf, proxy.text, {mode: 0o644})
  await run(['haproxy', '-f', proxy.conf], {netns: proxy.netns})
  const pid = await daemonPid('haproxy', proxy.pidFile)
  await started(spec.path === 'router' ? 'haproxy-router' : 'haproxy-dhcp', pid, proxy.netns)
  // killed from outside: neutron's process monitor would find the pid file pointing at nothing
  if (spec.proxy === 'killed') await killHard(pid)
}

/** neutron waits for Duplicate Address Detection before haproxy binds the IPv6 metadata address. */
async function waitDad(ns: string, dev: string): Promise<void> {
  const done = await waitFor(10_000, async () => ((await run(['ip', '-6', 'addr', 'show', 'dev', dev, 'tentative'], {netns: ns})).stdout.trim() === '' ? true : undefined))
  if (done === undefined) throw new LabError(`${METADATA_V6_IP} on ${dev} stayed tentative (duplicate address detection did not finish)`)
}

async function startGuest(spec: LabSpec, p: LabPaths, started: Started): Promise<void> {
  await writeFile(p.dhclientConf, dhclientConf(spec.guestRequestsOption121))
  await writeFile(p.dhclientScript, DHCLIENT_SCRIPT, {mode: 0o755})
  await chmod(p.dhclientScript, 0o755)
  await run(dhclientArgv(p), {netns: GUEST_NETNS, timeoutMs: 20_000})
  await started('dhclient', await daemonPid('dhclient', p.dhclientPid), GUEST_NETNS)
  if (spec.guestZeroconfRoute) {
    // initscripts ifup-eth: metric 1000 + ifindex
    // (read through ip: /sys/class/net under nsenter --net still shows the host's interfaces)
    const ifindex = Number.parseInt((await run(['ip', '-o', 'link', 'show', 'dev', 'eth0'], {netns: GUEST_NETNS})).stdout, 10)
    await run(['ip', 'route', 'add', '169.254.0.0/16', 'dev', 'eth0', 'metric', String(1000 + ifindex), 'scope', 'link'], {netns: GUEST_NETNS})
  }
}

async function startSsh(state: LabState, argv: string[], p: LabPaths, save: () => Promise<void>, started: Started): Promise<void> {
  if (!(await exists(SSHD_PRIVSEP_DIR))) {
    state.hostPaths.push(SSHD_PRIVSEP_DIR)
    await save()
    await mkdir(SSHD_PRIVSEP_DIR, {mode: 0o755})
  }
  state.hostLinks.push(HOST_LINK)
  await save()
  await plugHost(state.ids)
  await addHostRoute()
  await run(argv, {netns: GUEST_NETNS})
  await started('sshd', await daemonPid('sshd', p.sshdPid), GUEST_NETNS)
}
