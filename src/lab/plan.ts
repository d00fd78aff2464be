// Names, ids, addresses and file paths of one lab. Pure: everything is derived from the state
// directory and the generated ids, so `down` can rebuild the same plan from the state file.
import {randomBytes, randomUUID} from 'node:crypto'
import {join} from 'node:path'

/**
 * Every uuid the lab generates starts with this group, so a sweep after a crash recognises the
 * lab's qrouter-/qdhcp- namespaces without a state file (a random uuid matches with p = 2^-32).
 */
export const LAB_UUID_PREFIX = '1ab01ab0'
export const LAB_NETNS_PREFIX = 'mdlab-'
export const GUEST_NETNS = 'mdlab-guest'
export const NET_NETNS = 'mdlab-net'
/** root-namespace end of the optional ssh veth; its peer sits on the lab bridge */
export const HOST_LINK = 'mdlab-host'
export const DEFAULT_STATE_DIR = '/var/lib/mdctl-lab'

// Exists only inside the lab namespaces (plus one /32 on mdlab-host with --ssh).
export const SUBNET_CIDR = '10.254.77.0/24'
export const GATEWAY_IP = '10.254.77.1'
export const DHCP_PORT_IP = '10.254.77.2'
export const GUEST_IP = '10.254.77.10'
export const HOST_SSH_IP = '10.254.77.254'
export const METADATA_IP = '169.254.169.254'
export const METADATA_PORT_ROUTER = 9697
/** nova_metadata_host in the wrong-nova-host scenario: loopback, but the API binds 127.0.0.1 only */
export const WRONG_NOVA_HOST = '127.0.0.2'
export const API_HOST = '127.0.0.1'
export const DEFAULT_API_PORT = 8775

export interface LabIds {
  router: string
  /** the id a stale haproxy config carries: a router or network that no longer exists */
  staleResource: string
  network: string
  subnet: string
  routerPort: string
  dhcpPort: string
  guestPort: string
  instance: string
  /** keystone project ids are 32 hex digits without dashes */
  project: string
  guestMac: string
  routerMac: string
  dhcpMac: string
}

const labUuid = (): string => LAB_UUID_PREFIX + randomUUID().slice(8)
// neutron's default base_mac fa:16:3e:00:00:00
const neutronMac = (): string => ['fa', '16', '3e', ...[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0'))].join(':')

export function newIds(): LabIds {
  return {
    dhcpMac: neutronMac(),
    dhcpPort: labUuid(),
    guestMac: neutronMac(),
    guestPort: labUuid(),
    instance: labUuid(),
    network: labUuid(),
    project: LAB_UUID_PREFIX + randomBytes(12).toString('hex'),
    router: labUuid(),
    routerMac: neutronMac(),
    routerPort: labUuid(),
    staleResource: labUuid(),
    subnet: labUuid(),
  }
}

/** neutron's device naming: prefix + port id, cut to LINUX_DEV_LEN (14). */
export const deviceName = (prefix: 'qr-' | 'tap', portId: string): string => (prefix + portId).slice(0, 14)

export const routerNetns = (ids: LabIds): string => `qrouter-${ids.router}`
export const dhcpNetns = (ids: LabIds): string => `qdhcp-${ids.network}`

/** Is this namespace one the lab makes (by name alone: for sweeping after a crash)? */
export function isLabNetns(name: string): boolean {
  return name.startsWith(LAB_NETNS_PREFIX) || name.startsWith(`qrouter-${LAB_UUID_PREFIX}-`) || name.startsWith(`qdhcp-${LAB_UUID_PREFIX}-`)
}

/** Links inside mdlab-net: the lab bridge (linuxbridge-agent style brq name) and the bridge ends of the veths. */
export const bridgeName = (ids: LabIds): string => `brq${ids.network}`.slice(0, 14)
export const BRIDGE_PORTS = {dhcp: 'mdlab-dhcp', guest: 'mdlab-vm', host: 'mdlab-host-br', router: 'mdlab-qr'} as const

export interface LabPaths {
  dir: string
  marker: string
  stateFile: string
  etcNeutron: string
  neutronConf: string
  metadataAgentIni: string
  dhcpAgentIni: string
  l3AgentIni: string
  novaConf: string
  statePath: string
  proxyConfDir: string
  pidsDir: string
  dhcpDir: string
  dhcpOpts: string
  dhcpHosts: string
  dhcpAddnHosts: string
  dhcpLeases: string
  dhcpPid: string
  /** metadata_proxy_socket default: $state_path/metadata_proxy */
  defaultSocket: string
  /** where the agent listens when metadata_agent.ini names its own socket (socket-mismatch) */
  agentOwnSocket: string
  guestDir: string
  dhclientConf: string
  dhclientScript: string
  dhclientLeases: string
  dhclientPid: string
  runDir: string
  logDir: string
  inventory: string
  sshDir: string
  sshdConfig: string
  sshHostKey: string
  sshClientKey: string
  sshdPid: string
  /** package files moved out of the system paths (`--system-paths`), under their full path */
  systemAside: string
  /** every top-level entry the lab creates in `dir`, removed by `down` */
  topLevel: string[]
}

/** `lab up --system-paths`: the node's configs and state where neutron and nova keep them, so sos collects them */
export const SYSTEM_ETC = '/etc'
export const SYSTEM_STATE_PATH = '/var/lib/neutron'
/**
 * Where the package files wait, with a record of the moves: outside the lab directory, so a
 * `lab down` that lost the state file (or an older mdctl's) cannot delete them with the lab
 */
export const SYSTEM_ASIDE = '/var/lib/mdctl-lab.system-aside'

export function labPaths(dir: string, ids: Pick<LabIds, 'network'>, systemPaths = false): LabPaths {
  const etc = systemPaths ? SYSTEM_ETC : join(dir, 'etc')
  const state = systemPaths ? SYSTEM_STATE_PATH : join(dir, 'state')
  const dhcpDir = join(state, 'dhcp', ids.network)
  const guest = join(dir, 'guest')
  const run = join(dir, 'run')
  const ssh = join(dir, 'ssh')
  return {
    agentOwnSocket: join(state, 'metadata-agent', 'metadata_proxy'),
    defaultSocket: join(state, 'metadata_proxy'),
    dhclientConf: join(guest, 'dhclient.conf'),
    dhclientLeases: join(guest, 'dhclient.eth0.leases'),
    dhclientPid: join(guest, 'dhclient.eth0.pid'),
    dhclientScript: join(guest, 'dhclient-script'),
    dhcpAddnHosts: join(dhcpDir, 'addn_hosts'),
    dhcpAgentIni: join(etc, 'neutron', 'dhcp_agent.ini'),
    dhcpDir,
    dhcpHosts: join(dhcpDir, 'host'),
    dhcpLeases: join(dhcpDir, 'leases'),
    dhcpOpts: join(dhcpDir, 'opts'),
    dhcpPid: join(dhcpDir, 'pid'),
    dir,
    etcNeutron: join(etc, 'neutron'),
    guestDir: guest,
    inventory: join(run, 'inventory.json'),
    l3AgentIni: join(etc, 'neutron', 'l3_agent.ini'),
    logDir: join(dir, 'log'),
    marker: join(dir, '.mdctl-lab'),
    metadataAgentIni: join(etc, 'neutron', 'metadata_agent.ini'),
    neutronConf: join(etc, 'neutron', 'neutron.conf'),
    novaConf: join(etc, 'nova', 'nova.conf'),
    pidsDir: join(state, 'external', 'pids'),
    proxyConfDir: join(state, 'ns-metadata-proxy'),
    runDir: run,
    sshClientKey: join(ssh, 'id_ed25519'),
    sshDir: ssh,
    sshHostKey: join(ssh, 'ssh_host_ed25519_key'),
    sshdConfig: join(ssh, 'sshd_config'),
    sshdPid: join(ssh, 'sshd.pid'),
    stateFile: join(dir, 'lab.json'),
    statePath: state,
    systemAside: SYSTEM_ASIDE,
    topLevel: ['etc', 'state', 'guest', 'run', 'log', 'ssh', 'lab.json', 'lab.json.tmp', '.mdctl-lab'].map((e) => join(dir, e)),
  }
}

export const proxyConfFile = (p: LabPaths, id: string): string => join(p.proxyConfDir, `${id}.conf`)
export const proxyPidFile = (p: LabPaths, id: string): string => join(p.pidsDir, `${id}.pid.haproxy`)
