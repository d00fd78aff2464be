// What a lab is, for people and for programs: derived from the state record alone, so `up`,
// `status` and tests all describe a lab the same way.
import type {Hop} from '../hops.js'
import {
  API_HOST,
  DHCP_PORT_IP,
  dhcpNetns,
  GATEWAY_IP,
  GUEST_IP,
  GUEST_NETNS,
  labPaths,
  NET_NETNS,
  routerNetns,
  SUBNET_CIDR,
  type LabIds,
} from './plan.js'
import {expectedHopOn, findScenario, resolveSpec, type LabPath} from './scenarios.js'
import type {LabState} from './state.js'

export interface LabInfo {
  scenario: string
  path: LabPath
  /** the CONTRACT hop this scenario breaks; null for the healthy ones */
  expectedHop: Hop | null
  stateDir: string
  complete: boolean
  namespaces: {guest: string; net: string; dhcp: string; router?: string}
  ids: Omit<LabIds, 'guestMac' | 'routerMac' | 'dhcpMac'>
  addresses: {subnet: string; gateway: string; dhcpPort: string; guest: string; guestMac: string}
  api: {host: string; port: number}
  paths: {
    neutronConfigDir: string
    novaConfig: string
    statePath: string
    metadataAgentIni: string
    /** the socket haproxy is configured with and the one the agent listens on (they differ in socket-mismatch) */
    proxySocket: string
    agentSocket: string
    dhcpOpts: string
    dhclientLeases: string
    inventory: string
    logDir: string
  }
  ssh?: {user: 'root'; host: string; identity: string; knownHosts: string}
  commands: {doctor: string; guest: string}
}

export function labInfo(s: LabState): LabInfo {
  const scenario = findScenario(s.scenario)
  const spec = scenario === undefined ? undefined : resolveSpec(scenario, s.path)
  const p = labPaths(s.dir, s.ids, s.systemPaths !== undefined)
  const {guestMac, routerMac: _r, dhcpMac: _d, ...ids} = s.ids
  const routed = spec?.path !== 'dhcp'
  // scoped to the lab's own namespaces: the host may carry others (a real node's, other labs')
  const doctor = [
    'mdctl doctor',
    `--neutron-config-dir ${p.etcNeutron}`,
    `--nova-config ${p.novaConf}`,
    `--state-path ${p.statePath}`,
    ...(routed ? [`--router ${s.ids.router}`] : []),
    `--network ${s.ids.network}`,
    `--instance-ip ${GUEST_IP}`,
  ].join(' ')
  const identity = p.sshClientKey
  return {
    addresses: {dhcpPort: DHCP_PORT_IP, gateway: GATEWAY_IP, guest: GUEST_IP, guestMac, subnet: SUBNET_CIDR},
    api: {host: API_HOST, port: s.apiPort},
    commands: {
      doctor,
      // the guest namespace shares the host's files, so its lease is in the lab dir, not /var/lib/dhcp
      guest: s.ssh
        ? `mdctl guest --ssh root@${GUEST_IP} --identity ${identity} --ssh-option UserKnownHostsFile=${p.sshDir}/known_hosts --lease-file ${p.dhclientLeases}`
        : `nsenter --net=/run/netns/${GUEST_NETNS} mdctl guest --lease-file ${p.dhclientLeases}`,
    },
    complete: s.complete,
    expectedHop: scenario === undefined ? null : expectedHopOn(scenario, spec?.path ?? scenario.path),
    ids,
    namespaces: {dhcp: dhcpNetns(s.ids), guest: GUEST_NETNS, net: NET_NETNS, ...(routed ? {router: routerNetns(s.ids)} : {})},
    path: spec?.path ?? 'router',
    paths: {
      agentSocket: spec?.proxySocket === 'mismatch' ? p.agentOwnSocket : p.defaultSocket,
      dhclientLeases: p.dhclientLeases,
      dhcpOpts: p.dhcpOpts,
      inventory: p.inventory,
      logDir: p.logDir,
      metadataAgentIni: p.metadataAgentIni,
      neutronConfigDir: p.etcNeutron,
      novaConfig: p.novaConf,
      proxySocket: p.defaultSocket,
      statePath: p.statePath,
    },
    scenario: s.scenario,
    ...(s.ssh ? {ssh: {host: GUEST_IP, identity, knownHosts: `${p.sshDir}/known_hosts`, user: 'root' as const}} : {}),
    stateDir: s.dir,
  }
}
