import {type Check, type Findings, NotEvaluated} from '../../engine/check.js'
import {ev, type Parsed} from '../../engine/parsed.js'
import type {Hop} from '../../hops.js'
import {cloudInitCause} from '../../parsers/guest-cloud-init-log.js'
import {hasConfigDrive} from '../../parsers/guest-blkid.js'
import {metadataProxyBypass} from '../../parsers/guest-env-proxy.js'
import {classifyMetadataResponse, type ProbeFailure} from '../../parsers/guest-http-probe.js'
import type {GuestModel, GuestProbe} from '../../model/guest-model.js'

const NODE_FIX: Partial<Record<Hop, {text: string; commands: string[]}>> = {
  agent: {commands: ['mdctl doctor   # on the network node', 'journalctl -u neutron-metadata-agent -n 100'], text: 'The metadata agent fails the request: run mdctl doctor on the network node hosting the router/DHCP port.'},
  instance: {commands: ['mdctl doctor   # on the network node, with --instance-ip set to this guest\'s address'], text: "The agent cannot map this guest's address to exactly one instance (allowed-address-pair IP, duplicate port, wrong network)."},
  intercept: {commands: ['mdctl doctor   # on the network node: iptables REDIRECT in qrouter, 169.254.169.254 on the qdhcp tap'], text: 'Nothing answered: the request is not intercepted (router REDIRECT missing, or no 169.254.169.254 on the DHCP/OVN port), or a security group drops it.'},
  nova: {commands: ['mdctl doctor   # on the network node: nova host/port from metadata_agent.ini'], text: "nova's metadata API is down, slow or unreachable from the metadata agent."},
  proxy: {commands: ['mdctl doctor   # on the network node: haproxy in the qrouter/qdhcp namespace'], text: 'The request reached the namespace but no metadata proxy listens there.'},
  signature: {commands: ['mdctl doctor   # on the network node and controller: compares secret fingerprints'], text: 'metadata_proxy_shared_secret differs between metadata_agent.ini and nova.conf [neutron].'},
  socket: {commands: ['mdctl doctor   # on the network node: socket path, mode and listener'], text: "haproxy cannot reach the metadata agent's unix socket (agent down, wrong path or mode)."},
}
/** What tells two hops apart that the guest alone cannot: the node's side of the same path. */
const ONE_OF_FIX = {
  commands: ['mdctl doctor   # on the network node, with --instance-ip set to this guest\'s address'],
  text: 'run mdctl doctor on the network node (or mdctl doctor --guest from there for one verdict over the whole path): it reads the proxy config, the agent config and probes nova one by one',
}
const GUEST_FIX: Partial<Record<Hop, {text: string; commands: string[]}>> = {
  'guest-arp': {commands: ['ip neigh show', 'ip route get 169.254.169.254'], text: 'The next hop towards 169.254.169.254 never answered ARP: see the guest-arp finding.'},
  'guest-route': {commands: ['ip route get 169.254.169.254', 'ip route'], text: 'The guest cannot send the request: see the guest-route finding.'},
}

const ANSWERED = /^(REACHABLE|STALE|DELAY|PROBE|PERMANENT|NOARP)/i

/** What the guest's own tables say about the way to 169.254.169.254, after the probes made it ARP. */
function wayOut(m: GuestModel): {noRoute?: string; onLink: boolean; nextHop?: string; arp?: 'answered' | 'failed'} {
  if (!m.routeGet.ok) return {onLink: false}
  if ('unreachable' in m.routeGet.value) return {noRoute: m.routeGet.value.unreachable, onLink: false}
  const g = m.routeGet.value
  const nextHop = g.gateway ?? '169.254.169.254'
  const n = m.neigh.ok ? m.neigh.value.find((x) => x.ip === nextHop && (!g.dev || !x.dev || x.dev === g.dev)) : undefined
  const arp = n && /^(INCOMPLETE|FAILED)/i.test(n.state) ? 'failed' : n && ANSWERED.test(n.state) ? 'answered' : undefined
  return {nextHop, onLink: !g.gateway, ...(arp ? {arp} : {})}
}

/**
 * The hop a failed probe implicates, or why none can be named. A connection that was accepted
 * and then went silent is never the guest's or the interception's fault: whatever accepted it
 * is on the path, and the silence comes from further along (haproxy waits 32 s for the agent,
 * the agent up to 60 s for nova), where the guest cannot see.
 */
function failureHop(f: ProbeFailure, ms: number, m: GuestModel): Hop | {why: string} {
  const w = wayOut(m)
  const routeOrArp = (): Hop | undefined => (w.noRoute !== undefined ? 'guest-route' : w.arp === 'failed' ? (w.onLink ? 'guest-route' : 'guest-arp') : undefined)
  switch (f.kind) {
    case 'refused':
    case 'reset':
      // something on the path took the packet and refused or dropped the connection: the proxy's place
      return 'proxy'
    case 'no-route':
    case 'unreachable':
      // our kernel's own verdict (no route, no ARP) or an ICMP error from the router that does not intercept
      return routeOrArp() ?? (w.arp === 'answered' ? 'intercept' : {why: `${f.detail}: the neighbour table does not show whether ${w.nextHop ?? 'the next hop'} answered ARP, so the guest's own route and an ICMP error from the router cannot be told apart`})
    case 'timeout': {
      const local = routeOrArp()
      if (local) return local
      if (f.phase !== 'connect') return {why: `no answer in ${ms} ms, and ${f.detail.startsWith('no answer') ? 'the client' : f.detail} does not say whether it connected: a dropped SYN (interception) and a stuck agent or nova behind an accepting proxy look alike`}
      return w.arp === 'answered' ? 'intercept' : {why: `the connection was not made in ${ms} ms (${f.detail}), but the neighbour table does not show whether ${w.nextHop ?? 'the next hop'} answered ARP`}
    }
    case 'no-answer':
      return {why: `the connection to 169.254.169.254:80 was accepted (the proxy listens), then nothing came back in ${ms} ms (${f.detail}): haproxy waits 32 s for the metadata agent and the agent up to 60 s for nova, so a stuck agent or a slow nova is behind it. Run mdctl doctor on the network node, or curl -m 40 http://169.254.169.254/ in the guest to see haproxy's 504 after 32 s`}
    default:
      return {why: f.detail}
  }
}

function judge(p: Parsed<GuestProbe>, m: GuestModel, out: Findings, unjudged: string[]): void {
  if (!p.ok) {
    out.info({code: 'NOT_EVALUATED', subject: p.key, summary: p.reason})
    return
  }
  const o = p.value
  const subject = `GET http://169.254.169.254${o.path} (${o.tool})`
  if (o.kind === 'failed') {
    const f = o.failure
    const hop = failureHop(f, o.ms, m)
    const evidence = [ev(p, `${o.tool} exit ${o.exitCode} after ${o.ms} ms: ${f.detail}`)]
    if (typeof hop !== 'string') {
      unjudged.push(`GET ${o.path} (${o.tool}): ${hop.why}`)
      out.info({code: `PROBE_${f.kind.toUpperCase().replace(/-/g, '_')}`, evidence, subject, summary: hop.why})
      return
    }
    const fix = NODE_FIX[hop] ?? GUEST_FIX[hop] ?? {commands: ['ip route get 169.254.169.254'], text: 'The guest cannot send the request: see the guest-route and guest-arp hops.'}
    out.fail({code: `PROBE_${f.kind.toUpperCase().replace(/-/g, '_')}`, evidence, fix, hop, subject, summary: `${f.kind} after ${o.ms} ms: ${f.detail}`})
    return
  }
  const r = o.response
  const v = classifyMetadataResponse(r, o.path)
  const excerpt = `HTTP ${r.status} ${r.reason} in ${o.ms} ms: ${r.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 160)}`
  if (r.status === 200) {
    out.pass({code: 'PROBE_OK', evidence: [ev(p, excerpt)], hop: 'instance', subject, summary: `200 in ${o.ms} ms`})
    return
  }
  if (v.unattributed) {
    unjudged.push(`GET ${o.path} (${o.tool}): ${v.explanation}`)
    out.info({code: v.code, evidence: [ev(p, excerpt)], subject, summary: v.explanation})
    return
  }
  if (v.hop === null) {
    out.info({code: v.code, evidence: [ev(p, excerpt)], subject, summary: v.explanation})
    return
  }
  if (v.oneOf) {
    // the guest sees the failure but not which of these hops it is: name both, pick neither
    out.info({code: v.code, evidence: [ev(p, excerpt)], fix: ONE_OF_FIX, subject, summary: `HTTP ${r.status}: ${v.explanation}`})
    out.undetermined({hops: v.oneOf, reason: `the guest gets HTTP ${r.status} (${v.code}): ${v.oneOf.join(' or ')}; ${ONE_OF_FIX.text}`})
    return
  }
  if (v.code === 'RATE_LIMITED') {
    out.warn({code: 'PROBE_RATE_LIMITED', evidence: [ev(p, excerpt)], fix: {commands: [], text: 'neutron [metadata_rate_limiting] is on and this guest exceeded it; wait and retry.'}, hop: 'proxy', subject, summary: 'rate limited (429)'})
    return
  }
  if (v.hop === 'guest-route') {
    out.fail({code: v.code, evidence: [ev(p, excerpt)], fix: {commands: ['env | grep -i proxy', "export no_proxy=169.254.169.254,$no_proxy"], text: v.explanation}, hop: 'guest-route', subject, summary: v.explanation})
    return
  }
  out.fail({code: v.code, evidence: [ev(p, excerpt)], fix: NODE_FIX[v.hop] ?? {commands: [], text: v.explanation}, hop: v.hop, subject, summary: `HTTP ${r.status}: ${v.explanation}`})
}

/** GET /, /openstack and /latest/meta-data/ from the guest; what came back names the hop. */
export const guestHttpProbe: Check<GuestModel> = {
  active: true,
  evidence: ['probe.guest-http', 'probe.guest-http-raw', 'guest.route-get', 'guest.neigh'],
  hop: 'instance',
  id: 'guest-http-probe',
  needs: [],
  applies: (m) => (m.passive ? '--passive: no active probes' : undefined),
  title: 'HTTP GET of 169.254.169.254 from the guest, mapped to the hop that answered or failed',
  run(m, out) {
    const unjudged: string[] = []
    let failed = false
    const tee: Findings = {...out, fail: (f) => ((failed = true), out.fail(f))}
    for (const p of m.probes) judge(p, m, tee, unjudged)
    // answers that name no hop, and nothing else that does: this hop was not judged, and why
    if (unjudged.length > 0 && !failed) throw new NotEvaluated(unjudged.join('; '))
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
  // information only: it sits with the guest's own route, where the guest's other readings are,
  // so that having run it never passes a hop only the probe can judge
  hop: 'guest-route',
  id: 'guest-config-drive',
  needs: ['blockDevices'],
  title: 'config drive present (information)',
  run(m, out) {
    if (!m.blockDevices.ok) return
    const cd = m.blockDevices.value.find((d) => hasConfigDrive([d]))
    if (cd) out.info({code: 'GUEST_CONFIG_DRIVE', evidence: [ev(m.blockDevices, `${cd.device} LABEL=${cd.label ?? ''}`)], subject: cd.device, summary: 'a config drive (config-2) is attached: cloud-init reads it and may never ask the metadata service'})
  },
}

/**
 * The hop a cloud-init failure reason names, or why it names none. cloud-init logs the status
 * without the body, so only a status that one hop alone answers is named (403 from nova's
 * signature check, 404 for an unknown instance); 5xx come from haproxy, the agent and nova alike.
 */
function reasonHop(reason: string): Hop | {why: string} {
  const c = cloudInitCause(reason)
  switch (c.kind) {
    case 'unreachable':
    case 'no-route':
      return 'guest-route'
    case 'refused':
      return 'proxy'
    case 'connect-timeout':
      return 'intercept'
    case 'read-timeout':
      return {why: 'the connection was accepted and no answer came in time: a stuck agent or a slow nova behind the proxy'}
    case 'status':
      if (c.status === 403) return 'signature'
      if (c.status === 404) return 'instance'
      return {why: `HTTP ${c.status} without its body: haproxy, the metadata agent and nova all answer ${c.status}`}
    default:
      return {why: 'the reason names no hop'}
  }
}

/** What cloud-init logged at boot: failing URLs and reasons, "No active metadata service found". */
export const guestCloudInit: Check<GuestModel> = {
  evidence: ['guest.cloud-init-log'],
  // its warnings name their own hops; having run it passes none of the far hops
  hop: 'guest-route',
  id: 'guest-cloud-init-log',
  needs: ['cloudInit'],
  applies: (m) => (m.cloudInit.ok && m.cloudInit.value === undefined ? 'no /var/log/cloud-init.log in the guest' : undefined),
  title: "cloud-init's own record of reaching metadata (log lines)",
  run(m, out) {
    const log = m.cloudInit.ok ? m.cloudInit.value : undefined
    if (!log) return
    const last = log.failures[log.failures.length - 1]
    if (log.noActiveMetadataService || log.givingUp.length > 0) {
      const hop: Hop | {why: string} = last ? reasonHop(last.reason) : {why: 'no failure line says why'}
      const finding = {code: 'CLOUD_INIT_NO_METADATA', evidence: [ev(m.cloudInit, last ? `line ${last.line}: Calling '${last.url}' failed [${last.elapsed}/${last.maxWait}]: ${last.reason}` : 'No active metadata service found')], fix: {commands: ['grep -n "failed \\[" /var/log/cloud-init.log | tail', 'cloud-init clean --logs && cloud-init init   # after fixing the path'], text: 'cloud-init gave up on the metadata service at boot; fix the hop named by the live probe, then re-run cloud-init.'}, subject: '/var/log/cloud-init.log'}
      const summary = `cloud-init found no metadata service${last ? `: last failure ${last.reason}` : ''}`
      if (typeof hop === 'string') out.warn({...finding, hop, summary})
      else out.info({...finding, summary: `${summary} (names no hop: ${hop.why})`})
    } else if (last) {
      out.info({code: 'CLOUD_INIT_RETRIES', evidence: [ev(m.cloudInit, `${log.failures.length} failed call(s), last: ${last.url}: ${last.reason}`)], subject: '/var/log/cloud-init.log', summary: `cloud-init retried ${log.failures.length} time(s) before it got metadata`})
    }
    if (log.datasource) out.info({code: 'CLOUD_INIT_DATASOURCE', evidence: [ev(m.cloudInit, log.datasource)], subject: '/var/log/cloud-init.log', summary: `datasource: ${log.datasource}`})
  },
}
