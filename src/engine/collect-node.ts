import {availableParallelism} from 'node:os'

import type {EvidenceKey, OvnPaths, Paths} from '../evidence/registry.js'
import {stdoutOf} from '../parsers/errors.js'
import {agentIniCapture, type AgentFlavour, chooseAgent, ovnIniCandidates} from './agent-flavour.js'
import {captureId} from './parsed.js'
import {getFirst, type Ini, parseIni} from '../parsers/ini.js'
import {parseNetnsList} from '../parsers/netns-list.js'
import type {Capture} from '../sources/capture.js'
import {pool} from '../sources/exec.js'
import type {ProbeSpec, Source} from '../sources/source.js'

export interface NodeScope {
  routers?: readonly string[]
  networks?: readonly string[]
  namespaces?: readonly string[]
  instanceIps?: readonly string[]
}

export interface NodeOptions extends NodeScope {
  neutronConfigDir: string
  novaConfig: string
  /** from --state-path; else neutron.conf's state_path; else /var/lib/neutron */
  statePath?: string
  passive: boolean
  concurrency?: number
}

/** Everything doctor collected, keyed by `key` or `key[param]`, plus the paths it resolved. */
export interface NodeCollection {
  paths: Paths
  namespaces: string[]
  captures: Map<string, Capture>
  probed: boolean
  /** which metadata agent serves this node, and which config file is its */
  agent: AgentFlavour
}


export const METADATA_NS = /^(qrouter|qdhcp|ovnmeta)-(.+)$/

/** `ns-metadata-proxy/<id>.conf` → `<id>`; '' for anything else. Linear: no backtracking regex over a line of any length. */
export function proxyConfId(rel: string): string {
  if (!rel.endsWith('.conf')) return ''
  return rel.slice(rel.lastIndexOf('/') + 1, -'.conf'.length)
}
export const PROBE_IP = '192.0.2.1' // TEST-NET-1: never a guest, so the agent must answer "not found"
/** param suffix of the signed probe made with a random key */
export const CONTROL = 'random-key'

/** A config capture parsed once; undefined when the file is absent or unusable. */
export function parseIniCapture(c: Capture | undefined): Ini | undefined {
  if (!c) return undefined
  try {
    return parseIni(stdoutOf(c))
  } catch {
    return undefined
  }
}

const iniValue = (ini: Ini | undefined, options: Array<[string, string]>): string | undefined => (ini ? getFirst(ini, options) : undefined)

const substitute = (v: string, statePath: string): string => v.replaceAll('$state_path', statePath).replaceAll('${state_path}', statePath)

export function resolvePaths(opts: NodeOptions, neutronConfCapture?: Capture, agentIniCapture?: Capture, ovn = false): Paths {
  const neutronConf = parseIniCapture(neutronConfCapture)
  const agentIni = parseIniCapture(agentIniCapture)
  // the OVN agent is started with its own file after neutron.conf: its state_path wins
  const own = ovn ? iniValue(agentIni, [['DEFAULT', 'state_path']]) : undefined
  const statePath = opts.statePath ?? own ?? iniValue(neutronConf, [['DEFAULT', 'state_path']]) ?? '/var/lib/neutron'
  const sock = iniValue(agentIni, [['DEFAULT', 'metadata_proxy_socket']]) ?? iniValue(neutronConf, [['DEFAULT', 'metadata_proxy_socket']])
  return {
    neutronConfigDir: opts.neutronConfigDir,
    novaConfig: opts.novaConfig,
    socketPath: sock ? substitute(sock, statePath) : `${statePath}/metadata_proxy`,
    statePath,
    ...(ovn ? {ovn: ovnPaths(agentIni, statePath)} : {}),
  }
}

/** The OVN agent's own view: its OVS and SB connections (with SSL files) and its log file. */
export function ovnPaths(agentIni: Ini | undefined, statePath: string): OvnPaths {
  const v = (section: string, key: string): string | undefined => iniValue(agentIni, [[section, key]])
  const ssl: string[] = []
  for (const [key, flag] of [['ovn_sb_private_key', '--private-key'], ['ovn_sb_certificate', '--certificate'], ['ovn_sb_ca_cert', '--ca-cert']] as const) {
    const f = v('ovn', key)
    if (f) ssl.push(`${flag}=${substitute(f, statePath)}`)
  }
  const logFile = v('DEFAULT', 'log_file')
  const logDir = v('DEFAULT', 'log_dir')
  const log = logFile ? (logFile.startsWith('/') || !logDir ? logFile : `${logDir}/${logFile}`) : `${logDir ?? '/var/log/neutron'}/neutron-ovn-metadata-agent.log`
  return {
    agentLog: substitute(log, statePath),
    // the agent's built-in default (/usr/local/var/run/...) is wrong on distribution packages: ovs-vsctl's own default then
    ovsdb: v('ovs', 'ovsdb_connection') ?? 'unix:/var/run/openvswitch/db.sock',
    sb: v('ovn', 'ovn_sb_connection') ?? 'tcp:127.0.0.1:6642',
    sbSsl: ssl,
  }
}

/** What an OVN chassis adds to the collection: local OVS rows, the SB rows the agent reads, its log. */
export const OVN_KEYS: readonly EvidenceKey[] = [
  'node.ovs-local',
  'node.ovs-bridges',
  'node.ovs-interfaces',
  'node.ovn-sb-chassis',
  'node.ovn-sb-chassis-private',
  'node.ovn-sb-global',
  'node.ovn-sb-datapath',
  'node.ovn-sb-port-binding',
  'node.ovn-sb-lflow-dhcp',
  'node.ovn-agent-log',
]

export function inScope(ns: string, s: NodeScope): boolean {
  const m = METADATA_NS.exec(ns)
  if (!m) return false
  const any = Boolean(s.routers?.length || s.networks?.length || s.namespaces?.length)
  if (!any) return true
  const [, kind, id] = m
  return Boolean(s.namespaces?.includes(ns) || (kind === 'qrouter' && s.routers?.includes(id ?? '')) || (kind !== 'qrouter' && s.networks?.includes(id ?? '')))
}

/** Names from a `node.netns` capture; an unreadable list means no namespace to scan. */
export function netnsNames(c: Capture | undefined): string[] {
  if (!c || c.exitCode !== 0) return []
  try {
    return parseNetnsList(c.stdout).map((e) => e.name)
  } catch {
    return []
  }
}

export function novaBaseUrl(agentIni: Ini | undefined): string {
  const host = iniValue(agentIni, [['DEFAULT', 'nova_metadata_host'], ['DEFAULT', 'nova_metadata_ip']]) ?? '127.0.0.1'
  const port = iniValue(agentIni, [['DEFAULT', 'nova_metadata_port']]) ?? '8775'
  const proto = iniValue(agentIni, [['DEFAULT', 'nova_metadata_protocol']]) ?? 'http'
  return `${proto}://${host.includes(':') ? `[${host}]` : host}:${port}`
}

/**
 * Plans and runs doctor's collection. Every later step is derived from evidence already
 * collected, so a bundle replays through exactly the same plan as the live run.
 */
export async function collectNode(source: Source, opts: NodeOptions, progress: (msg: string) => void = () => {}): Promise<NodeCollection> {
  const captures = new Map<string, Capture>()
  const keep = (c: Capture): Capture => {
    captures.set(captureId(c.key, c.param), c)
    return c
  }
  const boot: Paths = {neutronConfigDir: opts.neutronConfigDir, novaConfig: opts.novaConfig, socketPath: '', statePath: opts.statePath ?? ''}
  progress('reading neutron and nova configuration')
  const configKeys: EvidenceKey[] = ['node.neutron-conf', 'node.agent-ini', 'node.l3-ini', 'node.dhcp-ini', 'node.nova-conf', 'node.netns', 'node.ps']
  const [neutronConf, , , , novaConf, netns] = await Promise.all(configKeys.map(async (k) => keep(await source.get(k, boot))))
  await Promise.all(ovnIniCandidates(opts.neutronConfigDir).map(async (c) => keep(await source.get('node.ovn-agent-ini', boot, c.path))))
  const agent = chooseAgent(captures, opts.neutronConfigDir)
  const agentIni = agentIniCapture(captures, agent)
  const paths = resolvePaths(opts, neutronConf, agentIni, agent.kind !== 'ml2-ovs')

  progress('listing namespaces, processes and sockets')
  const nodeKeys: EvidenceKey[] = ['node.proc-net', 'node.unix-listeners', 'node.proxy-conf-dir', ...(paths.ovn ? OVN_KEYS : [])]
  const [, , confDir] = await Promise.all(nodeKeys.map(async (k) => keep(await source.get(k, paths))))
  const namespaces = netnsNames(netns).filter((n) => inScope(n, opts))

  const limit = opts.concurrency ?? Math.min(2 * availableParallelism(), 8)
  progress(`scanning ${namespaces.length} namespace(s), ${limit} at a time`)
  try {
    await pool(namespaces, limit, async (ns) => {
      for (const c of await source.netns(ns, paths)) keep(c)
    })
  } finally {
    source.close?.()
  }

  // proxy configs: one per namespace in scope, plus any on disk for ids in scope
  const confs = new Set<string>()
  for (const ns of namespaces) {
    const [, kind, id] = METADATA_NS.exec(ns) ?? []
    confs.add(`${kind === 'ovnmeta' ? 'ovn' : 'ns'}-metadata-proxy/${id}.conf`)
  }
  if (confDir?.exitCode === 0) {
    for (const rel of confDir.stdout.split('\n').map((l) => l.trim()).filter(Boolean)) {
      const id = proxyConfId(rel)
      if (!id) continue
      const scoped = Boolean(opts.routers?.length || opts.networks?.length || opts.namespaces?.length)
      if (!scoped || opts.routers?.includes(id) || opts.networks?.includes(id) || namespaces.some((n) => n.endsWith(id))) confs.add(rel)
    }
  }
  progress(`reading ${confs.size} proxy config(s), pid files and DHCP options`)
  const ids = [...confs].map(proxyConfId)
  await pool([...confs], limit * 4, async (rel) => keep(await source.get('node.proxy-conf', paths, rel)))
  await pool(ids, limit * 4, async (id) => {
    const c = keep(await source.get('node.pidfile', paths, `${id}.pid.haproxy`))
    if (c.exitCode !== 0) keep(await source.get('node.pidfile', paths, `${id}.pid`))
  })
  // HA routers run the proxy on the keepalived primary only
  const routers = namespaces.flatMap((n) => (n.startsWith('qrouter-') ? [n.slice('qrouter-'.length)] : []))
  await pool(routers, limit * 4, async (id) => keep(await source.get('node.ha-state', paths, id)))
  const nets = namespaces.flatMap((n) => (n.startsWith('qdhcp-') ? [n.slice('qdhcp-'.length)] : []))
  await pool(nets, limit * 4, async (net) => keep(await source.get('node.dhcp-opts', paths, net)))

  // the agent socket, and any other socket path a proxy config points at
  const sockets = new Set([paths.socketPath])
  for (const rel of confs) {
    const c = captures.get(captureId('node.proxy-conf', rel))
    const m = c?.exitCode === 0 ? /^\s*server\s+\S+\s+(\/\S+)/m.exec(c.stdout) : null
    if (m?.[1]) sockets.add(m[1])
  }
  for (const s of sockets) keep(await source.get('node.socket-stat', paths, s))

  if (!opts.passive) {
    progress('probing the agent socket and nova (read-only GETs)')
    const secretFrom = agentIni ? captureId(agentIni.key, agentIni.param) : undefined
    await Promise.all(planProbes(namespaces, agentIni, opts, novaConf).map(async (p) => keep(await source.probe({...p, ...(secretFrom ? {secretFrom} : {})}, paths))))
  }
  return {agent, captures, namespaces, paths, probed: !opts.passive}
}

/**
 * Where nova.conf on this host says the metadata API listens, when it says so: a wildcard
 * listen address is reached on loopback. undefined without nova.conf or listen options.
 */
export function novaListenUrl(novaConf: Ini | undefined): string | undefined {
  const host = iniValue(novaConf, [['DEFAULT', 'metadata_listen']])
  const port = iniValue(novaConf, [['DEFAULT', 'metadata_listen_port']])
  if (host === undefined && port === undefined) return undefined
  const h = host === undefined || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host
  return `http://${h.includes(':') ? `[${h}]` : h}:${port ?? '8775'}`
}

export function planProbes(namespaces: readonly string[], agentIni: Capture | undefined, opts: NodeScope, novaConf?: Capture): ProbeSpec[] {
  const nova = novaBaseUrl(parseIniCapture(agentIni))
  const probes: ProbeSpec[] = [
    {key: 'probe.nova-root', param: nova, url: `${nova}/`},
    {key: 'probe.nova-signed', param: nova, signWith: 'agent', url: `${nova}/openstack`},
    // signed with a random key: 403 shows nova checks signatures, 404 that it ignores them
    {key: 'probe.nova-signed', param: `${nova} ${CONTROL}`, signWith: 'random', url: `${nova}/openstack`},
  ]
  // nova's own listen address too, when it differs: tells "nova down" from "agent points elsewhere"
  const listen = novaListenUrl(parseIniCapture(novaConf))
  if (listen && listen !== nova) probes.push({key: 'probe.nova-root', param: listen, url: `${listen}/`})
  // one agent probe per router/network in scope is enough to prove the socket answers; each costs
  // the real agent an RPC to neutron-server, so keep the count small
  const targets = namespaces.flatMap((ns) => {
    const [, kind, id] = METADATA_NS.exec(ns) ?? []
    return kind && id ? [{id, kind: kind === 'qrouter' ? 'router' : kind === 'qdhcp' ? 'network' : 'ovn-network'}] : []
  })
  const header = {network: 'X-Neutron-Network-ID', 'ovn-network': 'X-OVN-Network-ID', router: 'X-Neutron-Router-ID'} as const
  const first = targets[0]
  const ips = opts.instanceIps?.length ? opts.instanceIps : [PROBE_IP]
  const agentTargets = opts.instanceIps?.length ? targets : first ? [first] : []
  for (const t of agentTargets.slice(0, 16)) {
    for (const ip of ips) {
      probes.push({
        headers: {'X-Forwarded-For': ip, [header[t.kind as keyof typeof header]]: t.id},
        key: 'probe.agent',
        param: `${t.kind === 'ovn-network' ? 'network' : t.kind}:${t.id}@${ip}`,
        url: 'http://169.254.169.254/',
      })
    }
  }
  if (!first) probes.push({headers: {'X-Forwarded-For': PROBE_IP}, key: 'probe.agent', param: `none@${PROBE_IP}`, url: 'http://169.254.169.254/'})
  // DHCP / OVN namespaces bind 169.254.169.254:80 themselves and can be probed from inside;
  // qrouter namespaces cannot (neutron's INPUT rule drops local traffic to 9697)
  for (const ns of namespaces.filter((n) => !n.startsWith('qrouter-')).slice(0, 64)) probes.push({key: 'probe.ns-http', netns: ns, param: ns})
  return probes
}
