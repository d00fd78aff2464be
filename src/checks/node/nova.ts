import type {Check} from '../../engine/check.js'
import {ev} from '../../engine/parsed.js'
import {novaBaseUrl} from '../../engine/collect-node.js'
import type {NodeModel} from '../../model/node-model.js'
import {describeProbe, iniOf, opt} from './util.js'

/** GET / on nova's metadata API lists versions without any header check: a pure reachability test. */
export const novaReachable: Check<NodeModel> = {
  active: true,
  evidence: ['probe.nova-root', 'node.agent-ini', 'node.nova-conf'],
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
      // nova answering at its own listen address while the agent's target does not: nova works,
      // and the agent points elsewhere (agent-nova-target names that on the agent hop)
      const own = m.novaListen?.ok ? m.novaListen.value : undefined
      if (own && own.kind !== 'failed' && own.response.status === 200 && /(^|\n)(2009-04-04|latest)(\n|$)/.test(own.response.body)) {
        const at = m.novaListen?.ok ? (m.novaListen.capture.param ?? '') : ''
        out.pass({code: 'NOVA_ANSWERS', evidence: [ev(m.novaListen!, `HTTP 200 at ${at}`), ev(m.novaRoot, `the agent's target ${url}: ${describeProbe(o)}`)], subject: at, summary: `nova lists the metadata versions at its own address ${at}; the agent calls ${url}, which does not answer (see the agent hop)`})
        return
      }
      // connected, then silence: nova itself is stuck or slow, the way to it works
      const stuck = o.how === 'timeout' && /^connected in /.test(o.detail)
      const fix = stuck ? {...fixBase, text: `nova accepted the connection at ${url} but did not answer: the service serving the metadata API is stuck or overloaded (its workers, its database or conductor). Read its log; haproxy in front of the agent gives up after 32 s.`} : fixBase
      out.fail({code: o.how === 'timeout' ? 'NOVA_TIMEOUT' : 'NOVA_UNREACHABLE', evidence: [ev(m.novaRoot, describeProbe(o)), ev(m.agentIni, `agent uses ${novaBaseUrl(iniOf(m.agentIni))}`)], fix, subject, summary: `nova metadata API at ${url}: ${stuck ? `accepted the connection, then no answer (${o.detail})` : o.how === 'refused' ? 'connection refused' : o.how}`})
      return
    }
    const {status, body} = o.response
    if (status === 200 && /(^|\n)(2009-04-04|latest)(\n|$)/.test(body)) {
      out.pass({code: 'NOVA_ANSWERS', evidence: [ev(m.novaRoot, `HTTP 200: ${body.slice(0, 1024).split('\n').filter(Boolean).join(' ')}`)], subject, summary: 'nova lists the metadata versions'})
      return
    }
    out.fail({code: 'NOVA_BAD_RESPONSE', evidence: [ev(m.novaRoot, describeProbe(o))], fix: {...fixBase, text: `Something answers at ${url} but it is not nova's metadata API (expected the version list): check nova_metadata_host/port.`}, subject, summary: `GET ${url}/ answered HTTP ${status} without the version list`})
  },
}

/** nova.conf on this host, when present: does this nova-api serve the metadata API at all? */
export const novaConfig: Check<NodeModel> = {
  evidence: ['node.nova-conf'],
  hop: 'nova',
  id: 'nova-config',
  supporting: true,
  needs: ['novaConf'],
  applies: (m) => (iniOf(m.novaConf) ? undefined : `${m.paths.novaConfig} is not on this host (run doctor on the controller too, or pass --nova-config)`),
  title: 'nova.conf: enabled_apis includes metadata',
  run(m, out) {
    const n = m.novaConf
    const subject = m.paths.novaConfig
    // where nova listens against where the agent calls is agent-nova-target's question (a VIP or
    // load balancer on another port is normal); service_metadata_proxy is the signature hop's
    const apis = opt(n, ['DEFAULT', 'enabled_apis'])
    if (apis && !/metadata/.test(apis)) {
      out.warn({code: 'NOVA_METADATA_API_NOT_ENABLED', evidence: [ev(n, `enabled_apis = ${apis}`)], fix: {commands: [`crudini --set ${subject} DEFAULT enabled_apis ${apis},metadata`], text: 'This nova-api does not serve metadata; make sure another service (nova-api-metadata, or a WSGI app) does.'}, subject, summary: 'enabled_apis does not include metadata on this host'})
      return
    }
    out.pass({code: 'NOVA_METADATA_API_ENABLED', evidence: [ev(n, apis ? `enabled_apis = ${apis}` : 'enabled_apis unset (default osapi_compute,metadata)')], subject, summary: 'nova on this host serves the metadata API'})
  },
}
