/**
 * fleet doctor: each captured host through the usual engine (its bundle replayed), then the
 * cross-host checks over all of them, joined into one report with a `hosts` section.
 */
import {join} from 'node:path'

import {runCheck} from '../engine/check.js'
import type {NodeOptions} from '../engine/collect-node.js'
import {runDoctor} from '../engine/doctor.js'
import {parseCapture} from '../engine/parsed.js'
import {buildReport} from '../engine/report.js'
import {detectLayout, type Layout, translateCommand} from '../evidence/layouts.js'
import {HOPS, type Hop} from '../hops.js'
import {buildNodeModel} from '../model/node-model.js'
import {parseIpAddrJson} from '../parsers/ip-addr.js'
import {parseSsListeners} from '../parsers/ss-listeners.js'
import type {FleetHostEntry, Finding, HopStatus, Report} from '../report/types.js'
import {BundleError, BundleSource} from '../sources/bundle.js'
import {FLEET_CHECKS, type FleetHostView, type FleetModel} from './checks.js'
import type {FleetRecord} from './record.js'

export interface FleetDoctorOptions {
  instanceIps?: string[]
}

const CONFIG_KEYS = ['node.neutron-conf', 'node.agent-ini', 'node.l3-ini', 'node.dhcp-ini', 'node.nova-conf'] as const

/** Paths the checks name by the package layout → where this host's configs were really read. */
function configPathMap(source: BundleSource, opts: NodeOptions): Map<string, string> {
  const m = new Map<string, string>()
  const defaults: Record<(typeof CONFIG_KEYS)[number], string> = {
    'node.agent-ini': `${opts.neutronConfigDir}/metadata_agent.ini`,
    'node.dhcp-ini': `${opts.neutronConfigDir}/dhcp_agent.ini`,
    'node.l3-ini': `${opts.neutronConfigDir}/l3_agent.ini`,
    'node.neutron-conf': `${opts.neutronConfigDir}/neutron.conf`,
    'node.nova-conf': opts.novaConfig,
  }
  for (const k of CONFIG_KEYS) {
    const it = source.manifest.items.find((i) => i.key === k && i.exitCode === 0)
    if (it?.argv[0] === 'read' && it.argv[1]) m.set(defaults[k], it.argv[1])
  }
  return m
}

function inLayoutTerms(r: Report, layout: Layout, pathMap: ReadonlyMap<string, string>): Report {
  if (layout === 'packages' && [...pathMap].every(([a, b]) => a === b)) return r
  const findings = r.findings.map((f): Finding => (f.fix?.commands ? {...f, fix: {...f.fix, commands: f.fix.commands.flatMap((c) => translateCommand(c, layout, pathMap))}} : f))
  return {...r, findings}
}

const HOP_RANK: Record<HopStatus, number> = {fail: 0, warn: 1, 'not-evaluated': 2, pass: 3, skip: 4}
const VERDICT_RANK = {broken: 0, degraded: 2, ok: 3, unknown: 1} as const

export async function runFleetDoctor(dir: string, record: FleetRecord, o: FleetDoctorOptions = {}, progress: (m: string) => void = () => {}): Promise<Report> {
  const entries: FleetHostEntry[] = []
  const views: FleetHostView[] = []
  const grouped = record.groups.agents.length + record.groups.nova.length + record.groups.ovn.length > 0
  for (const h of record.hosts) {
    if (h.status !== 'captured' || !h.dir) {
      entries.push({name: h.name, reason: h.reason ?? `not captured (${h.status})`, roles: [], status: h.status === 'captured' ? 'failed' : h.status})
      continue
    }
    progress(`judging ${h.name}`)
    let source: BundleSource
    try {
      source = await BundleSource.open(join(dir, h.dir))
    } catch (error) {
      if (!(error instanceof BundleError)) throw error
      entries.push({name: h.name, reason: error.message, roles: [], status: 'failed'})
      continue
    }
    const saved = source.manifest.options as Partial<NodeOptions>
    const opts: NodeOptions = {
      instanceIps: o.instanceIps?.length ? o.instanceIps : saved.instanceIps,
      neutronConfigDir: saved.neutronConfigDir ?? '/etc/neutron',
      novaConfig: saved.novaConfig ?? '/etc/nova/nova.conf',
      passive: saved.passive === true,
      statePath: saved.statePath,
    }
    const {report, collection} = await runDoctor(source, opts)
    const model = buildNodeModel(collection, opts)
    const fleetMeta = (source.manifest as {fleet?: {groups?: unknown}}).fleet
    const groups = Array.isArray(fleetMeta?.groups) ? fleetMeta.groups.map(String) : []
    const argvs = model.ps.ok ? model.ps.value.map((p) => p.args.join(' ')) : []
    const paths = configPathMap(source, opts)
    const layout = detectLayout([...paths.values()], argvs)
    const hasAgent = model.agentIni.ok && model.agentIni.value !== undefined
    const hasNova = model.novaConf.ok && model.novaConf.value !== undefined
    const roles = {
      agent: grouped ? groups.some((g) => record.groups.agents.includes(g)) : hasAgent,
      nova: grouped ? groups.some((g) => record.groups.nova.includes(g)) : hasNova,
      ovn: grouped ? groups.some((g) => record.groups.ovn.includes(g)) : false,
    }
    // fleet-only evidence: not in doctor's plan, read from the bundle directly
    const [addr, listeners] = await Promise.all([source.get('node.addr', collection.paths), source.get('node.tcp-listeners', collection.paths)])
    views.push({
      addrs: parseCapture(addr, 'node.addr', parseIpAddrJson),
      agent: roles.agent,
      layout,
      model,
      name: h.name,
      nova: roles.nova,
      salt: source.salt,
      tcpListeners: parseCapture(listeners, 'node.tcp-listeners', (t) => parseSsListeners(t, 'tcp')),
    })
    entries.push({
      layout,
      name: h.name,
      report: inLayoutTerms(report, layout, paths),
      roles: (['agent', 'nova', 'ovn'] as const).filter((r) => roles[r]),
      status: 'captured',
    })
  }
  progress('cross-host checks')
  const model: FleetModel = {hosts: views, instanceIps: o.instanceIps ?? []}
  const cross = buildReport({capturedAt: record.capturedAt, kind: 'fleet', origin: `fleet:${dir}`}, FLEET_CHECKS.map((c) => runCheck(c, model)))
  return joinReport(cross, entries)
}

/** The cloud's verdict: the worst of the cross-host verdict and every host's; hosts not judged make it at best unknown. */
export function joinReport(cross: Report, hosts: FleetHostEntry[]): Report {
  const reports = hosts.flatMap((h) => (h.report ? [h.report] : []))
  const hops = HOPS.map((hop) => {
    const all = [cross, ...reports].map((r) => r.hops.find((x) => x.hop === hop)?.status ?? 'skip')
    const status = all.reduce<HopStatus>((a, b) => (HOP_RANK[b] < HOP_RANK[a] ? b : a), 'skip')
    return {checks: cross.hops.find((x) => x.hop === hop)?.checks ?? [], hop, status}
  })
  const failing = (r: Report): Hop | null => r.verdict.firstFailingHop
  const firstFailingHop = HOPS.find((h) => [cross, ...reports].some((r) => failing(r) === h || r.findings.some((f) => f.hop === h && f.severity === 'fail'))) ?? null
  const notJudged = hosts.filter((h) => !h.report)
  let status: Report['verdict']['status'] = [cross, ...reports].map((r) => r.verdict.status).reduce((a, b) => (VERDICT_RANK[b] < VERDICT_RANK[a] ? b : a), 'ok' as Report['verdict']['status'])
  if (notJudged.length && status !== 'broken') status = 'unknown'
  if (cross.checks.every((c) => c.status !== 'ran') && reports.length === 0) status = 'unknown'
  const summary = fleetSummary(status, cross, hosts)
  return {...cross, hops, hosts, verdict: {firstFailingHop: status === 'broken' ? firstFailingHop : null, status, summary}}
}

function fleetSummary(status: Report['verdict']['status'], cross: Report, hosts: readonly FleetHostEntry[]): string {
  const count = (s: string): number => hosts.filter((h) => h.report?.verdict.status === s).length
  const notJudged = hosts.filter((h) => !h.report)
  const tally = `${hosts.length} host(s): ${count('ok')} ok, ${count('degraded')} degraded, ${count('broken')} broken, ${count('unknown')} unknown${notJudged.length ? `, ${notJudged.length} not captured (${notJudged.map((h) => `${h.name}: ${h.status}`).join(', ')})` : ''}`
  const crossFail = cross.findings.find((f) => f.severity === 'fail')
  if (crossFail) {
    const more = cross.findings.filter((f) => f.severity === 'fail').length - 1
    return `across hosts, at ${crossFail.hop}: ${crossFail.summary}${more > 0 ? ` (+${more} more cross-host failure(s))` : ''}; ${tally}`
  }
  const broken = hosts.find((h) => h.report?.verdict.status === 'broken')
  if (broken?.report) return `${broken.name}: ${broken.report.verdict.summary}; ${tally}`
  if (status === 'unknown') return `no failure seen, but not every host could be judged; ${tally}`
  return `${status === 'ok' ? 'every host and every cross-host check looks healthy' : 'no failure, warnings only'}; ${tally}`
}
