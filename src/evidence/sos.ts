/**
 * The sosreport context of the evidence registry: for each evidence name, the files of a
 * sosreport that hold it, several candidates each; the first one present (and not an error
 * message) wins. File evidence sits at its real path inside the report (`etc/neutron/…`,
 * `var/lib/neutron/…`), after the containerised copies that TripleO and kolla keep; command
 * evidence is the file sos wrote for the command, named by sos's `_mangle_command()`:
 * `ip netns exec qrouter-X iptables-save` → `ip_netns_exec_qrouter-X_iptables-save`.
 *
 * Layouts (read in sos's own source: `sos/report/plugins/networking.py`, `process.py`,
 * `openstack_neutron.py`, `openstack_nova.py`, tags 3.9, 4.0, 4.2, 4.3 and master):
 * - 3.x and 4.0–4.2: `sos_commands/networking/ip_netns_exec_<ns>_<command>` (flat);
 * - 4.3 and later: `sos_commands/networking/namespaces/<ns>/ip_netns_exec_<ns>_<command>`;
 * - `ip address show` became `ip -d address show`; `netstat -W -neopa` (3.x: `netstat -neopa`
 *   where netstat has no -W), then `ss -peaonmi` (collected only when the *_diag kernel modules
 *   are loaded): on a node without net-tools it is the only socket list;
 * - `sos_commands/networking/ip_netns` is the plain `ip netns` list, `(id: N)` included;
 * - `sos_commands/process/ps_auxwww` (the `ps` root symlink in 4.0), `ps_auxwwwm` (4.2+),
 *   `ps_-elfL`, `ps_alxwww`.
 *
 * `argv` is the command that wrote the file, as doctor's own collection would record it: the
 * model picks its parser by argv, exactly as for a bundle from an older capture.
 */
import {EVIDENCE, type EvidenceKey, type Paths} from './registry.js'

export interface SosCandidate {
  /** path inside the sosreport, without the top directory */
  readonly member: string
  readonly argv: readonly string[]
}

/** The sos plugin whose run decides whether an absent file was absent on the host, or not collected. */
export type SosPlugin = 'networking' | 'process' | 'openstack_neutron' | 'openstack_nova'

const rel = (abs: string): string => abs.replace(/^\/+/, '')
const read = (member: string): SosCandidate => ({argv: ['read', `/${member}`], member})

const PUPPET = 'var/lib/config-data/puppet-generated'
// kolla-ansible renders each service's files into /etc/kolla/<service>/ on the host
const KOLLA_SERVICE: Partial<Record<EvidenceKey, readonly string[]>> = {
  'node.agent-ini': ['neutron-metadata-agent'],
  'node.dhcp-ini': ['neutron-dhcp-agent'],
  'node.l3-ini': ['neutron-l3-agent'],
  'node.neutron-conf': ['neutron-metadata-agent', 'neutron-l3-agent', 'neutron-dhcp-agent', 'neutron-server'],
  'node.nova-conf': ['nova-metadata', 'nova-api'],
}

/** Config files: TripleO's puppet-generated copy first (the host's /etc may hold package defaults), then kolla's, then the real path. */
function configCandidates(key: EvidenceKey, abs: string): SosCandidate[] {
  const base = abs.split('/').pop() ?? ''
  const nova = key === 'node.nova-conf'
  const puppet = nova ? [`${PUPPET}/nova_metadata/etc/nova/${base}`, `${PUPPET}/nova/etc/nova/${base}`] : [`${PUPPET}/neutron/etc/neutron/${base}`]
  const kolla = (KOLLA_SERVICE[key] ?? []).map((s) => `etc/kolla/${s}/${base}`)
  return [...puppet, ...kolla, rel(abs)].map(read)
}

const NS_COMMANDS: Record<'netns.iptables' | 'netns.listeners' | 'netns.addr', ReadonlyArray<{suffix: string; argv: readonly string[]}>> = {
  'netns.addr': [
    {argv: ['ip', 'address', 'show'], suffix: 'ip_address_show'},
    {argv: ['ip', '-d', 'address', 'show'], suffix: 'ip_-d_address_show'},
  ],
  'netns.iptables': [{argv: ['iptables-save'], suffix: 'iptables-save'}],
  'netns.listeners': [
    {argv: ['netstat', '-W', '-neopa'], suffix: 'netstat_-W_-neopa'},
    {argv: ['netstat', '-neopa'], suffix: 'netstat_-neopa'},
    {argv: ['ss', '-peaonmi'], suffix: 'ss_-peaonmi'},
  ],
}

/** Per-namespace command files: the 4.3+ `namespaces/<ns>/` layout, then the flat one. */
export function sosNetnsCandidates(key: keyof typeof NS_COMMANDS, ns: string): SosCandidate[] {
  const dir = 'sos_commands/networking'
  return NS_COMMANDS[key].flatMap(({argv, suffix}) => [
    {argv, member: `${dir}/namespaces/${ns}/ip_netns_exec_${ns}_${suffix}`},
    {argv, member: `${dir}/ip_netns_exec_${ns}_${suffix}`},
  ])
}

const PS: SosCandidate[] = [
  {argv: ['ps', 'auxwww'], member: 'sos_commands/process/ps_auxwww'},
  {argv: ['ps', 'auxwwwm'], member: 'sos_commands/process/ps_auxwwwm'},
  {argv: ['ps', '-elfL'], member: 'sos_commands/process/ps_-elfL'},
  {argv: ['ps', 'alxwww'], member: 'sos_commands/process/ps_alxwww'},
  {argv: ['ps', 'auxww'], member: 'sos_commands/process/ps_auxww'},
]

const ROOT_LISTENERS: SosCandidate[] = [
  {argv: ['netstat', '-W', '-neopa'], member: 'sos_commands/networking/netstat_-W_-neopa'},
  {argv: ['netstat', '-neopa'], member: 'sos_commands/networking/netstat_-neopa'},
  {argv: ['ss', '-peaonmi'], member: 'sos_commands/networking/ss_-peaonmi'},
]

/**
 * Candidates for one evidence name. Empty: a sosreport cannot hold it (probes, the /proc socket
 * map, a stat of the socket), and `sosMissingReason` says why.
 */
export function sosCandidates(key: EvidenceKey, paths: Paths, param?: string): SosCandidate[] {
  const spec = EVIDENCE[key]
  switch (key) {
    case 'node.netns':
      return [{argv: ['ip', 'netns'], member: 'sos_commands/networking/ip_netns'}]
    case 'node.ps':
      return PS
    case 'node.unix-listeners':
      return ROOT_LISTENERS
    case 'netns.iptables':
    case 'netns.listeners':
    case 'netns.addr':
      return sosNetnsCandidates(key, param ?? '')
    default:
      break
  }
  if (spec.kind !== 'file') return []
  const abs = spec.path(paths, param)
  if (key === 'node.neutron-conf' || key === 'node.agent-ini' || key === 'node.l3-ini' || key === 'node.dhcp-ini' || key === 'node.nova-conf') return configCandidates(key, abs)
  return [read(rel(abs))]
}

/** Which plugin collects an evidence name: when it ran, an absent file was absent on the host. */
export function sosPluginFor(key: EvidenceKey): SosPlugin {
  if (key === 'node.nova-conf') return 'openstack_nova'
  if (key === 'node.ps') return 'process'
  if (key.startsWith('netns.') || key === 'node.netns' || key === 'node.unix-listeners') return 'networking'
  return 'openstack_neutron'
}

export function sosMissingReason(key: EvidenceKey): string {
  if (key.startsWith('probe.')) return 'a sosreport holds no probes: run `mdctl doctor` on the node itself (or `mdctl capture` there and replay the bundle) to judge this'
  if (key === 'node.proc-net') return 'a sosreport has no map of process sockets and namespaces (/proc): listeners are matched by the process names netstat/ss record'
  if (key === 'node.socket-stat') return 'sos does not stat the metadata agent socket: run `mdctl capture` on the node to check its owner and mode'
  return `sos does not collect ${key}`
}

/** Directories whose listing doctor needs (proxy configs), relative to the report. */
export const sosProxyConfDirs = (statePath: string): string[] => ['ns-metadata-proxy', 'ovn-metadata-proxy'].map((d) => `${rel(statePath)}/${d}`)

const WANTED = [
  /^sos_commands\/networking\/(ip_netns|netstat_(-W_)?-neopa|ss_-peaonmi)$/,
  /^sos_commands\/networking\/(namespaces\/[^/]+\/)?ip_netns_exec_[A-Za-z0-9_.-]+_(iptables-save|ip_(-d_)?address_show|netstat_(-W_)?-neopa|ss_-peaonmi)$/,
  /^sos_commands\/process\/ps_(auxwww|auxwwwm|-elfL|alxwww|auxww)$/,
  /^(var\/lib\/config-data\/puppet-generated\/(neutron|nova|nova_metadata)\/)?etc\/(neutron|nova)\/[^/]+\.(ini|conf)$/,
  /^etc\/kolla\/(neutron|nova)-[a-z0-9-]+\/[^/]+\.(ini|conf)$/,
  /(^|\/)(ns|ovn)-metadata-proxy\/[^/]+\.conf$/,
  /(^|\/)external\/pids\/[^/]+$/,
  /(^|\/)ha_confs\/[^/]+\/state$/,
  /(^|\/)dhcp\/[^/]+\/opts$/,
  /^version\.txt$/,
  /^sos_reports\/manifest\.json$/,
]

/** Members worth keeping when an archive is read in one pass: a superset of every candidate above. */
export const sosWanted = (member: string): boolean => /^(sos_commands\/(networking|process)\/|etc\/|var\/|version\.txt$|sos_reports\/manifest\.json$)/.test(member) && WANTED.some((re) => re.test(member))
