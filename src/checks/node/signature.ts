import {type Check, NotEvaluated} from '../../engine/check.js'
import {ev, type Parsed} from '../../engine/parsed.js'
import {getFirst, type Ini} from '../../parsers/ini.js'
import type {NodeModel} from '../../model/node-model.js'
import {isFingerprint, isMasked} from '../../sources/redact.js'
import {describeProbe, iniOf} from './util.js'

/** Where a setting was found: the file, section and option a fix must name. */
export interface OptionAt {
  file: string
  section: string
  key: string
  value: string
}

/** The first of `names` set in the ini, with the spelling that was read. */
export function optionAt(p: Parsed<Ini | undefined>, file: string, names: ReadonlyArray<readonly [string, string]>): OptionAt | undefined {
  const ini = iniOf(p)
  if (!ini) return undefined
  for (const [section, key] of names) {
    const value = getFirst(ini, [[section, key]])
    if (value !== undefined) return {file, key, section, value}
  }
  return undefined
}

// nova.conf: [neutron] since Icehouse; Havana read [DEFAULT] neutron_… (quantum_… before)
const NOVA_SECRET: ReadonlyArray<readonly [string, string]> = [['neutron', 'metadata_proxy_shared_secret'], ['DEFAULT', 'neutron_metadata_proxy_shared_secret'], ['DEFAULT', 'quantum_metadata_proxy_shared_secret']]
const NOVA_PROXY: ReadonlyArray<readonly [string, string]> = [['neutron', 'service_metadata_proxy'], ['DEFAULT', 'service_neutron_metadata_proxy'], ['DEFAULT', 'service_quantum_metadata_proxy']]
const AGENT_SECRET: ReadonlyArray<readonly [string, string]> = [['DEFAULT', 'metadata_proxy_shared_secret']]

const agentIniPath = (m: NodeModel): string => m.agent.iniPath

/** The agent's secret as the agent reads it: metadata_agent.ini, else neutron.conf (both are its config files). */
export const agentSecretAt = (m: NodeModel): OptionAt | undefined => optionAt(m.agentIni, agentIniPath(m), AGENT_SECRET) ?? optionAt(m.neutronConf, `${m.paths.neutronConfigDir}/neutron.conf`, AGENT_SECRET)
export const novaSecretAt = (m: NodeModel): OptionAt | undefined => optionAt(m.novaConf, m.paths.novaConfig, NOVA_SECRET)

const named = (o: OptionAt): string => `${o.file} [${o.section}] ${o.key}`

function secretFix(m: NodeModel): {commands: string[]; text: string} {
  const agent = agentSecretAt(m)
  const nova = novaSecretAt(m)
  const agentName = agent ? named(agent) : `${agentIniPath(m)} [DEFAULT] metadata_proxy_shared_secret`
  const novaName = nova ? named(nova) : iniOf(m.novaConf) ? `${m.paths.novaConfig} [neutron] metadata_proxy_shared_secret` : 'nova.conf [neutron] metadata_proxy_shared_secret on the host serving the nova metadata API (not on this node)'
  const files = [agent?.file ?? agentIniPath(m), ...(iniOf(m.novaConf) ? [m.paths.novaConfig] : [])]
  return {
    commands: [`grep -H shared_secret ${files.join(' ')}   # compare privately`, `systemctl restart ${m.agent.service}`],
    text: `${agentName} and ${novaName} must be the same string: set one to the other, then restart the metadata agent and the nova service serving the metadata API.`,
  }
}

/** Salted fingerprints of the two secrets: equal or not, without ever holding either value. */
export const secretFingerprint: Check<NodeModel> = {
  evidence: ['node.agent-ini', 'node.nova-conf'],
  hop: 'signature',
  id: 'secret-fingerprint',
  needs: ['agentIni', 'novaConf'],
  applies: (m) => (!iniOf(m.novaConf) ? `${m.paths.novaConfig} is not on this host: the secrets can only be compared by the signed probe` : !iniOf(m.agentIni) ? `${m.agent.iniPath} not found` : undefined),
  title: 'agent and nova hold the same shared secret (salted fingerprints)',
  run(m, out) {
    const agent = agentSecretAt(m)
    const nova = novaSecretAt(m)
    const a = agent?.value ?? ''
    const n = nova?.value ?? ''
    // a masked value (sos's `*********`) says "set", not what: two masks prove nothing either way
    const masked = [...(isMasked(a) ? [agent?.file ?? agentIniPath(m)] : []), ...(isMasked(n) ? [nova?.file ?? m.paths.novaConfig] : [])]
    if (masked.length > 0) {
      throw new NotEvaluated(`metadata_proxy_shared_secret is masked (asterisks) in ${masked.join(' and ')}: run \`mdctl capture\` on the agent's and on nova's host; the salted fingerprints in the bundles decide whether the secrets match`)
    }
    const show = (v: string): string => (v === '' ? 'empty' : isFingerprint(v) ? v : '(set)')
    const evidence = [ev(m.agentIni, `${agent ? named(agent) : 'agent secret unset'}: ${show(a)}`), ev(m.novaConf, `${nova ? named(nova) : 'nova secret unset'}: ${show(n)}`)]
    if (a === n) {
      out.pass({code: 'SECRET_MATCH', evidence, subject: 'metadata_proxy_shared_secret', summary: a === '' ? 'both secrets are empty (they match, but nothing is protected)' : 'agent and nova secrets match'})
      return
    }
    out.fail({code: 'SECRET_MISMATCH', evidence, fix: secretFix(m), subject: 'metadata_proxy_shared_secret', summary: 'the agent and nova hold different shared secrets: nova answers 403 to every guest'})
  },
}

/**
 * Does nova check X-Instance-ID-Signature at all? Only with service_metadata_proxy on; off, it
 * looks instances up by the agent host's address and every guest gets 404. Judged from nova.conf
 * when it is on this node, else from a request signed with a random key (403 = checked).
 */
export function novaChecksSignatures(m: NodeModel): {checks: boolean; how: string; evidence: ReturnType<typeof ev>} | undefined {
  const at = optionAt(m.novaConf, m.paths.novaConfig, NOVA_PROXY)
  if (iniOf(m.novaConf)) {
    const on = at !== undefined && /^(true|yes|on|1)$/i.test(at.value)
    return {checks: on, evidence: ev(m.novaConf, at ? `${named(at)} = ${at.value}` : `${m.paths.novaConfig}: service_metadata_proxy unset (default False)`), how: at ? named(at) : `${m.paths.novaConfig} [neutron] service_metadata_proxy (unset)`}
  }
  const c = m.novaControl
  if (!c.ok || c.value.kind !== 'response') return undefined
  const status = c.value.response.status
  if (status === 403) return {checks: true, evidence: ev(c, `signed with a random key: ${describeProbe(c.value)}`), how: 'a request signed with a random key was refused'}
  if (status === 404) return {checks: false, evidence: ev(c, `signed with a random key: ${describeProbe(c.value)}`), how: 'a request signed with a random key was not refused'}
  return undefined
}

/** service_metadata_proxy: without it nova ignores the agent's signed instance id. */
export const novaServiceMetadataProxy: Check<NodeModel> = {
  evidence: ['node.nova-conf', 'probe.nova-signed'],
  hop: 'signature',
  id: 'nova-service-metadata-proxy',
  supporting: true,
  needs: [],
  title: 'nova honours the signed instance id (service_metadata_proxy on)',
  run(m, out) {
    const judged = novaChecksSignatures(m)
    if (!judged) throw new NotEvaluated(`${m.paths.novaConfig} is not on this node and the random-key probe got no 403/404 (${m.novaControl.ok ? describeProbe(m.novaControl.value) : m.novaControl.reason}): run doctor on the nova API host too, or pass --nova-config`)
    const subject = iniOf(m.novaConf) ? m.paths.novaConfig : 'nova metadata API'
    if (judged.checks) {
      out.pass({code: 'NOVA_METADATA_PROXY_ENABLED', evidence: [judged.evidence], subject, summary: `nova checks the agent's signature (${judged.how})`})
      return
    }
    const file = iniOf(m.novaConf) ? m.paths.novaConfig : '/etc/nova/nova.conf'
    out.fail({
      code: 'NOVA_METADATA_PROXY_DISABLED',
      evidence: [judged.evidence],
      fix: {commands: [`crudini --set ${file} neutron service_metadata_proxy True`], text: `Set [neutron] service_metadata_proxy = True in nova.conf${iniOf(m.novaConf) ? '' : ' on the nova API host'} and restart the service serving the metadata API: without it nova ignores the agent's X-Instance-ID headers and looks the instance up by the agent host's address, so every guest gets 404.`},
      subject,
      summary: `nova ignores the instance id the agent sends (${judged.how}): service_metadata_proxy is off`,
    })
  },
}

/** A request signed with the agent's secret for a random instance id: 404 = nova accepted the signature, 403 = mismatch. */
export const signedProbe: Check<NodeModel> = {
  active: true,
  evidence: ['probe.nova-signed'],
  hop: 'signature',
  id: 'signed-probe',
  needs: ['novaSigned'],
  title: "nova accepts the agent's X-Instance-ID-Signature",
  run(m, out) {
    if (!m.novaSigned.ok) return
    const o = m.novaSigned.value
    const subject = m.novaSigned.capture.param ?? 'nova'
    if (o.kind === 'failed') {
      out.info({code: 'SIGNED_PROBE_NO_ANSWER', evidence: [ev(m.novaSigned, describeProbe(o))], subject, summary: 'nova did not answer the signed probe (see the nova hop)'})
      return
    }
    const {status, body} = o.response
    const checked = novaChecksSignatures(m)
    if (checked && !checked.checks) throw new NotEvaluated(`nova ignores signatures (${checked.how}): the signed probe says nothing about the shared secret`)
    if (status === 403) {
      out.fail({code: 'SIGNATURE_REJECTED', evidence: [ev(m.novaSigned, describeProbe(o))], fix: secretFix(m), subject, summary: "nova rejects the agent's signature (403): the shared secrets differ"})
    } else if (status === 404) {
      if (!checked) throw new NotEvaluated("nova answered the signed probe with 404, but whether it checks signatures at all is unknown (nova.conf is not on this node and the random-key probe was not conclusive)")
      out.pass({code: 'SIGNATURE_ACCEPTED', evidence: [ev(m.novaSigned, 'HTTP 404 for a random instance id: signature accepted'), checked.evidence], subject, summary: "nova accepts the agent's signature"})
    } else if (status === 400) {
      out.warn({code: 'SIGNED_PROBE_400', evidence: [ev(m.novaSigned, describeProbe(o))], subject, summary: `nova answered 400: ${body.slice(0, 4096).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 120)} (read nova's metadata log)`})
    } else {
      out.info({code: 'SIGNED_PROBE_INCONCLUSIVE', evidence: [ev(m.novaSigned, describeProbe(o))], subject, summary: `signed probe answered HTTP ${status}: inconclusive`})
    }
  },
}
