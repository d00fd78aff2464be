// Names, addresses and files of the ML2/OVN lab. Everything it makes is named apart from the
// ML2/OVS lab (namespace mdovn-guest, bridge br-mdovn, links mdovn-*, network ids starting
// 0a1b0a1b), except the ovnmeta-<network> namespace and tap veth, which the real agent names.
import {join} from 'node:path'

export const OVN_DEFAULT_STATE_DIR = '/var/lib/mdctl-lab-ovn'
export const OVN_GUEST_NETNS = 'mdovn-guest'
export const OVN_BRIDGE = 'br-mdovn'
/** root-namespace end of the guest's veth, plugged into the bridge as the VM's tap */
export const OVN_VM_LINK = 'mdovn-vm0'
export const OVN_CHASSIS = 'mdovn-chassis'
export const OVN_ID_PREFIX = '0a1b0a1b'

export const OVN_IDS = {
  instance: '0a1b0a1b-0000-4000-8000-0000000000c1',
  metadataPort: '0a1b0a1b-0000-4000-8000-0000000000a1',
  network: '0a1b0a1b-0000-4000-8000-000000000001',
  project: '0a1b0a1b00004000800000000000f001',
  subnet: '0a1b0a1b-0000-4000-8000-000000000005',
  vmPort: '0a1b0a1b-0000-4000-8000-0000000000b1',
} as const

export const OVN_SUBNET = '10.44.0.0/24'
export const OVN_GATEWAY_IP = '10.44.0.1'
export const OVN_METADATA_PORT_IP = '10.44.0.2'
export const OVN_GUEST_IP = '10.44.0.10'
export const OVN_METADATA_MAC = 'fa:16:3e:44:00:02'
export const OVN_GUEST_MAC = 'fa:16:3e:44:00:0a'
export const OVN_ROUTER_MAC = 'fa:16:3e:44:00:01'
export const OVN_NB = 'tcp:127.0.0.1:6641'
export const OVN_SB = 'tcp:127.0.0.1:6642'
/** where nothing listens: the SB address of the sb-unreachable fault */
export const OVN_SB_UNREACHABLE = 'tcp:127.0.0.1:6643'
export const OVN_API_PORT = 8775
export const OVN_WRONG_NOVA_HOST = '127.0.0.2'

export const metaNetns = (net: string = OVN_IDS.network): string => `ovnmeta-${net}`
/** neutron's `_get_veth_name`: tap + the first 10 characters of the network id + 0 (bridge side) / 1 (namespace side) */
export const vethNames = (net: string = OVN_IDS.network): [string, string] => [`tap${net.slice(0, 10)}0`, `tap${net.slice(0, 10)}1`]

export interface OvnLabPaths {
  dir: string
  stateFile: string
  marker: string
  etc: string
  run: string
  log: string
  db: string
  /** the agent's state_path */
  statePath: string
  ovsDb: string
  ovsSock: string
  nbDb: string
  sbDb: string
  agentIni: string
  novaConf: string
  refConfig: string
  agentLog: string
  dhclientConf: string
  dhclientLeases: string
  dhclientPid: string
  dhclientScript: string
  /** everything `down` deletes, all inside `dir` */
  topLevel: string[]
}

export function ovnLabPaths(dir: string): OvnLabPaths {
  const etc = join(dir, 'etc')
  const run = join(dir, 'run')
  const log = join(dir, 'log')
  const db = join(dir, 'db')
  const statePath = join(dir, 'state')
  return {
    agentIni: join(etc, 'neutron', 'neutron_ovn_metadata_agent.ini'),
    agentLog: join(log, 'neutron-ovn-metadata-agent.log'),
    db,
    dhclientConf: join(etc, 'dhclient.conf'),
    dhclientLeases: join(statePath, 'dhclient.leases'),
    dhclientPid: join(run, 'dhclient.pid'),
    dhclientScript: join(etc, 'dhclient-script'),
    dir,
    etc,
    log,
    marker: join(dir, '.mdctl-lab-ovn'),
    nbDb: join(db, 'ovnnb_db.db'),
    novaConf: join(etc, 'nova', 'nova.conf'),
    ovsDb: join(db, 'conf.db'),
    ovsSock: join(run, 'db.sock'),
    refConfig: join(etc, 'reference.json'),
    run,
    sbDb: join(db, 'ovnsb_db.db'),
    stateFile: join(dir, 'lab.json'),
    statePath,
    topLevel: [etc, run, log, db, statePath, join(dir, 'lab.json')],
  }
}

/** OVS_RUNDIR / OVN_RUNDIR / logs in the lab: its daemons' control sockets and pid files stay there. */
export const ovnEnv = (p: OvnLabPaths): Record<string, string> => ({OVN_DBDIR: p.db, OVN_LOGDIR: p.log, OVN_RUNDIR: p.run, OVS_DBDIR: p.db, OVS_LOGDIR: p.log, OVS_RUNDIR: p.run})
