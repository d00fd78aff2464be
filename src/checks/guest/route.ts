import {type Check, NotEvaluated} from '../../engine/check.js'
import {ev, type Parsed} from '../../engine/parsed.js'
import type {RouteGet} from '../../parsers/guest-ip-route-get.js'
import {cidrContains, isIPv4Address} from '../../parsers/guest-addr.js'
import {pickRoute, type Route} from '../../parsers/guest-ip-route.js'
import {answeredProbe, type GuestModel} from '../../model/guest-model.js'

const MD = '169.254.169.254'
const ZEROCONF = '169.254.0.0/16'

function fromTable(p: Extract<Parsed<Route[]>, {ok: true}>, r: Route | undefined): Parsed<RouteGet | {unreachable: string}> {
  const value = r ? {dst: MD, onLink: !r.gateway, ...(r.gateway ? {gateway: r.gateway} : {}), ...(r.dev ? {dev: r.dev} : {})} : {unreachable: 'no route in the routing table covers 169.254.169.254'}
  return {...p, value}
}

/** Which command the guest answered with: minimal guests fall back from `ip -json` to `ip route` / `route -n`. */
const via = (p: Parsed<unknown>): string => (p.ok && p.capture.argv[0] !== 'ip' ? ` (read with \`${p.capture.argv.join(' ')}\`)` : p.ok && !p.capture.argv.includes('-json') && p.capture.key === 'guest.ip-route' ? ' (read with `ip route show`: no ip -json here)' : '')

const describe = (r: Route): string => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.dev ? ` dev ${r.dev}` : ''}${r.scope ? ` scope ${r.scope}` : ''}${r.metric !== undefined ? ` metric ${r.metric}` : ''}`

/** The 121 routes a guest was offered, across its leases (the last lease of each file). */
export function offeredMetadataRoutes(m: GuestModel): Array<{gateway: string; source: string; option: '121' | '249'}> {
  if (!m.leases.ok) return []
  return m.leases.value.flatMap((f) => {
    const last = f.leases[f.leases.length - 1]
    if (!last) return []
    const pick = (routes: typeof last.classlessRoutes, option: '121' | '249') => (routes ?? []).filter((r) => r.dst === `${MD}/32`).map((r) => ({gateway: r.gateway, option, source: f.source}))
    return [...pick(last.classlessRoutes, '121'), ...pick(last.msClasslessRoutes, '249')]
  })
}

/**
 * Which route the kernel takes to 169.254.169.254, and why: an option-121 /32, the default route,
 * or the RHEL/CentOS zeroconf 169.254.0.0/16 on-link route that makes the guest ARP for the
 * metadata address itself (seed 003: a day lost to it).
 */
export const guestMetadataRoute: Check<GuestModel> = {
  evidence: ['guest.route-get', 'guest.ip-route', 'guest.ifup-eth', 'guest.sysconfig-network', 'guest.leases'],
  hop: 'guest-route',
  id: 'guest-metadata-route',
  needs: [],
  title: 'the guest routes 169.254.169.254 via a gateway, not on-link through the zeroconf route',
  run(m, out) {
    const routes = m.routes.ok ? m.routes.value : []
    const chosen = pickRoute(routes, MD)
    // without `ip route get` (old captures, busybox), judge the table by longest prefix instead
    const rg = m.routeGet.ok ? m.routeGet : m.routes.ok ? fromTable(m.routes, chosen) : undefined
    if (!rg || !rg.ok) throw new NotEvaluated(`${m.routeGet.ok ? '' : m.routeGet.reason}; ${m.routes.ok ? '' : m.routes.reason}`)
    if ('unreachable' in rg.value) {
      out.fail({
        code: 'GUEST_NO_ROUTE',
        evidence: [ev(rg, rg.value.unreachable), ...(m.routes.ok ? [ev(m.routes, routes.map(describe).join('; ') || 'empty routing table')] : [])],
        fix: {commands: ['dhclient -r eth0; dhclient eth0   # or: nmcli device reapply eth0', 'ip route'], text: 'The guest has no route to 169.254.169.254 and no default route: its DHCP lease was not applied (or gave no router and no option-121 route).'},
        subject: 'guest routing table',
        summary: `no route to ${MD}: ${rg.value.unreachable}`,
      })
      return
    }
    const g = rg.value
    const zeroconf = chosen && chosen.dst === ZEROCONF && !chosen.gateway
    if (g.onLink && (zeroconf || !g.gateway)) {
      const zc = routes.find((r) => r.dst === ZEROCONF)
      const block = m.ifupEth.ok ? m.ifupEth.value : undefined
      const vars = m.sysconfigNetwork.ok ? m.sysconfigNetwork.value : undefined
      const offered = offeredMetadataRoutes(m)
      const evidence = [ev(rg, `${MD} ${g.dev ? `dev ${g.dev}` : ''} ${g.src ? `src ${g.src}` : ''} (on-link, no gateway)`)]
      if (zc) evidence.push(ev(m.routes, `${describe(zc)}${via(m.routes)}`))
      if (block?.addsZeroconfRoute) evidence.push(ev(m.ifupEth, `ifup-eth line ${block.line ?? '?'}: ${block.snippet ?? 'adds 169.254.0.0/16'}`))
      if (vars) evidence.push(ev(m.sysconfigNetwork, `NOZEROCONF=${vars.NOZEROCONF ?? '(unset)'}`))
      if (offered.length === 0 && m.leases.ok) evidence.push(ev(m.leases, 'no lease offers a 169.254.169.254/32 route'))
      const zeroconfFix = zc ? [`echo 'NOZEROCONF=yes' >> /etc/sysconfig/network`, `ip route del ${ZEROCONF} dev ${zc.dev ?? g.dev ?? 'eth0'}   # immediate; NOZEROCONF keeps it away after ifup`] : []
      // something on this segment holds 169.254.169.254 and answered: the route works (DHCP path)
      const answered = onLinkAnswered(m, g.dev)
      if (answered) {
        out.warn({
          code: 'GUEST_METADATA_ON_LINK_ANSWERED',
          evidence: [...evidence, ev(answered.p, answered.what)],
          fix: {
            commands: zeroconfFix,
            text: 'This works only because a port on this network holds 169.254.169.254 and answers ARP for it: the DHCP port with enable_isolated_metadata or force_metadata (or the OVN metadata port). On a network served by a router alone nothing answers ARP for 169.254.169.254 and metadata breaks; take the option-121 host route instead' + (zc ? ' and drop the zeroconf route (NOZEROCONF=yes).' : '.'),
          },
          subject: `guest ${g.dev ?? ''}`.trim(),
          summary: `169.254.169.254 is reached on-link${zc ? ` through the zeroconf route ${describe(zc)}` : ''}, with no /32 host route, and it answers ARP (${answered.what}): the port that holds 169.254.169.254 is on this segment`,
        })
        return
      }
      const gw = routes.find((r) => r.dst === '0.0.0.0/0' && r.gateway)?.gateway
      out.fail({
        code: zc ? 'GUEST_ZEROCONF_ROUTE' : 'GUEST_METADATA_ON_LINK',
        evidence,
        fix: zc
          ? {
              commands: zeroconfFix,
              text: 'The initscripts zeroconf route makes 169.254.169.254 on-link, so the guest ARPs for it and nobody answers on a router path. Set NOZEROCONF (any non-empty value) in /etc/sysconfig/network, or have DHCP push a 169.254.169.254/32 host route (option 121), which wins by longest prefix.',
            }
          : {commands: gw ? [`ip route replace ${MD}/32 via ${gw} dev ${g.dev ?? 'eth0'}`] : ['ip route'], text: 'A route makes the metadata address on-link: unless the DHCP/OVN port answers ARP for it on this segment, requests go nowhere. Route it via the gateway or the DHCP port instead.'},
        subject: `guest ${g.dev ?? ''}`.trim(),
        summary: zc ? `169.254.169.254 is reached on-link through the zeroconf route ${describe(zc)}, with no /32 host route` : `${MD} is on-link (no gateway)`,
      })
      return
    }
    const host = chosen && chosen.dst === `${MD}/32`
    const kind = host ? 'a /32 host route' : chosen?.dst === '0.0.0.0/0' ? 'the default route' : chosen ? `route ${chosen.dst}` : 'a route'
    out.pass({code: 'GUEST_ROUTE_VIA_GATEWAY', evidence: [ev(rg, `${MD} via ${g.gateway ?? '?'} dev ${g.dev ?? '?'}`), ...(chosen ? [ev(m.routes, `${describe(chosen)}${via(m.routes)}`)] : [])], subject: `guest ${g.dev ?? ''}`.trim(), summary: `169.254.169.254 goes via ${g.gateway ?? '?'} (${kind})`})
    // a 121 route the lease offered but the kernel does not have: the DHCP client ignores option 121
    const offered = offeredMetadataRoutes(m).filter((o) => o.option === '121')
    if (offered.length > 0 && !host) {
      const o = offered[0]!
      out.warn({code: 'GUEST_LEASE_ROUTE_NOT_INSTALLED', evidence: [ev(m.leases, `${o.source}: 169.254.169.254/32 via ${o.gateway}`)], fix: {commands: ['grep -n rfc3442 /etc/dhcp/dhclient.conf', `dhclient -r ${g.dev ?? 'eth0'}; dhclient ${g.dev ?? 'eth0'}`], text: "The lease offers a host route for metadata but it is not in the routing table: the DHCP client does not request or apply option 121 (dhclient.conf's rfc3442-classless-static-routes)."}, subject: `guest ${g.dev ?? ''}`.trim(), summary: `the lease offers 169.254.169.254/32 via ${o.gateway}, but the kernel uses ${kind}`})
    }
    if (host && chosen?.gateway && g.gateway && chosen.gateway !== g.gateway && !cidrContains(chosen.dst, g.gateway)) {
      out.info({code: 'GUEST_ROUTE_TABLE_DIFFERS', subject: 'guest', summary: `ip route get says ${g.gateway}, the table says ${chosen.gateway} (policy routing?)`})
    }
  },
}

/** The guest's port, and through it its subnet's host routes and gateway, for an operator with the API. */
const portLookup = (address: string | undefined): string[] => (address !== undefined && isIPv4Address(address) ? [`openstack port list --fixed-ip ip-address=${address} --long`] : ['openstack subnet list --long'])

/** Option 121 without 0.0.0.0/0: RFC 3442 tells clients to ignore option 3, so the guest gets no default route. */
export const guestLeaseRoute: Check<GuestModel> = {
  evidence: ['guest.leases', 'guest.route-get', 'guest.neigh', 'probe.guest-http'],
  hop: 'dhcp-route',
  id: 'guest-lease-route',
  needs: ['leases'],
  applies: (m) => (m.leases.ok && m.leases.value.some((f) => f.leases.length > 0) ? undefined : 'no DHCP lease found in the guest (dhclient, systemd-networkd, NetworkManager, dhcpcd)'),
  title: 'the DHCP lease carries a 169.254.169.254/32 route (option 121/249) and a usable default',
  run(m, out) {
    if (!m.leases.ok) return
    for (const f of m.leases.value) {
      const last = f.leases[f.leases.length - 1]
      if (!last) continue
      const subject = `lease ${f.source}${last.iface ? ` (${last.iface})` : ''}`
      const cl = last.classlessRoutes ?? []
      const md = cl.find((r) => r.dst === `${MD}/32`)
      if (cl.length > 0 && !cl.some((r) => r.dst === '0.0.0.0/0') && (last.routers?.length ?? 0) > 0) {
        out.warn({code: 'GUEST_121_WITHOUT_DEFAULT', evidence: [ev(m.leases, `option 121: ${cl.map((r) => `${r.dst} via ${r.gateway}`).join(', ')}; routers ${last.routers?.join(',')}`)], fix: {commands: portLookup(last.address), text: 'With option 121 present, RFC 3442 clients ignore the router option: add 0.0.0.0/0 to the subnet host routes (neutron adds it when the subnet has a gateway).'}, subject, summary: 'option 121 has no 0.0.0.0/0 entry: RFC 3442 clients then ignore the router option and get no default route'})
      }
      const leaseEv = ev(m.leases, cl.length ? `option 121: ${cl.map((r) => `${r.dst} via ${r.gateway}`).join(', ')}` : 'no option 121 in the lease')
      const stuck = noWayOut(m)
      if (md) out.pass({code: 'GUEST_LEASE_METADATA_ROUTE', evidence: [ev(m.leases, `${subject}: 169.254.169.254/32 via ${md.gateway}`)], subject, summary: `DHCP gave a host route to 169.254.169.254 via ${md.gateway}`})
      else if (stuck) {
        // no host route from DHCP and the default path does not deliver either: an isolated network
        // whose DHCP agent does not serve metadata (enable_isolated_metadata = False)
        out.fail({
          code: 'GUEST_NO_METADATA_ROUTE_FROM_DHCP',
          evidence: [leaseEv, ev(stuck.p, stuck.why)],
          fix: {commands: ['mdctl doctor   # on the DHCP agent node of this network', ...portLookup(last.address)], text: 'DHCP gave no route to 169.254.169.254 and nothing on the default path answers: on an isolated network the DHCP agent must serve metadata (dhcp_agent.ini enable_isolated_metadata = True), or attach the subnet to a router through its gateway IP.'},
          subject,
          summary: `no 169.254.169.254/32 route from DHCP, and the default path does not reach metadata (${stuck.why})`,
        })
      } else out.info({code: 'GUEST_LEASE_NO_METADATA_ROUTE', evidence: [leaseEv], subject, summary: 'the lease has no 169.254.169.254/32 route: metadata relies on the default gateway being a neutron router'})
    }
  },
}

/**
 * Evidence that the route to metadata leads nowhere: no route at all, or a next hop that never
 * answered ARP. A probe that failed further along (refused, timed out after the gateway
 * answered) is not such evidence: it maps to its own hop.
 */
function noWayOut(m: GuestModel): {p: Parsed<unknown>; why: string} | undefined {
  // an HTTP answer came back: the way out works, whatever a table says
  if (answeredProbe(m)) return undefined
  if (m.routeGet.ok && 'unreachable' in m.routeGet.value) return {p: m.routeGet, why: m.routeGet.value.unreachable}
  // on-link (the zeroconf route): the guest's own routing is at fault, guest-metadata-route says so
  if (m.routeGet.ok && !('unreachable' in m.routeGet.value) && m.routeGet.value.onLink) return undefined
  if (m.routeGet.ok && !('unreachable' in m.routeGet.value) && m.neigh.ok) {
    const hop = m.routeGet.value.gateway ?? MD
    const n = m.neigh.value.find((x) => x.ip === hop)
    if (n && /^(INCOMPLETE|FAILED)$/i.test(n.state)) return {p: m.neigh, why: `next hop ${hop} ${n.state}`}
  }
  return undefined
}

/** An answer from 169.254.169.254 itself while it is on-link: an HTTP response, or its neighbour entry resolved. */
function onLinkAnswered(m: GuestModel, dev: string | undefined): {p: Parsed<unknown>; what: string} | undefined {
  const n = m.neigh.ok ? m.neigh.value.find((x) => x.ip === MD && (!dev || !x.dev || x.dev === dev) && /^(REACHABLE|STALE|DELAY|PROBE|PERMANENT)/i.test(x.state)) : undefined
  if (n) return {p: m.neigh, what: `${MD} is at ${n.lladdr ?? '?'} (${n.state})`}
  const got = answeredProbe(m)
  if (got?.value.kind === 'response') return {p: got, what: `GET ${got.value.path} answered HTTP ${got.value.response.status}`}
  return undefined
}
