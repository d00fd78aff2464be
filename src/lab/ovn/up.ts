// `lab up --backend ovn`: a real ML2/OVN chassis on this host. Open vSwitch (userspace datapath),
// OVN central and ovn-controller, Debian's neutron-ovn-metadata-agent (which starts the real
// haproxy), a guest leased by OVN's native DHCP, and the reference API as nova. The Northbound
// rows are the ones neutron-server would write. A failed build is torn down at once.
import {randomBytes} from 'node:crypto'
import {mkdir, writeFile} from 'node:fs/promises'
import {resolve} from 'node:path'

import {LabError} from '../errors.js'
import {exists} from '../files.js'
import {assertRootOnLinux, missingTools} from '../preflight.js'
import {run} from '../run.js'
import {agentIni, healthyAgent, inventory, novaConf} from './config.js'
import {startAgent, startNova, startOvnCentral, startOvnController, startOvs, waitAgentReady} from './daemons.js'
import {ovnLabDown} from './down.js'
import {haproxyPidFile, setFault} from './faults.js'
import {lease, plugGuest} from './guest.js'
import {addDhcpOptions, addMetadataPort, addNetwork, addVmPort, syncSb} from './northbound.js'
import {metaNetns, OVN_BRIDGE, OVN_CHASSIS, OVN_DEFAULT_STATE_DIR, OVN_GUEST_IP, OVN_GUEST_NETNS, OVN_IDS, OVN_SB, ovnEnv, ovnLabPaths, type OvnLabPaths} from './plan.js'
import {findOvnScenario, OVN_SCENARIOS, type OvnScenario} from './scenarios.js'

export const OVN_TOOLS: Readonly<Record<string, string>> = {
  dhclient: 'isc-dhcp-client',
  ethtool: 'ethtool',
  haproxy: 'haproxy',
  'neutron-ovn-metadata-agent': 'neutron-ovn-metadata-agent',
  'ovn-controller': 'ovn-host',
  'ovn-nbctl': 'ovn-central',
  'ovn-northd': 'ovn-central',
  'ovs-vsctl': 'openvswitch-switch',
  'ovs-vswitchd': 'openvswitch-switch',
  'privsep-helper': 'python3-oslo.privsep',
  sudo: 'sudo',
}

export interface OvnLabInfo {
  backend: 'ovn'
  scenario: string
  description: string
  expectedHop: OvnScenario['expectedHop']
  guestHop: OvnScenario['guestHop']
  stateDir: string
  chassis: string
  network: string
  namespaces: {guest: string; metadata: string}
  guestIp: string
  instance: string
  agentIni: string
  novaConf: string
  statePath: string
  commands: {doctor: string; guest: string}
}

export function ovnLabInfo(p: OvnLabPaths, s: OvnScenario): OvnLabInfo {
  const neutronDir = resolve(p.agentIni, '..')
  return {
    agentIni: p.agentIni,
    backend: 'ovn',
    chassis: OVN_CHASSIS,
    commands: {
      doctor: `mdctl doctor --neutron-config-dir ${neutronDir} --nova-config ${p.novaConf} --state-path ${p.statePath} --instance-ip ${OVN_GUEST_IP}`,
      guest: `ip netns exec ${OVN_GUEST_NETNS} mdctl guest --lease-file ${p.dhclientLeases}`,
    },
    description: s.description,
    expectedHop: s.expectedHop,
    guestHop: s.guestHop,
    guestIp: OVN_GUEST_IP,
    instance: OVN_IDS.instance,
    namespaces: {guest: OVN_GUEST_NETNS, metadata: metaNetns()},
    network: OVN_IDS.network,
    novaConf: p.novaConf,
    scenario: s.name,
    stateDir: p.dir,
    statePath: p.statePath,
  }
}

export interface OvnLabUpOptions {
  scenario?: string
  stateDir?: string
}

async function preflight(): Promise<void> {
  assertRootOnLinux()
  const missing = await missingTools(OVN_TOOLS)
  if (missing.length > 0) throw new LabError(`missing tools for the OVN lab: ${missing.map((m) => `${m.tool} (package ${m.pkg})`).join(', ')}`)
  if (await exists(`/run/netns/${OVN_GUEST_NETNS}`)) throw new LabError(`an OVN lab is already up (namespace ${OVN_GUEST_NETNS} exists): run \`mdctl lab down --backend ovn\` first`)
}

export async function ovnLabUp(opts: OvnLabUpOptions = {}): Promise<OvnLabInfo> {
  const scenario = findOvnScenario(opts.scenario ?? 'healthy')
  if (!scenario) throw new LabError(`unknown OVN scenario "${opts.scenario}" (one of: ${OVN_SCENARIOS.map((s) => s.name).join(', ')})`)
  await preflight()
  const dir = resolve(opts.stateDir ?? OVN_DEFAULT_STATE_DIR)
  const p = ovnLabPaths(dir)
  const createdDir = !(await exists(dir))
  await mkdir(dir, {mode: 0o755, recursive: true})
  await writeFile(p.marker, `${JSON.stringify({createdDir, madeBy: 'mdctl lab up --backend ovn'})}\n`)
  try {
    for (const d of [p.etc, `${p.etc}/neutron`, `${p.etc}/nova`, p.run, p.log, p.db, p.statePath]) await mkdir(d, {mode: 0o755, recursive: true})
    await writeFile(p.stateFile, `${JSON.stringify({backend: 'ovn', dir, scenario: scenario.name, startedAt: new Date().toISOString(), version: 1}, null, 2)}\n`)
    const secret = randomBytes(12).toString('hex')
    await writeFile(p.agentIni, agentIni(p, healthyAgent(secret)), {mode: 0o640})
    await writeFile(p.novaConf, novaConf(secret), {mode: 0o640})
    await writeFile(p.refConfig, inventory(), {mode: 0o644})

    await startOvs(p)
    const env = ovnEnv(p)
    await run(['ovs-vsctl', `--db=unix:${p.ovsSock}`, 'add-br', OVN_BRIDGE, '--', 'set', 'Bridge', OVN_BRIDGE, 'datapath_type=netdev', 'fail_mode=secure', 'other_config:disable-in-band=true'], {env})
    await run(['ovs-vsctl', `--db=unix:${p.ovsSock}`, 'set', 'Open_vSwitch', '.', `external_ids:system-id=${OVN_CHASSIS}`, `external_ids:ovn-remote=${OVN_SB}`, 'external_ids:ovn-encap-type=geneve', 'external_ids:ovn-encap-ip=127.0.0.1', `external_ids:ovn-bridge=${OVN_BRIDGE}`, `external_ids:hostname=${OVN_CHASSIS}`], {env})
    await startOvnCentral(p)
    await startOvnController(p)
    await addNetwork()
    const dhcp = await addDhcpOptions()
    await addMetadataPort()
    await addVmPort(dhcp)
    await plugGuest(p)
    await startNova(p)
    await startAgent(p)
    await waitAgentReady(p, {haproxyPidFile: haproxyPidFile(p)})
    // nb_cfg bumped once the agent is registered: it then records neutron:ovn-metadata-sb-cfg
    await syncSb()
    await lease(p)
    if (scenario.name !== 'healthy') await setFault(p, scenario.name, true)
    return ovnLabInfo(p, scenario)
  } catch (error) {
    await ovnLabDown({stateDir: dir}).catch(() => undefined)
    throw error
  }
}
