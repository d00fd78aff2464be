/**
 * Cross-host checks: what no single node can tell. Pure, like the node checks: they read the
 * per-host models built from each host's bundle and return findings with their own codes.
 */
import {novaBaseUrl} from '../engine/collect-node.js'
import {type Check, NotEvaluated} from '../engine/check.js'
import {ev, type Parsed} from '../engine/parsed.js'
import type {NodeModel} from '../model/node-model.js'
import {getFirst, type Ini} from '../parsers/ini.js'
import type {Link} from '../parsers/ip-addr.js'
import type {Listener} from '../parsers/ss-listeners.js'
import {SECRET_KEYS} from '../sources/redact.js'
import {type Layout, restartCommand} from '../evidence/layouts.js'

export interface FleetHostView {
  name: string
  /** roles from the inventory groups; with no groups configured, from what the host runs */
  agent: boolean
  nova: boolean
  salt: string
  layout: Layout
  model: NodeModel
  tcpListeners: Parsed<Listener[]>
  addrs: Parsed<Link[]>
}

export interface FleetModel {
  hosts: readonly FleetHostView[]
  instanceIps: readonly string[]
}

const value = (p: Parsed<Ini | undefined>, names: Array<[string, string]>): string | undefined => (p.ok && p.value ? getFirst(p.value, names) : undefined)

export const agentSecret = (h: FleetHostView): string | undefined => value(h.model.agentIni, SECRET_KEYS.map((k) => ['DEFAULT', k] as [string, string]))
export const novaSecret = (h: FleetHostView): string | undefined => value(h.model.novaConf, SECRET_KEYS.map((k) => ['neutron', k] as [string, string]))

const list = (names: readonly string[], max = 6): string => (names.length > max ? `${names.slice(0, max).join(', ')} and ${names.length - max} more` : names.join(', '))

interface Holder {
  host: FleetHostView
  side: 'agent' | 'nova'
  fp: string
}

function secretHolders(m: FleetModel): Holder[] {
  const holders: Holder[] = []
  for (const h of m.hosts) {
    const a = h.agent ? agentSecret(h) : undefined
    const n = h.nova ? novaSecret(h) : undefined
    if (a !== undefined) holders.push({fp: a, host: h, side: 'agent'})
    if (n !== undefined) holders.push({fp: n, host: h, side: 'nova'})
  }
  return holders
}

const secretAgreement: Check<FleetModel> = {
  applies: (m) => (secretHolders(m).length < 2 ? 'fewer than two hosts carry a metadata_proxy_shared_secret (metadata_agent.ini on agents, nova.conf [neutron] on nova metadata API hosts): nothing to compare' : undefined),
  evidence: ['node.agent-ini', 'node.nova-conf'],
  hop: 'signature',
  id: 'fleet-secret-agreement',
  needs: [],
  run(m, out) {
    const salts = new Set(m.hosts.map((h) => h.salt))
    if (salts.size > 1) throw new NotEvaluated('the bundles were fingerprinted with different salts: capture them in one `mdctl fleet capture` run')
    const holders = secretHolders(m)
    const groups = new Map<string, Holder[]>()
    for (const x of holders) groups.set(x.fp, [...(groups.get(x.fp) ?? []), x])
    const label = (x: Holder): string => `${x.host.name} (${x.side === 'agent' ? 'agent' : 'nova'})`
    if (groups.size === 1) {
      out.pass({code: 'FLEET_SECRET_AGREE', evidence: holders.slice(0, 4).map((x) => ev(x.side === 'agent' ? x.host.model.agentIni : x.host.model.novaConf, `${x.host.name}: ${x.fp}`)), subject: 'metadata_proxy_shared_secret', summary: `the same secret fingerprint on ${holders.length} agent/nova side(s): ${list(holders.map(label))}`})
      return
    }
    const ranked = [...groups.values()].sort((a, b) => b.length - a.length)
    const top = ranked[0] ?? []
    const majority = ranked.length > 1 && top.length > (ranked[1]?.length ?? 0) ? top : undefined
    const odd = majority ? holders.filter((x) => x.fp !== majority[0]?.fp) : holders
    const reference = majority?.find((x) => x.side === 'agent') ?? majority?.[0]
    for (const x of odd) {
      const p = x.side === 'agent' ? x.host.model.agentIni : x.host.model.novaConf
      const file = x.side === 'agent' ? `${x.host.model.paths.neutronConfigDir}/metadata_agent.ini` : x.host.model.paths.novaConfig
      const section = x.side === 'agent' ? 'DEFAULT' : 'neutron'
      const commands: string[] = []
      if (reference) {
        const refFile = reference.side === 'agent' ? `${reference.host.model.paths.neutronConfigDir}/metadata_agent.ini` : reference.host.model.paths.novaConfig
        const refSection = reference.side === 'agent' ? 'DEFAULT' : 'neutron'
        commands.push(`crudini --set ${file} ${section} metadata_proxy_shared_secret "$(ssh ${reference.host.name} crudini --get ${refFile} ${refSection} metadata_proxy_shared_secret)"`)
      }
      commands.push(restartCommand(x.host.layout, x.side === 'agent' ? 'metadata-agent' : 'nova-metadata'))
      out.fail({
        code: 'FLEET_SECRET_MISMATCH',
        evidence: [ev(p, `${x.host.name}: ${x.fp}`), ...(majority ? [ev(majority[0]?.side === 'agent' ? majority[0].host.model.agentIni : (majority[0]?.host.model.novaConf ?? p), `${list(majority.map(label))}: ${majority[0]?.fp ?? ''}`)] : [])],
        fix: {
          commands,
          text: majority
            ? `Run on ${x.host.name}: give it the secret the other ${majority.length} side(s) share, then restart its ${x.side === 'agent' ? 'metadata agent' : 'nova metadata API'}.`
            : 'No secret is shared by a majority: pick the one nova uses, set it on every agent and nova host, and restart them.',
        },
        hop: 'signature',
        subject: x.host.name,
        summary: majority
          ? `${label(x)} has a different metadata_proxy_shared_secret than the ${majority.length} other side(s) (${list(majority.map(label))}): its signatures are refused (403)`
          : `metadata_proxy_shared_secret differs across the fleet with no majority: ${[...groups.values()].map((g) => list(g.map(label))).join(' vs ')}`,
      })
    }
  },
  title: 'every agent and every nova metadata API share one secret',
}

const LOOPBACK = /^(127\.|::1$|localhost$)/
const WILDCARD = new Set(['0.0.0.0', '::', '*', '[::]'])

function hostAddresses(h: FleetHostView): Set<string> {
  const s = new Set<string>()
  if (h.addrs.ok) for (const l of h.addrs.value) for (const a of l.addrs) s.add(a.local)
  return s
}

function listensOn(h: FleetHostView, addr: string, port: number): boolean | undefined {
  if (!h.tcpListeners.ok) return undefined
  return h.tcpListeners.value.some((l) => l.port === port && (WILDCARD.has(l.address) || l.address === addr || (LOOPBACK.test(addr) && LOOPBACK.test(l.address))))
}

const novaListener: Check<FleetModel> = {
  applies: (m) => (m.hosts.some((h) => h.agent && h.model.agentIni.ok && h.model.agentIni.value) ? undefined : 'no captured agent host has a metadata_agent.ini'),
  evidence: ['node.agent-ini', 'node.tcp-listeners', 'node.addr'],
  hop: 'nova',
  id: 'fleet-nova-listener',
  needs: [],
  run(m, out) {
    const agents = m.hosts.filter((h) => h.agent && h.model.agentIni.ok && h.model.agentIni.value)
    for (const a of agents) {
      const url = new URL(novaBaseUrl(a.model.agentIni.ok ? a.model.agentIni.value : undefined))
      const host = url.hostname.replace(/^\[|\]$/g, '')
      const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80))
      const owners = LOOPBACK.test(host) ? [a] : m.hosts.filter((h) => hostAddresses(h).has(host) || h.name === host)
      const subject = a.name
      const agentEv = ev(a.model.agentIni, `nova_metadata_host:port = ${host}:${port}`)
      if (owners.length === 0) {
        out.warn({code: 'FLEET_NOVA_HOST_OUTSIDE', evidence: [agentEv], subject, summary: `${a.name}'s agent calls nova at ${host}:${port}, an address no captured host has (a VIP or a host outside the inventory): not judged here`})
        continue
      }
      const listening = owners.filter((o) => listensOn(o, host, port) === true)
      const unknown = owners.filter((o) => listensOn(o, host, port) === undefined)
      if (listening.length > 0) {
        out.pass({code: 'FLEET_NOVA_LISTENER_FOUND', evidence: [agentEv, ev(listening[0]?.tcpListeners ?? a.tcpListeners, `${list(listening.map((o) => o.name))} listen(s) on ${port}`)], subject, summary: `${a.name}'s agent calls ${host}:${port}, where ${list(listening.map((o) => o.name))} listen(s)`})
        continue
      }
      if (unknown.length > 0) {
        out.warn({code: 'FLEET_NOVA_LISTENERS_UNKNOWN', evidence: [agentEv], subject, summary: `${host} belongs to ${list(owners.map((o) => o.name))}, whose TCP listeners are not known (${unknown.map((o) => (o.tcpListeners.ok ? '' : o.tcpListeners.reason)).find(Boolean) ?? 'not captured'}): capture with \`mdctl fleet capture\`, as root`})
        continue
      }
      const elsewhere = m.hosts.filter((h) => h.tcpListeners.ok && h.tcpListeners.value.some((l) => l.port === port && !LOOPBACK.test(l.address)))
      out.fail({
        code: 'FLEET_NOVA_NO_LISTENER',
        evidence: [agentEv, ...owners.slice(0, 2).map((o) => ev(o.tcpListeners, `${o.name}: nothing listens on ${host}:${port}`))],
        fix: {
          commands: [`crudini --get ${a.model.paths.neutronConfigDir}/metadata_agent.ini DEFAULT nova_metadata_host`, `ssh ${owners[0]?.name ?? host} ss -ltnp 'sport = :${port}'`],
          text: elsewhere.length
            ? `Nothing listens on ${host}:${port}; ${list(elsewhere.map((h) => h.name))} listen(s) on port ${port}: point ${a.name}'s nova_metadata_host at one of them (or the VIP in front of them), then restart its agent.`
            : `Nothing listens on ${host}:${port} on ${list(owners.map((o) => o.name))}, nor on port ${port} anywhere in the fleet: start nova's metadata API there, or point nova_metadata_host / nova_metadata_port at where it runs.`,
        },
        subject,
        summary: `${a.name}'s agent calls nova at ${host}:${port}, and no host listens there (${host} is ${list(owners.map((o) => o.name))})`,
      })
    }
  },
  title: "each agent's nova_metadata_host:port is a listener some host has",
}

const haRouters: Check<FleetModel> = {
  applies: (m) => (m.hosts.some((h) => h.model.namespaces.some((ns) => ns.kind === 'qrouter' && ns.haState)) ? undefined : 'no HA router (keepalived state file under ha_confs/) on any captured host'),
  evidence: ['node.ha-state', 'netns.listeners'],
  hop: 'proxy',
  id: 'fleet-ha-routers',
  needs: [],
  run(m, out) {
    const routers = new Map<string, Array<{host: FleetHostView; state: 'primary' | 'backup'}>>()
    for (const h of m.hosts)
      for (const ns of h.model.namespaces) if (ns.kind === 'qrouter' && ns.haState) routers.set(ns.id, [...(routers.get(ns.id) ?? []), {host: h, state: ns.haState}])
    for (const [id, nodes] of [...routers.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const subject = `router ${id}`
      const active = nodes.filter((n) => n.state === 'primary')
      const stateEv = (n: {host: FleetHostView; state: string}): ReturnType<typeof ev> => ({excerpt: `${n.host.name}: ${n.state}`, key: `node.ha-state[${id}]`, origin: n.host.name})
      if (active.length > 1) {
        out.fail({
          code: 'FLEET_HA_MULTIPLE_ACTIVE',
          evidence: nodes.map(stateEv),
          fix: {commands: [`openstack network agent list --router ${id} --long`, ...active.map((n) => `ssh ${n.host.name} ip netns exec qrouter-${id} ip -o addr`)], text: 'Two keepalived instances think they are primary (split brain, usually VRRP traffic lost between the nodes on the HA network): both answer ARP for the gateway, so guests reach either. Restore VRRP between the nodes; the l3 agents then agree on one.'},
          subject,
          summary: `HA router ${id} is active on ${active.length} nodes: ${list(active.map((n) => n.host.name))}`,
        })
        continue
      }
      if (active.length === 0) {
        out.fail({code: 'FLEET_HA_NO_ACTIVE', evidence: nodes.map(stateEv), fix: {commands: [`openstack network agent list --router ${id} --long`], text: 'No node holds the router: keepalived elected no primary (all backup or fault). Check keepalived on the nodes listed and the HA network between them.'}, subject, summary: `HA router ${id} is active on no node (${list(nodes.map((n) => `${n.host.name}: ${n.state}`))})`})
        continue
      }
      const primary = active[0]
      if (!primary) continue
      const ns = primary.host.model.namespaces.find((x) => x.name === `qrouter-${id}`)
      const port = Number(value(primary.host.model.l3Ini, [['DEFAULT', 'metadata_port']]) ?? 9697)
      if (!ns || !ns.listeners.ok) {
        out.warn({code: 'FLEET_HA_PROXY_UNKNOWN', evidence: [stateEv(primary)], subject, summary: `HA router ${id} is active on ${primary.host.name}, whose listeners in qrouter-${id} were not captured`})
        continue
      }
      if (!ns.listeners.value.some((l) => l.port === port)) {
        out.fail({code: 'FLEET_HA_ACTIVE_NO_PROXY', evidence: [stateEv(primary), ev(ns.listeners, `nothing on port ${port}`)], fix: {commands: [restartCommand(primary.host.layout, 'l3-agent')], text: `Run on ${primary.host.name}: the active node must run the router's metadata proxy; the l3 agent spawns it on the primary.`}, subject, summary: `HA router ${id} is active on ${primary.host.name}, but nothing listens on ${port} in its qrouter namespace there`})
        continue
      }
      out.pass({code: 'FLEET_HA_OK', evidence: [stateEv(primary)], subject, summary: `HA router ${id}: active on ${primary.host.name} only, which runs its proxy on ${port}`})
    }
  },
  title: 'every HA router has exactly one active node, and that node runs its proxy',
}

const instanceHost: Check<FleetModel> = {
  active: true,
  applies: (m) => (m.instanceIps.length ? undefined : 'no --instance-ip given'),
  evidence: ['probe.agent'],
  hop: 'instance',
  id: 'fleet-instance-host',
  needs: [],
  run(m, out) {
    for (const ip of m.instanceIps) {
      const serving: string[] = []
      let probed = 0
      for (const h of m.hosts) {
        for (const [param, p] of h.model.agentProbes) {
          if (!param.endsWith(`@${ip}`) || !p.ok) continue
          probed++
          if (p.value.kind === 'response' && p.value.response.status === 200) serving.push(`${h.name} (${param.slice(0, -ip.length - 1).replace(':', ' ')})`)
        }
      }
      if (probed === 0) throw new NotEvaluated(`no host probed its agent for ${ip}: capture with --instance-ip ${ip}`)
      if (serving.length === 0) {
        out.warn({code: 'FLEET_INSTANCE_NOT_SERVED', subject: ip, summary: `no agent in the fleet found an instance at ${ip} (${probed} probe(s) answered, none with its metadata)`})
        continue
      }
      out.info({code: 'FLEET_INSTANCE_SERVED_BY', subject: ip, summary: `${ip} is served by ${list(serving)}`})
    }
  },
  title: 'which host serves the guest',
}

/** In path order, like the node checks. */
export const FLEET_CHECKS: ReadonlyArray<Check<FleetModel>> = [haRouters, novaListener, secretAgreement, instanceHost]
