/**
 * Every piece of evidence mdctl looks at, by one name. Each entry says how a live source gets it
 * (a file, or an argv: never a shell string built from input), where it sits in a capture bundle,
 * and how it is redacted. Live, ssh and bundle replay all go through this table.
 */
export type Scope = 'node' | 'netns' | 'probe' | 'guest'

export interface Paths {
  neutronConfigDir: string
  novaConfig: string
  statePath: string
  /** the metadata agent's unix socket, from metadata_agent.ini or its default */
  socketPath: string
  /** OVN chassis only: how the OVN metadata agent reaches the local OVS DB and the Southbound DB */
  ovn?: OvnPaths
}

export interface OvnPaths {
  /** `[ovs] ovsdb_connection`, e.g. unix:/var/run/openvswitch/db.sock */
  ovsdb: string
  /** `[ovn] ovn_sb_connection` */
  sb: string
  /** --private-key/--certificate/--ca-cert from `[ovn] ovn_sb_private_key/certificate/ca_cert` */
  sbSsl: string[]
  /** the agent's log file ([DEFAULT] log_file / log_dir, else Debian's) */
  agentLog: string
}

interface Base {
  readonly scope: Scope
  readonly title: string
  readonly redact?: 'ini'
}

export type EvidenceSpec =
  | (Base & {readonly kind: 'file'; readonly path: (p: Paths, param?: string) => string})
  | (Base & {readonly kind: 'command'; readonly argv: (p: Paths, param?: string) => readonly string[]})
  /** collected by the source's own code (directory scans, /proc, HTTP probes); argv is descriptive */
  | (Base & {readonly kind: 'internal'; readonly argv: (p: Paths, param?: string) => readonly string[]})

const file = (title: string, path: (p: Paths, param?: string) => string, redact?: 'ini'): EvidenceSpec => ({
  kind: 'file',
  path,
  scope: 'node',
  title,
  ...(redact ? {redact} : {}),
})

const ovs = (title: string, args: readonly string[]): EvidenceSpec => ({
  argv: (p) => ['ovs-vsctl', `--db=${p.ovn?.ovsdb ?? 'unix:/var/run/openvswitch/db.sock'}`, '--timeout=5', '--format=json', ...args],
  kind: 'command',
  scope: 'node',
  title,
})

const sb = (title: string, args: readonly string[]): EvidenceSpec => ({
  argv: (p) => ['ovn-sbctl', `--db=${p.ovn?.sb ?? 'tcp:127.0.0.1:6642'}`, ...(p.ovn?.sbSsl ?? []), '--no-leader-only', '--timeout=5', '--format=json', ...args],
  kind: 'command',
  scope: 'node',
  title,
})

export const EVIDENCE = {
  'node.neutron-conf': file('neutron.conf', (p) => `${p.neutronConfigDir}/neutron.conf`, 'ini'),
  'node.agent-ini': file('metadata_agent.ini', (p) => `${p.neutronConfigDir}/metadata_agent.ini`, 'ini'),
  'node.ovn-agent-ini': file('OVN metadata agent config (neutron_ovn_metadata_agent.ini or neutron-ovn-agent config); param: its path', (p, param) => param ?? `${p.neutronConfigDir}/neutron_ovn_metadata_agent.ini`, 'ini'),
  'node.l3-ini': file('l3_agent.ini', (p) => `${p.neutronConfigDir}/l3_agent.ini`, 'ini'),
  'node.dhcp-ini': file('dhcp_agent.ini', (p) => `${p.neutronConfigDir}/dhcp_agent.ini`, 'ini'),
  'node.nova-conf': file('nova.conf', (p) => p.novaConfig, 'ini'),
  'node.netns': {kind: 'internal', scope: 'node', title: 'network namespaces in /run/netns (name, inode)', argv: () => ['ls', '-1i', '/run/netns']},
  'node.ps': {kind: 'command', scope: 'node', title: 'process list (metadata-path processes only)', argv: () => ['ps', '-eww', '-o', 'pid=,user=,args=']},
  'node.proc-net': {
    kind: 'internal',
    scope: 'node',
    title: 'network namespace and socket inodes of metadata-related processes (/proc)',
    argv: () => ['read', '/proc/*/ns/net', '/proc/*/fd'],
  },
  'node.unix-listeners': {kind: 'command', scope: 'node', title: 'listening unix sockets', argv: () => ['ss', '-H', '-x', '-l', '-n']},
  'node.proxy-conf-dir': {
    kind: 'internal',
    scope: 'node',
    title: 'metadata proxy config files',
    argv: (p) => ['ls', '-1', `${p.statePath}/ns-metadata-proxy`, `${p.statePath}/ovn-metadata-proxy`],
  },
  'node.proxy-conf': file('haproxy config of a metadata proxy', (p, param) => `${p.statePath}/${param ?? ''}`),
  'node.pidfile': file('metadata proxy pid file', (p, param) => `${p.statePath}/external/pids/${param ?? ''}`),
  'node.ha-state': file('keepalived state of an HA router (primary/backup)', (p, param) => `${p.statePath}/ha_confs/${param ?? ''}/state`),
  'node.dhcp-opts': file('dnsmasq options file of a network', (p, param) => `${p.statePath}/dhcp/${param ?? ''}/opts`),
  'node.socket-stat': {
    kind: 'internal',
    scope: 'node',
    title: 'stat of the metadata agent socket',
    argv: (p, param) => ['stat', '-c', '%n|%F|%a|%u|%g|%U|%G|%i', param ?? p.socketPath],
  },
  // read by fleet's cross-host checks (which host listens where); single-node doctor does not plan them
  'node.tcp-listeners': {kind: 'command', scope: 'node', title: 'TCP listeners of the host (root namespace)', argv: () => ['ss', '-H', '-n', '-t', 'state', 'listening']},
  'node.addr': {kind: 'command', scope: 'node', title: 'addresses of the host (root namespace)', argv: () => ['ip', '-json', 'addr']},
  // OVN chassis: read-only queries with the agent's own connection settings, machine formats
  'node.ovs-local': ovs('local Open_vSwitch row (system-id, ovn-bridge, ovn-remote, ovn-encap-*)', ['list', 'Open_vSwitch']),
  'node.ovs-bridges': ovs('OVS bridges and their datapath type', ['--columns=name,datapath_type', 'list', 'Bridge']),
  'node.ovs-interfaces': ovs('OVS interfaces and their iface-id', ['--columns=name,external_ids,ofport,error,type', 'list', 'Interface']),
  'node.ovn-sb-chassis': sb('Southbound Chassis rows', ['--columns=_uuid,name,hostname,encaps,external_ids,other_config', 'list', 'Chassis']),
  'node.ovn-sb-chassis-private': sb('Southbound Chassis_Private rows (the agent registers here)', ['list', 'Chassis_Private']),
  'node.ovn-sb-global': sb('Southbound nb_cfg', ['--columns=nb_cfg', 'list', 'SB_Global']),
  'node.ovn-sb-datapath': sb('Southbound Datapath_Binding rows (network of each datapath)', ['--columns=_uuid,external_ids', 'list', 'Datapath_Binding']),
  'node.ovn-sb-port-binding': sb('Southbound Port_Binding rows', ['--columns=_uuid,logical_port,type,mac,chassis,datapath,external_ids,up', 'list', 'Port_Binding']),
  'node.ovn-sb-lflow-dhcp': sb('Southbound DHCP option logical flows (put_dhcp_opts)', ['--columns=logical_datapath,actions', 'find', 'Logical_Flow', 'external_ids:stage-name=ls_in_dhcp_options']),
  'node.ovn-agent-log': file('OVN metadata agent log', (p) => p.ovn?.agentLog ?? '/var/log/neutron/neutron-ovn-metadata-agent.log'),
  'netns.iptables': {kind: 'command', scope: 'netns', title: 'iptables rules in a namespace', argv: () => ['iptables-save']},
  'netns.listeners': {kind: 'command', scope: 'netns', title: 'TCP listeners in a namespace', argv: () => ['ss', '-H', '-n', '-t', '-e', 'state', 'listening']},
  'netns.addr': {kind: 'command', scope: 'netns', title: 'addresses in a namespace', argv: () => ['ip', '-json', 'addr']},
  'probe.ns-http': {
    kind: 'internal',
    scope: 'probe',
    title: 'HTTP GET of 169.254.169.254 from inside a DHCP/OVN namespace',
    argv: () => ['curl', '-sS', '-i', '-m', '3', 'http://169.254.169.254/'],
  },
  'probe.agent': {
    kind: 'internal',
    scope: 'probe',
    title: 'HTTP GET over the agent socket, as the proxy would send it',
    argv: (p, param) => ['http-get', `unix:${p.socketPath}`, '/', param ?? ''],
  },
  'probe.nova-root': {kind: 'internal', scope: 'probe', title: "HTTP GET / of nova's metadata API", argv: (_p, param) => ['http-get', `${param ?? ''}/`]},
  'probe.nova-signed': {
    kind: 'internal',
    scope: 'probe',
    title: 'signed HTTP GET of a random instance id (404 = secret accepted, 403 = mismatch)',
    argv: (_p, param) => ['http-get', `${param ?? ''}/openstack`, 'X-Instance-ID: <random>', 'X-Instance-ID-Signature: <hmac>'],
  },
} as const satisfies Record<string, EvidenceSpec>

export type EvidenceKey = keyof typeof EVIDENCE

/** Where a capture lives inside a bundle: `items/<key>[/<param>].txt`, with the parameter made path-safe. */
export const PARAM_FILE = {leadingDots: /^\.+/, maxLength: 150, unsafe: /[^A-Za-z0-9_.-]+/g}

export function bundleFile(key: string, param?: string): string {
  if (param === undefined) return `items/${key}.txt`
  const safe = param.replace(PARAM_FILE.unsafe, '_').replace(PARAM_FILE.leadingDots, '_').slice(0, PARAM_FILE.maxLength)
  return `items/${key}/${safe}.txt`
}
