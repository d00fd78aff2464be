/**
 * Which metadata agent serves this node, and where its config lives. An ML2/OVS node runs
 * neutron-metadata-agent with metadata_agent.ini; an OVN chassis runs neutron-ovn-metadata-agent
 * (or, from 2024.1, neutron-ovn-agent with `[agent] extensions = metadata`) with its own file, in
 * the places the deployment tools keep it. Pure: decided from captures already collected, so a
 * bundle replays to the same choice.
 */
import {captureId} from './parsed.js'
import {stdoutOf} from '../parsers/errors.js'
import {get, type Ini, parseIni} from '../parsers/ini.js'
import {parseNetnsList} from '../parsers/netns-list.js'
import {parsePsOutput} from '../parsers/ps.js'
import type {Capture} from '../sources/capture.js'

export type AgentKind = 'ml2-ovs' | 'ovn-metadata' | 'ovn-agent'

export interface AgentFlavour {
  readonly kind: AgentKind
  /** the evidence key and param of the config file the checks read */
  readonly key: 'node.agent-ini' | 'node.ovn-agent-ini'
  readonly param?: string
  /** path of that file on the node (the file doctor read, or where it looked first) */
  readonly iniPath: string
  /** the service to restart, as packaged (systemd unit) */
  readonly service: string
  /** why mdctl thinks the node is an OVN chassis (empty on ML2/OVS) */
  readonly why: string
}

export interface OvnIniCandidate {
  path: string
  kind: 'ovn-metadata' | 'ovn-agent'
}

/**
 * Where OVN agent configs live, first match wins. Packagers' file name in the config dir;
 * RDO/puppet-neutron's networking-ovn name; kolla-ansible's host-side config directory; TripleO's
 * puppet-generated tree; neutron-ovn-agent's own file (docs: plugins/ml2/ovn_agent.ini).
 */
export function ovnIniCandidates(neutronConfigDir: string): OvnIniCandidate[] {
  return [
    {kind: 'ovn-metadata', path: `${neutronConfigDir}/neutron_ovn_metadata_agent.ini`},
    {kind: 'ovn-metadata', path: `${neutronConfigDir}/plugins/networking-ovn/networking-ovn-metadata-agent.ini`},
    {kind: 'ovn-metadata', path: '/etc/kolla/neutron-ovn-metadata-agent/neutron_ovn_metadata_agent.ini'},
    {kind: 'ovn-metadata', path: '/var/lib/config-data/puppet-generated/neutron/etc/neutron/plugins/networking-ovn/networking-ovn-metadata-agent.ini'},
    {kind: 'ovn-agent', path: `${neutronConfigDir}/plugins/ml2/ovn_agent.ini`},
    {kind: 'ovn-agent', path: `${neutronConfigDir}/neutron_ovn_agent.ini`},
  ]
}

const iniIn = (c: Capture | undefined): Ini | undefined => {
  if (!c || c.exitCode !== 0) return undefined
  try {
    return parseIni(stdoutOf(c))
  } catch {
    return undefined
  }
}

/** neutron-ovn-agent serves metadata only with the `metadata` extension enabled. */
export const hasMetadataExtension = (ini: Ini): boolean =>
  (get(ini, 'agent', 'extensions') ?? '')
    .split(',')
    .map((s) => s.trim())
    .includes('metadata')

const OVN_AGENT_PROC = /neutron-ovn-metadata-agent|networking-ovn-metadata-agent|neutron-ovn-agent/
const OVS_AGENT_PROC = /neutron-metadata-agent(\s|$)/

export function chooseAgent(captures: ReadonlyMap<string, Capture>, neutronConfigDir: string): AgentFlavour {
  const ovsIni = iniIn(captures.get('node.agent-ini'))
  const found = ovnIniCandidates(neutronConfigDir).find((c) => {
    const ini = iniIn(captures.get(captureId('node.ovn-agent-ini', c.path)))
    return ini !== undefined && (c.kind === 'ovn-metadata' || hasMetadataExtension(ini))
  })
  let procs: string[] = []
  try {
    const ps = captures.get('node.ps')
    if (ps && ps.exitCode === 0) procs = parsePsOutput(ps.stdout).map((p) => p.args.join(' '))
  } catch {
    procs = []
  }
  let names: string[] = []
  try {
    const ns = captures.get('node.netns')
    if (ns && ns.exitCode === 0) names = parseNetnsList(ns.stdout).map((e) => e.name)
  } catch {
    names = []
  }
  const ovnProc = procs.some((a) => OVN_AGENT_PROC.test(a))
  const ovsProc = procs.some((a) => OVS_AGENT_PROC.test(a))
  const ovnmeta = names.some((n) => n.startsWith('ovnmeta-'))
  const qns = names.some((n) => /^(qrouter|qdhcp)-/.test(n))
  const why = ovnProc
    ? 'an OVN metadata agent process runs'
    : ovnmeta && !qns
      ? 'ovnmeta- namespaces and no qrouter-/qdhcp- namespace'
      : found && !ovsIni && !ovsProc
        ? `${found.path} exists and metadata_agent.ini does not`
        : ''
  if (!why) {
    return {iniPath: `${neutronConfigDir}/metadata_agent.ini`, key: 'node.agent-ini', kind: 'ml2-ovs', service: 'neutron-metadata-agent', why: ''}
  }
  const pick = found ?? ovnIniCandidates(neutronConfigDir)[0]!
  const isAgent = pick.kind === 'ovn-agent' || (!found && procs.some((a) => /neutron-ovn-agent/.test(a)))
  return {
    iniPath: pick.path,
    key: 'node.ovn-agent-ini',
    kind: isAgent ? 'ovn-agent' : 'ovn-metadata',
    param: pick.path,
    service: isAgent ? 'neutron-ovn-agent' : 'neutron-ovn-metadata-agent',
    why,
  }
}

/** The chosen agent's config capture. */
export const agentIniCapture = (captures: ReadonlyMap<string, Capture>, a: AgentFlavour): Capture | undefined => captures.get(captureId(a.key, a.param))
