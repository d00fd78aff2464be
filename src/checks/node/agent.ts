import {type Check, NotEvaluated} from '../../engine/check.js'
import {ev} from '../../engine/parsed.js'
import {novaBaseUrl, novaListenUrl} from '../../engine/collect-node.js'
import type {NodeModel} from '../../model/node-model.js'
import {isFingerprint} from '../../sources/redact.js'
import {metadataAgentBinary} from './processes.js'
import {describeProbe, iniOf, nodeRunsMetadata, opt} from './util.js'

const AGENT_INI = (m: NodeModel): string => m.agent.iniPath
const svc = (m: NodeModel): string => m.agent.service
const fileName = (m: NodeModel): string => m.agent.iniPath.split('/').pop() ?? 'metadata_agent.ini'

/** metadata_agent.ini: where nova is, how to reach it, and a secret to sign with. */
export const agentConfig: Check<NodeModel> = {
  applies: nodeRunsMetadata,
  evidence: ['node.agent-ini'],
  hop: 'agent',
  id: 'agent-config',
  supporting: true,
  needs: ['agentIni'],
  title: "the agent's config (metadata_agent.ini, or the OVN agent's file): nova host, port, protocol and shared secret",
  run(m, out) {
    const ini = m.agentIni
    const subject = AGENT_INI(m)
    if (!iniOf(ini)) {
      out.warn({code: 'AGENT_CONFIG_MISSING', evidence: [ev(ini, `${subject}: absent`)], fix: {commands: [`find /etc /var/lib/kolla /var/lib/config-data -name ${fileName(m)} 2>/dev/null`], text: `No ${fileName(m)} in ${m.paths.neutronConfigDir}: point doctor at the directory holding it with --neutron-config-dir (containerised deployments keep it elsewhere; the agent's --config-file arguments name it), or run it on the node that runs the metadata agent.`}, subject, summary: `${fileName(m)} not found: agent settings are assumed to be the defaults`})
      return
    }
    const host = opt(ini, ['DEFAULT', 'nova_metadata_host'])
    const oldHost = opt(ini, ['DEFAULT', 'nova_metadata_ip'])
    const port = opt(ini, ['DEFAULT', 'nova_metadata_port']) ?? '8775'
    const proto = (opt(ini, ['DEFAULT', 'nova_metadata_protocol']) ?? 'http').toLowerCase()
    const secret = opt(ini, ['DEFAULT', 'metadata_proxy_shared_secret'])
    let bad = false
    if (!host && oldHost) {
      out.warn({code: 'AGENT_NOVA_METADATA_IP_OBSOLETE', evidence: [ev(ini, `nova_metadata_ip = ${oldHost}`)], fix: {commands: [`crudini --set ${subject} DEFAULT nova_metadata_host ${oldHost}`, `systemctl restart ${svc(m)}`], text: 'nova_metadata_ip was renamed nova_metadata_host in Pike and removed in Queens: on Queens and later the agent ignores it and talks to 127.0.0.1.'}, subject, summary: `only the pre-Queens option nova_metadata_ip is set (${oldHost})`})
    }
    if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
      bad = true
      out.fail({code: 'AGENT_NOVA_PORT_INVALID', evidence: [ev(ini, `nova_metadata_port = ${port}`)], fix: {commands: [`crudini --set ${subject} DEFAULT nova_metadata_port 8775`, `systemctl restart ${svc(m)}`], text: "Set nova_metadata_port to nova's metadata_listen_port (8775 by default)."}, subject, summary: `nova_metadata_port "${port}" is not a port`})
    }
    if (proto !== 'http' && proto !== 'https') {
      bad = true
      out.fail({code: 'AGENT_NOVA_PROTOCOL_INVALID', evidence: [ev(ini, `nova_metadata_protocol = ${proto}`)], fix: {commands: [`crudini --set ${subject} DEFAULT nova_metadata_protocol http`], text: 'nova_metadata_protocol must be http or https.'}, subject, summary: `nova_metadata_protocol "${proto}" is neither http nor https`})
    }
    if (!secret) {
      const novaHere = iniOf(m.novaConf) !== undefined
      const setSecret = ['SECRET=$(openssl rand -hex 32)', `crudini --set ${subject} DEFAULT metadata_proxy_shared_secret "$SECRET"`, ...(novaHere ? [`crudini --set ${m.paths.novaConfig} neutron metadata_proxy_shared_secret "$SECRET"`] : []), 'systemctl restart neutron-metadata-agent']
      out.warn({code: 'AGENT_SECRET_EMPTY', evidence: [ev(ini, 'metadata_proxy_shared_secret is empty or unset')], fix: {commands: setSecret, text: `${novaHere ? '' : 'Set the same value in nova.conf [neutron] metadata_proxy_shared_secret on the nova API host, and restart its metadata service. '}`+ 'An empty secret signs with an empty key: it works only if nova is empty too, and then anyone reaching nova can read any instance\'s metadata.'}, subject, summary: 'no shared secret: instance ids are signed with an empty key'})
    }
    if (!bad) out.pass({code: 'AGENT_CONFIG_OK', evidence: [ev(ini, `nova ${proto}://${host ?? oldHost ?? '127.0.0.1 (default)'}:${port}, secret ${secret && isFingerprint(secret) ? 'set (fingerprinted)' : secret ? 'set' : 'empty'}`)], subject, summary: `agent talks to ${proto}://${host ?? oldHost ?? '127.0.0.1'}:${port}`})
  },
}

/** The agent probe's answer, when it is one the metadata agent gives (any of these means it serves the socket). */
export function answersLikeAgent(m: NodeModel): string | undefined {
  for (const p of m.agentProbes.values()) {
    if (p.ok && p.value.kind === 'response' && [200, 400, 403, 404, 503].includes(p.value.response.status)) return describeProbe(p.value)
  }
  return undefined
}

/** The agent process runs. */
export const agentProcess: Check<NodeModel> = {
  applies: nodeRunsMetadata,
  evidence: ['node.ps'],
  hop: 'agent',
  id: 'agent-process',
  supporting: true,
  needs: ['ps'],
  title: 'the metadata agent (neutron-metadata-agent, neutron-ovn-metadata-agent or neutron-ovn-agent) is running',
  run(m, out) {
    const procs = (m.ps.ok ? m.ps.value : []).filter((p) => metadataAgentBinary(p.args) !== undefined)
    if (procs.length > 0) {
      out.pass({code: 'AGENT_RUNNING', evidence: [ev(m.ps, procs.slice(0, 3).map((p) => `${p.pid} ${p.user} ${p.args.join(' ').slice(0, 140)}`).join(' | '))], subject: svc(m), summary: `${procs.length} agent process(es) running`})
      return
    }
    const answer = answersLikeAgent(m)
    const listening = m.unixListeners.ok && m.unixListeners.value.some((l) => l.address === m.paths.socketPath)
    const probed = [...m.agentProbes.values()].some((p) => p.ok)
    if (!answer && listening && !probed) {
      // something holds the socket and it could not be asked (--passive, not root): not a dead agent
      const why = [...m.agentProbes.values()].find((p) => !p.ok)
      throw new NotEvaluated(`no process looks like the neutron metadata agent, but something listens on ${m.paths.socketPath} and could not be probed${why && !why.ok ? `: ${why.reason}` : m.passive ? ' (--passive)' : ''}`)
    }
    if (!answer && !m.unixListeners.ok && !probed) throw new NotEvaluated(`no process looks like the neutron metadata agent, and neither the socket's listeners nor a probe could be read: ${m.unixListeners.reason}`)
    // without the agent's config the socket it listens on is unknown: an agent mdctl does not
    // recognise may be serving another path, so an empty process list proves nothing
    if (!answer && !m.agentIni.ok) throw new NotEvaluated(`no process looks like the neutron metadata agent, and which socket it would serve is unknown: ${m.agentIni.reason}`)
    if (answer) {
      // something that is not a known form of the agent serves the socket, and answers as the agent does
      out.info({code: 'AGENT_PROCESS_UNRECOGNISED', evidence: [ev(m.ps, 'no neutron-metadata-agent / neutron-ovn-metadata-agent / neutron-ovn-agent command line'), ...[...m.agentProbes.values()].filter((p) => p.ok).slice(0, 1).map((p) => ev(p, answer))], subject: 'neutron-metadata-agent', summary: `no process looks like the neutron metadata agent, but the socket answers as the agent does (${answer.slice(0, 80)})`})
      return
    }
    out.fail({code: 'AGENT_NOT_RUNNING', evidence: [ev(m.ps, 'no neutron-metadata-agent / neutron-ovn-metadata-agent process')], fix: {commands: [`systemctl restart ${svc(m)}`, `journalctl -u ${svc(m)} -n 50`], text: 'Start the metadata agent (in containerised deployments: its container) and read its log for the reason it stopped.'}, subject: 'neutron-metadata-agent', summary: 'the metadata agent is not running on this node'})
  },
}

/** A GET over the socket as haproxy would send it: the agent answering at all (even 404) proves socket and agent work. */
export const agentProbe: Check<NodeModel> = {
  active: true,
  evidence: ['probe.agent'],
  hop: 'agent',
  id: 'agent-probe',
  needs: [],
  applies: (m) => (m.passive ? '--passive: no active probes' : m.agentProbes.size === 0 ? 'no agent probe was made' : undefined),
  title: 'the agent answers a request over its socket',
  run(m, out) {
    const [param, p] = [...m.agentProbes.entries()].find(([k]) => k.endsWith('@192.0.2.1')) ?? [...m.agentProbes.entries()][0] ?? []
    if (!p || !param) return
    if (!p.ok) throw new NotEvaluated(p.reason)
    const o = p.value
    const subject = m.paths.socketPath
    if (o.kind === 'failed') {
      // with the agent's config unreadable the socket probed is the default path, a guess: a refusal there proves nothing
      if (!m.agentIni.ok && o.how !== 'timeout') throw new NotEvaluated(`the probe of ${m.paths.socketPath} failed, but which socket the agent serves is unknown: ${m.agentIni.reason}`)
      out.fail({code: o.how === 'timeout' ? 'AGENT_PROBE_TIMEOUT' : 'AGENT_NOT_ANSWERING', evidence: [ev(p, describeProbe(o))], fix: {commands: [`systemctl restart ${svc(m)}`, `journalctl -u ${svc(m)} -n 50`], text: o.how === 'timeout' ? `The agent accepted the connection but did not answer (${o.detail}): it is stuck (RPC to neutron-server, or all workers busy).` : 'The agent does not accept connections on its socket.'}, subject, summary: `probe over the socket: ${describeProbe(o)}`})
      return
    }
    const {status, body} = o.response
    if (status === 200 || status === 404 || status === 403 || status === 503 || status === 400) {
      const meaning = status === 404 ? 'not found, as expected for a probe address' : status === 503 && /remote metadata server/i.test(body) ? 'nova unreachable from the agent (see the nova hop)' : status === 403 ? 'nova rejected the signature (see the signature hop)' : 'answered'
      out.pass({code: 'AGENT_ANSWERS', evidence: [ev(p, describeProbe(o))], subject, summary: `the agent answers over the socket: HTTP ${status}, ${meaning}`})
      return
    }
    out.fail({code: 'AGENT_ERROR', evidence: [ev(p, describeProbe(o))], fix: {commands: [`journalctl -u ${svc(m)} -n 100 | grep -iE "error|exception"`], text: m.agent.kind === 'ml2-ovs' ? 'The agent fails the request itself (500: RPC to neutron-server failing, or a missing X-Forwarded-For): read its log around the probe time.' : 'The agent fails the request itself (500: the Southbound DB unreachable, or a port without neutron:project_id): read its log around the probe time.'}, subject, summary: `the agent answers HTTP ${status} to a plain request`})
  },
}

/**
 * The agent's nova_metadata_host/port against where nova.conf on this host listens: a wrong
 * target looks like "nova down" from the guest, but the fix is in metadata_agent.ini.
 */
export const agentNovaTarget: Check<NodeModel> = {
  evidence: ['node.agent-ini', 'node.nova-conf', 'probe.nova-root'],
  hop: 'agent',
  id: 'agent-nova-target',
  supporting: true,
  needs: ['agentIni', 'novaConf'],
  applies: (m) => (!iniOf(m.novaConf) ? `${m.paths.novaConfig} is not on this host: where nova listens is unknown here` : opt(m.novaConf, ['DEFAULT', 'metadata_listen'], ['DEFAULT', 'metadata_listen_port']) === undefined ? 'nova.conf sets neither metadata_listen nor metadata_listen_port' : undefined),
  title: "the agent's nova_metadata_host/port is where nova listens",
  run(m, out) {
    const agentUrl = novaBaseUrl(iniOf(m.agentIni))
    const listenUrl = novaListenUrl(iniOf(m.novaConf)) ?? ''
    const listenHost = opt(m.novaConf, ['DEFAULT', 'metadata_listen']) ?? '0.0.0.0'
    const port = (u: string): string => /:(\d+)$/.exec(u)?.[1] ?? ''
    const wildcard = listenHost === '0.0.0.0' || listenHost === '::'
    const evidence = [ev(m.agentIni, `agent calls ${agentUrl}`), ev(m.novaConf, `nova listens on ${listenHost}:${port(listenUrl)}`)]
    if (agentUrl === listenUrl || (wildcard && port(agentUrl) === port(listenUrl))) {
      out.pass({code: 'AGENT_NOVA_TARGET_OK', evidence, subject: AGENT_INI(m), summary: `the agent calls ${agentUrl}, where nova listens`})
      return
    }
    const here = m.novaListen?.ok ? m.novaListen.value : undefined
    const there = m.novaRoot.ok ? m.novaRoot.value : undefined
    const hereAnswers = here?.kind === 'response' && here.response.status === 200
    const thereFails = there?.kind === 'failed'
    // listenUrl already reaches a wildcard listener on loopback: the agent runs on this host too
    const listenAt = new URL(listenUrl)
    const fix = {
      commands: [`crudini --set ${AGENT_INI(m)} DEFAULT nova_metadata_host ${listenAt.hostname.replace(/^\[|\]$/g, '')}`, `crudini --set ${AGENT_INI(m)} DEFAULT nova_metadata_port ${port(listenUrl)}`, `systemctl restart ${svc(m)}`],
      text: `Point the agent at nova's metadata API: nova_metadata_host / nova_metadata_port in ${fileName(m)} (or at the VIP that fronts it).`,
    }
    if (hereAnswers && thereFails) {
      out.fail({code: 'AGENT_WRONG_NOVA_HOST', evidence: [...evidence, ...(m.novaListen ? [ev(m.novaListen, describeProbe(here))] : []), ev(m.novaRoot, describeProbe(there))], fix, subject: AGENT_INI(m), summary: `the agent calls ${agentUrl}, which does not answer, while nova answers at ${listenUrl}`})
    } else if (there?.kind === 'response') {
      // a VIP or load balancer in front of nova, on another address or port: normal
      out.info({code: 'AGENT_NOVA_TARGET_ELSEWHERE', evidence: [...evidence, ev(m.novaRoot, describeProbe(there))], subject: AGENT_INI(m), summary: `the agent calls ${agentUrl}, not this host's nova (${listenUrl}), and it answers`})
    } else {
      // nova-reachable judges the agent's target; without both probes nothing here is a fault
      out.info({code: 'AGENT_NOVA_TARGET_DIFFERS', evidence, subject: AGENT_INI(m), summary: `the agent calls ${agentUrl} but nova.conf here listens on ${listenUrl} (normal behind a VIP or load balancer; nova-reachable judges the agent's target)`})
    }
  },
}
