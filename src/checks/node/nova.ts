import type {Check} from '../../engine/check.js'
import {ev} from '../../engine/parsed.js'
import {novaBaseUrl} from '../../engine/collect-node.js'
import type {NodeModel} from '../../model/node-model.js'
import {describeProbe, iniOf, opt} from './util.js'

/** GET / on nova's metadata API lists versions without any header check: a pure reachability test. */
export const novaReachable: Check<NodeModel> = {
  active: true,
  evidence: ['probe.nova-root', 'node.agent-ini'],
  hop: 'nova',
  id: 'nova-reachable',
  needs: ['novaRoot'],
  title: "nova's metadata API answers GET / at the host:port the agent uses",
  run(m, out) {
    if (!m.novaRoot.ok) return
    const o = m.novaRoot.value
    const url = m.novaRoot.capture.param ?? '?'
    const subject = url
    const fixBase = {commands: [`curl -sS ${url}/`, 'openstack endpoint list --service nova', 'systemctl status nova-api-metadata   # or the nova-api / httpd unit serving it'], text: `Point nova_metadata_host / nova_metadata_port in ${m.agent.iniPath} at the nova metadata API, and make sure it runs and is reachable from this node (firewall, listen address).`}
    if (o.kind === 'failed') {
      out.fail({code: o.how === 'timeout' ? 'NOVA_TIMEOUT' : 'NOVA_UNREACHABLE', evidence: [ev(m.novaRoot, describeProbe(o)), ev(m.agentIni, `agent uses ${novaBaseUrl(iniOf(m.agentIni))}`)], fix: fixBase, subject, summary: `nova metadata API at ${url}: ${o.how === 'refused' ? 'connection refused' : o.how}`})
      return
    }
    const {status, body} = o.response
    if (status === 200 && /(^|\n)(2009-04-04|latest)(\n|$)/.test(body)) {
      out.pass({code: 'NOVA_ANSWERS', evidence: [ev(m.novaRoot, `HTTP 200: ${body.split('\n').filter(Boolean).join(' ')}`)], subject, summary: 'nova lists the metadata versions'})
      return
    }
    out.fail({code: 'NOVA_BAD_RESPONSE', evidence: [ev(m.novaRoot, describeProbe(o))], fix: {...fixBase, text: `Something answers at ${url} but it is not nova's metadata API (expected the version list): check nova_metadata_host/port.`}, subject, summary: `GET ${url}/ answered HTTP ${status} without the version list`})
  },
}

/** nova.conf on this host, when present: the proxy must be enabled and the port must match the agent's. */
export const novaConfig: Check<NodeModel> = {
  evidence: ['node.nova-conf', 'node.agent-ini'],
  hop: 'nova',
  id: 'nova-config',
  needs: ['novaConf'],
  applies: (m) => (iniOf(m.novaConf) ? undefined : `${m.paths.novaConfig} is not on this host (run doctor on the controller too, or pass --nova-config)`),
  title: 'nova.conf: service_metadata_proxy on, listen port matches the agent',
  run(m, out) {
    const n = m.novaConf
    const subject = m.paths.novaConfig
    const raw = opt(n, ['neutron', 'service_metadata_proxy'], ['DEFAULT', 'service_neutron_metadata_proxy'], ['DEFAULT', 'service_quantum_metadata_proxy'])
    const enabled = raw !== undefined && /^(true|yes|on|1)$/i.test(raw)
    if (!enabled) {
      out.fail({
        code: 'NOVA_METADATA_PROXY_DISABLED',
        evidence: [ev(n, `[neutron] service_metadata_proxy = ${raw ?? 'unset (default False)'}`)],
        fix: {commands: [`crudini --set ${subject} neutron service_metadata_proxy True`, 'systemctl restart nova-api-metadata   # or the unit serving the metadata API'], text: 'Without service_metadata_proxy nova ignores the agent\'s X-Instance-ID headers and looks the instance up by the agent host\'s address: every guest gets 404.'},
        subject,
        summary: 'service_metadata_proxy is off: nova ignores the instance id the agent sends',
      })
    } else {
      out.pass({code: 'NOVA_METADATA_PROXY_ENABLED', evidence: [ev(n, `service_metadata_proxy = ${raw}`)], subject, summary: 'nova trusts signed requests from the agent'})
    }
    const apis = opt(n, ['DEFAULT', 'enabled_apis'])
    if (apis && !/metadata/.test(apis)) {
      out.warn({code: 'NOVA_METADATA_API_NOT_ENABLED', evidence: [ev(n, `enabled_apis = ${apis}`)], fix: {commands: [`crudini --set ${subject} DEFAULT enabled_apis ${apis},metadata`], text: 'This nova-api does not serve metadata; make sure another service (nova-api-metadata, or a WSGI app) does.'}, subject, summary: 'enabled_apis does not include metadata on this host'})
    }
    const listen = opt(n, ['DEFAULT', 'metadata_listen_port'])
    const agentPort = opt(m.agentIni, ['DEFAULT', 'nova_metadata_port']) ?? '8775'
    if (listen && listen !== agentPort) {
      out.fail({code: 'NOVA_PORT_MISMATCH', evidence: [ev(n, `metadata_listen_port = ${listen}`), ev(m.agentIni, `nova_metadata_port = ${agentPort}`)], fix: {commands: [`crudini --set ${m.agent.iniPath} DEFAULT nova_metadata_port ${listen}`, `systemctl restart ${m.agent.service}`], text: 'The agent and nova disagree on the port.'}, subject, summary: `nova listens on ${listen} but the agent calls port ${agentPort}`})
    }
  },
}
