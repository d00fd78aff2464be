import type {AgentFlavour} from '../engine/agent-flavour.js'
import type {NodeCollection, NodeOptions} from '../engine/collect-node.js'
import {CONTROL, METADATA_NS, novaBaseUrl, novaListenUrl} from '../engine/collect-node.js'
import {captureId, parseCapture as parseCaptureOf, parseOptionalFile as parseOptionalFileOf, type Parsed} from '../engine/parsed.js'
import type {Paths} from '../evidence/registry.js'
import {parseDnsmasqOpts, type DnsmasqOpt} from '../parsers/dnsmasq-opts.js'
import {parseHaproxyConfig, type HaproxyConfig} from '../parsers/haproxy-config.js'
import {parseRawHttpResponse} from '../parsers/http-response.js'
import {parseIni, type Ini} from '../parsers/ini.js'
import {parseIpAddrJson, type Link} from '../parsers/ip-addr.js'
import {parseIpAddrText} from '../parsers/ip-addr-text.js'
import {parseIfconfig} from '../parsers/ifconfig.js'
import {parseNetstatListeners} from '../parsers/netstat-listeners.js'
import {type NetnsEntry, parseNetnsList} from '../parsers/netns-list.js'
import {parsePidFile} from '../parsers/pidfile.js'
import {parseProcNet, type ProcEntry} from '../parsers/proc-net.js'
import {parseIptablesSave, type IptablesSave} from '../parsers/iptables-save.js'
import {parsePsOutput} from '../parsers/ps.js'
import {parsePsAlx} from '../parsers/ps-alx.js'
import {parsePsAuxm} from '../parsers/ps-auxm.js'
import {parsePsElfL} from '../parsers/ps-elfl.js'
import {parseNetstatNeopa} from '../parsers/netstat-neopa.js'
import {parseSsPeaonmi} from '../parsers/ss-peaonmi.js'
import {parseSsListeners, type Listener} from '../parsers/ss-listeners.js'
import {parseLsLong, parseStat, type StatResult} from '../parsers/stat.js'
import type {Capture} from '../sources/capture.js'
import {buildOvnModel, type OvnModel} from './ovn-model.js'

export type {NetnsEntry} from '../parsers/netns-list.js'
export type {ProcEntry} from '../parsers/proc-net.js'
export type PsEntry = ReturnType<typeof parsePsOutput>[number]
/** `stat -c` (live) or an `ls -l` line (old captures: names, no ids) */
export type StatInfo = Omit<StatResult, 'uid' | 'gid' | 'inode'> & {uid?: number; gid?: number; inode?: number}
export type HttpResponse = ReturnType<typeof parseRawHttpResponse>


/** What an active probe got: a response, or the way the connection failed. */
export type ProbeOutcome =
  | {readonly kind: 'response'; readonly response: HttpResponse}
  | {readonly kind: 'failed'; readonly exitCode: number; readonly how: 'refused' | 'timeout' | 'empty-reply' | 'reset' | 'not-found' | 'other'; readonly detail: string}

export interface NamespaceModel {
  readonly name: string
  readonly kind: 'qrouter' | 'qdhcp' | 'ovnmeta'
  readonly id: string
  readonly inode: number
  readonly iptables: Parsed<IptablesSave>
  readonly listeners: Parsed<Listener[]>
  readonly addrs: Parsed<Link[]>
  /** relative config path under the state path */
  readonly proxyConfPath: string
  readonly proxyConf: Parsed<HaproxyConfig | undefined>
  readonly pidFile: Parsed<number | undefined>
  readonly dhcpOpts?: Parsed<DnsmasqOpt[] | undefined>
  /** keepalived state of an HA router: `primary` (`master` before Victoria) or `backup`; undefined when not HA */
  readonly haState?: 'primary' | 'backup'
  readonly probe?: Parsed<ProbeOutcome>
}

export interface NodeModel {
  readonly paths: Paths
  readonly passive: boolean
  readonly scoped: boolean
  readonly options: NodeOptions
  readonly neutronConf: Parsed<Ini | undefined>
  /** which agent serves metadata here (ML2/OVS or OVN) and which file configures it */
  readonly agent: AgentFlavour
  /** that agent's config: metadata_agent.ini, or the OVN agent's file */
  readonly agentIni: Parsed<Ini | undefined>
  readonly l3Ini: Parsed<Ini | undefined>
  readonly dhcpIni: Parsed<Ini | undefined>
  readonly novaConf: Parsed<Ini | undefined>
  readonly netns: Parsed<NetnsEntry[]>
  readonly namespaces: readonly NamespaceModel[]
  readonly ps: Parsed<PsEntry[]>
  readonly procNet: Parsed<ProcEntry[]>
  readonly unixListeners: Parsed<Listener[]>
  /** every proxy config read, also those without a namespace: relative path → config */
  readonly proxyConfs: ReadonlyMap<string, Parsed<HaproxyConfig | undefined>>
  readonly sockets: ReadonlyMap<string, Parsed<StatInfo | undefined>>
  /** GET / at the nova URL the agent uses */
  readonly novaRoot: Parsed<ProbeOutcome>
  /** GET / at the address nova.conf on this host listens on, when that differs */
  readonly novaListen?: Parsed<ProbeOutcome>
  readonly novaSigned: Parsed<ProbeOutcome>
  /** the same request signed with a random key: 403 = nova checks signatures, 404 = it ignores them */
  readonly novaControl: Parsed<ProbeOutcome>
  readonly agentProbes: ReadonlyMap<string, Parsed<ProbeOutcome>>
  /** OVN chassis only: OVS and Southbound rows as the OVN metadata agent reads them */
  readonly ovn?: OvnModel
}



const DENIED = /EACCES|EPERM|Permission denied|Operation not permitted/i

/** Evidence refused for lack of privilege: the reason says how to get it. */
export function withRootHint<T>(p: Parsed<T>): Parsed<T> {
  if (p.ok || /run doctor as root/.test(p.reason)) return p
  return p.capture?.failure === 'permission' || DENIED.test(p.reason) ? {...p, reason: `${p.reason} (run doctor as root)`} : p
}

/** A probe capture: HTTP text when it connected, otherwise curl-style exit codes. */
export function probeOutcome(c: Capture | undefined, key: string, passive: boolean): Parsed<ProbeOutcome> {
  if (passive) return {key, ok: false, reason: `${key}: not probed (--passive: no active probes)`}
  if (!c) return {key, ok: false, reason: `${key} was not collected`}
  if (c.exitCode === 0 && !c.failure) {
    return parseCaptureOf(c, key, (t) => ({kind: 'response' as const, response: parseRawHttpResponse(t)}))
  }
  if (c.exitCode === -1) return {capture: c, key, ok: false, reason: `${key}: ${c.stderr || 'not collected'}`}
  // a socket this user may not open says nothing about the agent behind it
  if (c.failure === 'permission' || (c.exitCode === 7 && DENIED.test(c.stderr))) return {capture: c, key, ok: false, reason: `${key}: ${c.stderr.split('\n')[0] ?? 'permission denied'} (run doctor as root)`}
  const how: Extract<ProbeOutcome, {kind: 'failed'}>['how'] =
    c.failure === 'not-found' ? 'not-found' : c.exitCode === 7 ? 'refused' : c.exitCode === 28 || c.failure === 'timeout' ? 'timeout' : c.exitCode === 52 ? 'empty-reply' : c.exitCode === 56 ? 'reset' : 'other'
  if (how === 'not-found') return {capture: c, key, ok: false, reason: `${key}: ${c.stderr.split('\n')[0] ?? 'probe tool not found'}`}
  return {capture: c, key: c.param === undefined ? c.key : `${c.key}[${c.param}]`, ok: true, origin: c.origin, value: {detail: c.stderr.trim().split('\n')[0] ?? '', exitCode: c.exitCode, how, kind: 'failed'}}
}

export function buildNodeModel(col: NodeCollection, opts: NodeOptions): NodeModel {
  const get = (key: string, param?: string): Capture | undefined => col.captures.get(captureId(key, param))
  const ini = (key: string): Parsed<Ini | undefined> => withRootHint(parseOptionalFile(get(key), key, parseIni))
  const parseCapture = <T>(c: Capture | undefined, key: string, parse: (t: string) => T): Parsed<T> => withRootHint(parseCaptureOf(c, key, parse))
  const parseOptionalFile = <T>(c: Capture | undefined, key: string, parse: (t: string) => T): Parsed<T | undefined> => withRootHint(parseOptionalFileOf(c, key, parse))
  const parseBy = <T>(c: Capture | undefined, key: string, pick: (c: Capture) => (t: string) => T): Parsed<T> => withRootHint(parseByOf(c, key, pick))
  const netns = parseCapture(get('node.netns'), 'node.netns', parseNetnsList)
  const inodes = new Map((netns.ok ? netns.value : []).map((e) => [e.name, e.inode]))
  const passive = !col.probed

  const namespaces: NamespaceModel[] = col.namespaces.map((name) => {
    const [, kind, id] = METADATA_NS.exec(name) ?? []
    const k = (kind ?? 'qrouter') as NamespaceModel['kind']
    const rel = `${k === 'ovnmeta' ? 'ovn' : 'ns'}-metadata-proxy/${id}.conf`
    const pidCap = get('node.pidfile', `${id}.pid.haproxy`)
    const pid = pidCap && pidCap.exitCode !== 0 && get('node.pidfile', `${id}.pid`) ? get('node.pidfile', `${id}.pid`) : pidCap
    return {
      addrs: parseBy(get('netns.addr', name), 'netns.addr', addrParser),
      ...(k === 'qdhcp' ? {dhcpOpts: parseOptionalFile(get('node.dhcp-opts', id), 'node.dhcp-opts', parseDnsmasqOpts)} : {}),
      ...haStateOf(k === 'qrouter' ? get('node.ha-state', id) : undefined),
      id: id ?? '',
      inode: inodes.get(name) ?? 0,
      iptables: parseCapture(get('netns.iptables', name), 'netns.iptables', parseIptablesSave),
      kind: k,
      listeners: parseBy(get('netns.listeners', name), 'netns.listeners', listenerParser),
      name,
      pidFile: parseOptionalFile(pid, 'node.pidfile', parsePidFile),
      ...(k === 'qrouter' ? {} : {probe: probeOutcome(get('probe.ns-http', name), `probe.ns-http[${name}]`, passive)}),
      proxyConf: parseOptionalFile(get('node.proxy-conf', rel), 'node.proxy-conf', parseHaproxyConfig),
      proxyConfPath: rel,
    }
  })

  const proxyConfs = new Map<string, Parsed<HaproxyConfig | undefined>>()
  const sockets = new Map<string, Parsed<StatInfo | undefined>>()
  const agentProbes = new Map<string, Parsed<ProbeOutcome>>()
  // sorted: collection order follows completion, which differs between a live run and its replay
  const sorted = [...col.captures.values()].sort((a, b) => (a.param ?? '').localeCompare(b.param ?? ''))
  for (const c of sorted) {
    if (c.key === 'node.proxy-conf' && c.param) proxyConfs.set(c.param, parseOptionalFile(c, 'node.proxy-conf', parseHaproxyConfig))
    if (c.key === 'node.socket-stat' && c.param) sockets.set(c.param, parseOptionalFile<StatInfo>(c, 'node.socket-stat', c.argv[0] === 'ls' ? (t) => parseLsLong(t.trim().split('\n')[0] ?? '') : parseStat))
    if (c.key === 'probe.agent' && c.param) agentProbes.set(c.param, probeOutcome(c, `probe.agent[${c.param}]`, passive))
  }
  const nova = [...col.captures.values()]
  const agentIni = parseOptionalFile(get(col.agent.key, col.agent.param), col.agent.key, parseIni)
  const novaConf = ini('node.nova-conf')
  const agentNova = novaBaseUrl(agentIni.ok ? agentIni.value : undefined)
  const listenUrl = novaListenUrl(novaConf.ok ? novaConf.value : undefined)
  const listenCap = listenUrl && listenUrl !== agentNova ? get('probe.nova-root', listenUrl) : undefined
  return {
    agent: col.agent,
    agentIni,
    agentProbes,
    dhcpIni: ini('node.dhcp-ini'),
    l3Ini: ini('node.l3-ini'),
    namespaces,
    netns,
    neutronConf: ini('node.neutron-conf'),
    novaConf,
    novaRoot: probeOutcome(get('probe.nova-root', agentNova) ?? nova.find((c) => c.key === 'probe.nova-root'), 'probe.nova-root', passive),
    ...(listenCap ? {novaListen: probeOutcome(listenCap, `probe.nova-root[${listenUrl}]`, passive)} : {}),
    novaSigned: probeOutcome(nova.find((c) => c.key === 'probe.nova-signed' && !c.param?.endsWith(` ${CONTROL}`)), 'probe.nova-signed', passive),
    novaControl: probeOutcome(nova.find((c) => c.key === 'probe.nova-signed' && c.param?.endsWith(` ${CONTROL}`)), 'probe.nova-signed (random key)', passive),
    options: opts,
    ...(col.agent.kind === 'ml2-ovs' ? {} : {ovn: buildOvnModel((k) => get(k))}),
    passive,
    paths: col.paths,
    procNet: parseCapture(get('node.proc-net'), 'node.proc-net', parseProcNet),
    proxyConfs,
    ps: parseBy(get('node.ps'), 'node.ps', psParser),
    scoped: Boolean(opts.routers?.length || opts.networks?.length || opts.namespaces?.length),
    sockets,
    unixListeners: parseBy(get('node.unix-listeners'), 'node.unix-listeners', listenerParser),
  }
}

/** Old captures hold `netstat` or `ip a`/`ifconfig` text where mdctl now runs `ss` and `ip -json`: pick the parser by argv. */
function parseByOf<T>(c: Capture | undefined, key: string, pick: (c: Capture) => (t: string) => T): Parsed<T> {
  return parseCaptureOf(c, key, c ? pick(c) : () => undefined as T)
}

// netstat -neopa and ss -peaonmi (sosreports) list every socket with extra columns: their own parsers
const listenerParser = (c: Capture): ((t: string) => Listener[]) =>
  c.argv[0] === 'netstat' ? (c.argv.some((a) => /^-\w*e\w*o/.test(a)) ? parseNetstatNeopa : parseNetstatListeners) : c.argv[1] === '-peaonmi' ? parseSsPeaonmi : (t) => parseSsListeners(t, 'tcp')

// sosreports hold `ps auxwwwm`, `ps -elfL` or `ps alxwww` where mdctl runs `ps -o pid=,user=,args=`
const psParser = (c: Capture): ((t: string) => PsEntry[]) => (c.argv[1] === 'auxwwwm' ? parsePsAuxm : c.argv[1] === '-elfL' ? parsePsElfL : c.argv[1] === 'alxwww' ? parsePsAlx : parsePsOutput)

const addrParser = (c: Capture): ((t: string) => Link[]) => (c.argv.includes('-json') ? parseIpAddrJson : c.argv[0] === 'ifconfig' ? parseIfconfig : parseIpAddrText)


function haStateOf(c: Capture | undefined): {haState?: 'primary' | 'backup'} {
  if (!c || c.exitCode !== 0) return {}
  const state = c.stdout.trim().toLowerCase()
  if (state === 'primary' || state === 'master') return {haState: 'primary'}
  if (state === 'backup' || state === 'fault') return {haState: 'backup'}
  return {}
}
