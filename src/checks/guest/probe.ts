import type {Check, Findings} from '../../engine/check.js'
import {ev, type Parsed} from '../../engine/parsed.js'
import type {Hop} from '../../hops.js'
import {hasConfigDrive} from '../../parsers/guest-blkid.js'
import {metadataProxyBypass} from '../../parsers/guest-env-proxy.js'
import {classifyMetadataResponse} from '../../parsers/guest-http-probe.js'
import type {GuestModel, GuestProbe} from '../../model/guest-model.js'

const NODE_FIX: Partial<Record<Hop, {text: string; commands: string[]}>> = {
  agent: {commands: ['mdctl doctor   # on the network node', 'journalctl -u neutron-metadata-agent -n 100'], text: 'The metadata agent fails the request: run mdctl doctor on the network node hosting the router/DHCP port.'},
  instance: {commands: ['openstack port list --fixed-ip ip-address=<guest ip> --long', 'mdctl doctor --instance-ip <guest ip>   # on the network node'], text: "The agent cannot map this guest's address to exactly one instance (allowed-address-pair IP, duplicate port, wrong network)."},
  intercept: {commands: ['mdctl doctor   # on the network node: iptables REDIRECT in qrouter, 169.254.169.254 on the qdhcp tap'], text: 'Nothing answered: the request is not intercepted (router REDIRECT missing, or no 169.254.169.254 on the DHCP/OVN port), or a security group drops it.'},
  nova: {commands: ['mdctl doctor   # on the network node: nova host/port from metadata_agent.ini', 'curl -sS http://<nova_metadata_host>:8775/'], text: "nova's metadata API is down, slow or unreachable from the metadata agent."},
  proxy: {commands: ['mdctl doctor   # on the network node: haproxy in the qrouter/qdhcp namespace'], text: 'The request reached the namespace but no metadata proxy listens there.'},
  signature: {commands: ['mdctl doctor   # on the network node and controller: compares secret fingerprints'], text: 'metadata_proxy_shared_secret differs between metadata_agent.ini and nova.conf [neutron].'},
  socket: {commands: ['mdctl doctor   # on the network node: socket path, mode and listener'], text: "haproxy cannot reach the metadata agent's unix socket (agent down, wrong path or mode)."},
}

function judge(p: Parsed<GuestProbe>, out: Findings, routed: boolean): void {
  if (!p.ok) {
    out.info({code: 'NOT_EVALUATED', subject: p.key, summary: p.reason})
    return
  }
  const o = p.value
  const subject = `GET http://169.254.169.254${o.path} (${o.tool})`
  if (o.kind === 'failed') {
    const f = o.failure
    // refused means the packet was delivered locally somewhere (a REDIRECT or the address itself)
    // with nothing listening; "unreachable" with a working guest route is the gateway's ICMP: it
    // does not intercept 169.254.169.254
    const hop: Hop = f.kind === 'refused' || f.kind === 'reset' ? 'proxy' : (f.kind === 'no-route' || f.kind === 'unreachable') && !routed ? 'guest-route' : 'intercept'
    const fix = NODE_FIX[hop] ?? {commands: ['ip route get 169.254.169.254'], text: 'The guest cannot send the request: see the guest-route and guest-arp hops.'}
    out.fail({code: `PROBE_${f.kind.toUpperCase().replace(/-/g, '_')}`, evidence: [ev(p, `${o.tool} exit ${o.exitCode} after ${o.ms} ms: ${f.detail}`)], fix, hop, subject, summary: `${f.kind} after ${o.ms} ms: ${f.detail}`})
    return
  }
  const r = o.response
  const v = classifyMetadataResponse(r, o.path)
  const excerpt = `HTTP ${r.status} ${r.reason} in ${o.ms} ms: ${r.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 160)}`
  if (r.status === 200) {
    out.pass({code: 'PROBE_OK', evidence: [ev(p, excerpt)], hop: 'instance', subject, summary: `200 in ${o.ms} ms`})
    return
  }
  if (r.status === 429) {
    out.warn({code: 'PROBE_RATE_LIMITED', evidence: [ev(p, excerpt)], fix: {commands: [], text: 'neutron [metadata_rate_limiting] is on and this guest exceeded it; wait and retry.'}, hop: 'proxy', subject, summary: 'rate limited (429)'})
    return
  }
  if (v.hop === null) {
    out.fail({code: v.code, evidence: [ev(p, excerpt)], fix: {commands: ['env | grep -i proxy', "export no_proxy=169.254.169.254,$no_proxy"], text: v.explanation}, hop: 'guest-route', subject, summary: v.explanation})
    return
  }
  out.fail({code: v.code, evidence: [ev(p, excerpt)], fix: NODE_FIX[v.hop] ?? {commands: [], text: v.explanation}, hop: v.hop, subject, summary: `HTTP ${r.status}: ${v.explanation}`})
}

/** GET /, /openstack and /latest/meta-data/ from the guest; what came back names the hop. */
export const guestHttpProbe: Check<GuestModel> = {
  active: true,
  evidence: ['probe.guest-http'],
  hop: 'instance',
  id: 'guest-http-probe',
  needs: [],
  applies: (m) => (m.passive ? '--passive: no active probes' : undefined),
  title: 'HTTP GET of 169.254.169.254 from the guest, mapped to the hop that answered or failed',
  run(m, out) {
    const routed = m.routeGet.ok && !('unreachable' in m.routeGet.value) && m.routeGet.value.gateway !== undefined
    for (const p of m.probes) judge(p, out, routed)
  },
}

/** An http_proxy without no_proxy for 169.254.169.254 sends cloud-init's requests to the proxy. */
export const guestProxyEnv: Check<GuestModel> = {
  evidence: ['guest.env', 'guest.etc-environment'],
  hop: 'guest-route',
  id: 'guest-http-proxy-env',
  needs: ['env'],
  title: 'no HTTP proxy captures requests for 169.254.169.254',
  run(m, out) {
    if (!m.env.ok) return
    const v = metadataProxyBypass(m.env.value)
    if (!v.proxied) {
      out.pass({code: 'GUEST_NO_PROXY_FOR_METADATA', evidence: [ev(m.env, v.reason)], subject: 'guest environment', summary: v.reason})
      return
    }
    out.warn({code: 'GUEST_HTTP_PROXY', evidence: [ev(m.env, `${v.reason}${v.via ? ` (${v.via})` : ''}`)], fix: {commands: ["echo 'no_proxy=169.254.169.254' >> /etc/environment"], text: 'HTTP clients that honour http_proxy (cloud-init, curl) send metadata requests to the proxy, which cannot reach the link-local address: add 169.254.169.254 to no_proxy.'}, subject: 'guest environment', summary: `requests to 169.254.169.254 would go through the proxy ${v.via ?? ''}`.trim()})
  },
}

/** Information: with a config drive, cloud-init's ds-identify skips the metadata service. */
export const guestConfigDrive: Check<GuestModel> = {
  evidence: ['guest.blkid'],
  hop: 'instance',
  id: 'guest-config-drive',
  needs: ['blockDevices'],
  title: 'config drive present (information)',
  run(m, out) {
    if (!m.blockDevices.ok) return
    const cd = m.blockDevices.value.find((d) => hasConfigDrive([d]))
    if (cd) out.info({code: 'GUEST_CONFIG_DRIVE', evidence: [ev(m.blockDevices, `${cd.device} LABEL=${cd.label ?? ''}`)], subject: cd.device, summary: 'a config drive (config-2) is attached: cloud-init reads it and may never ask the metadata service'})
  },
}

const reasonHop = (reason: string): Hop => {
  if (/No route to host|Network is unreachable/i.test(reason)) return 'guest-route'
  if (/refused/i.test(reason)) return 'proxy'
  if (/\[403\]|403/.test(reason)) return 'signature'
  if (/\[404\]/.test(reason)) return 'instance'
  if (/\[50[34]\]/.test(reason)) return 'nova'
  if (/\[500\]/.test(reason)) return 'agent'
  return 'intercept'
}

/** What cloud-init logged at boot: failing URLs and reasons, "No active metadata service found". */
export const guestCloudInit: Check<GuestModel> = {
  evidence: ['guest.cloud-init-log'],
  hop: 'instance',
  id: 'guest-cloud-init-log',
  needs: ['cloudInit'],
  applies: (m) => (m.cloudInit.ok && m.cloudInit.value === undefined ? 'no /var/log/cloud-init.log in the guest' : undefined),
  title: "cloud-init's own record of reaching metadata (log lines)",
  run(m, out) {
    const log = m.cloudInit.ok ? m.cloudInit.value : undefined
    if (!log) return
    const last = log.failures[log.failures.length - 1]
    if (log.noActiveMetadataService || log.givingUp.length > 0) {
      const hop = last ? reasonHop(last.reason) : 'intercept'
      out.warn({code: 'CLOUD_INIT_NO_METADATA', evidence: [ev(m.cloudInit, last ? `line ${last.line}: Calling '${last.url}' failed [${last.elapsed}/${last.maxWait}]: ${last.reason}` : 'No active metadata service found')], fix: {commands: ['cloud-init clean --logs && cloud-init init   # after fixing the path', 'grep -n "failed \\[" /var/log/cloud-init.log | tail'], text: 'cloud-init gave up on the metadata service at boot; fix the hop named by the live probe, then re-run cloud-init.'}, hop, subject: '/var/log/cloud-init.log', summary: `cloud-init found no metadata service${last ? `: last failure ${last.reason}` : ''}`})
    } else if (last) {
      out.info({code: 'CLOUD_INIT_RETRIES', evidence: [ev(m.cloudInit, `${log.failures.length} failed call(s), last: ${last.url}: ${last.reason}`)], subject: '/var/log/cloud-init.log', summary: `cloud-init retried ${log.failures.length} time(s) before it got metadata`})
    }
    if (log.datasource) out.info({code: 'CLOUD_INIT_DATASOURCE', evidence: [ev(m.cloudInit, log.datasource)], subject: '/var/log/cloud-init.log', summary: `datasource: ${log.datasource}`})
  },
}
