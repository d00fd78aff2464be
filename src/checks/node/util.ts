import {type Findings, NotEvaluated} from '../../engine/check.js'
import {metadataRoutes as metadataRoutesOf} from '../../parsers/dnsmasq-opts.js'
import type {Parsed} from '../../engine/parsed.js'
import {getBool, getFirst, type Ini} from '../../parsers/ini.js'
import type {Listener} from '../../parsers/ss-listeners.js'
import type {NamespaceModel, NodeModel, ProbeOutcome} from '../../model/node-model.js'
import {metadataAgentBinary} from './processes.js'

export const METADATA_IP = '169.254.169.254'

/** The value of an ini capture, or undefined when the file was absent. */
export const iniOf = (p: Parsed<Ini | undefined>): Ini | undefined => (p.ok ? p.value : undefined)

export function opt(p: Parsed<Ini | undefined>, ...names: Array<[string, string]>): string | undefined {
  const ini = iniOf(p)
  return ini ? getFirst(ini, names) : undefined
}

export function flag(p: Parsed<Ini | undefined>, section: string, key: string, dflt: boolean): boolean {
  const ini = iniOf(p)
  return (ini ? getBool(ini, section, key) : undefined) ?? dflt
}

/** l3_agent.ini metadata_port, default 9697 (facts §4.1). */
export const metadataPort = (m: NodeModel): number => Number(opt(m.l3Ini, ['DEFAULT', 'metadata_port']) ?? 9697) || 9697

export const l3ProxyEnabled = (m: NodeModel): boolean => flag(m.l3Ini, 'DEFAULT', 'enable_metadata_proxy', true)
export const isolatedMetadata = (m: NodeModel): boolean => flag(m.dhcpIni, 'DEFAULT', 'enable_isolated_metadata', false)
export const forceMetadata = (m: NodeModel): boolean => flag(m.dhcpIni, 'DEFAULT', 'force_metadata', false)

/** Run `fn` on each namespace of the kinds given; a namespace whose evidence is unusable is noted, not judged. */
export function eachNamespace(
  m: NodeModel,
  kinds: ReadonlyArray<NamespaceModel['kind']>,
  need: (ns: NamespaceModel) => ReadonlyArray<Parsed<unknown> | undefined>,
  fn: (ns: NamespaceModel) => void,
  out: Findings,
): void {
  const targets = m.namespaces.filter((n) => kinds.includes(n.kind))
  let judged = 0
  const reasons: string[] = []
  for (const ns of targets) {
    const bad = need(ns).find((p) => p !== undefined && !p.ok)
    if (bad && !bad.ok) {
      reasons.push(bad.reason)
      // one unreadable namespace (deleted mid-scan, say) is noted; the others are still judged
      out.info({code: 'NOT_EVALUATED', subject: ns.name, summary: bad.reason})
      continue
    }
    judged++
    fn(ns)
  }
  if (targets.length > 0 && judged === 0) throw new NotEvaluated(`no namespace could be read: ${reasons.slice(0, 3).join('; ')}${reasons.length > 3 ? ` (+${reasons.length - 3} more)` : ''}`)
}

export const nsExec = (ns: string, cmd: string): string => `ip netns exec ${ns} ${cmd}`

/** Listeners that accept connections to `addr:port` (wildcards included). */
export function listenersOn(ls: readonly Listener[], port: number, addr?: string): Listener[] {
  const wild = new Set(['0.0.0.0', '::', '*', ''])
  return ls.filter((l) => l.proto !== 'unix' && l.port === port && (addr === undefined || wild.has(l.address) || l.address === addr))
}

export const describeListener = (l: Listener): string => `${l.address.includes(':') ? `[${l.address}]` : l.address}:${l.port}${l.processes.length ? ` ${l.processes.map((p) => `${p.name}/${p.pid}`).join(',')}` : ''}`

export const describeProbe = (o: ProbeOutcome): string =>
  o.kind === 'response' ? `HTTP ${o.response.status} ${o.response.reason}: ${o.response.body.slice(0, 4096).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 160)}` : `${o.how} (exit ${o.exitCode}): ${o.detail}`

/** Does this namespace serve metadata at all, by neutron's own logic? */
export function servesMetadata(m: NodeModel, ns: NamespaceModel): boolean {
  if (ns.kind === 'qrouter') return l3ProxyEnabled(m)
  if (ns.kind === 'ovnmeta') return true
  return forceMetadata(m) || isolatedMetadata(m)
}

export const restartAgent = (unit: string): string => `systemctl restart ${unit}`

/** Addresses (without prefix) held in a namespace. */
export function nsAddresses(ns: NamespaceModel): string[] {
  return ns.addrs.ok ? ns.addrs.value.flatMap((l) => l.addrs.map((a) => a.local)) : []
}

/**
 * Is the DHCP namespace expected to serve metadata itself? neutron spawns the proxy there when
 * force_metadata is on, or when the opts file routes 169.254.169.254 via this DHCP port's IP
 * (an isolated subnet with enable_isolated_metadata).
 */
export function dhcpServesMetadata(m: NodeModel, ns: NamespaceModel): boolean {
  if (ns.kind === 'ovnmeta') return true
  if (ns.kind !== 'qdhcp') return false
  if (forceMetadata(m)) return true
  const opts = ns.dhcpOpts?.ok ? ns.dhcpOpts.value : undefined
  if (opts) {
    const own = new Set(nsAddresses(ns))
    return metadataRoutesOf(opts).some((r) => own.has(r.gateway))
  }
  return isolatedMetadata(m)
}

/** Anything of neutron's metadata path on this node: otherwise socket and agent checks do not apply here. */
export function nodeRunsMetadata(m: NodeModel): string | undefined {
  const ns = m.namespaces.length > 0
  const agentIni = m.agentIni.ok && m.agentIni.value !== undefined
  const neutron = m.neutronConf.ok && m.neutronConf.value !== undefined
  const agent = m.ps.ok && m.ps.value.some((p) => metadataAgentBinary(p.args) !== undefined)
  return ns || agentIni || neutron || agent ? undefined : 'no neutron metadata component on this node (no metadata namespace, neutron.conf, metadata_agent.ini or agent process)'
}
