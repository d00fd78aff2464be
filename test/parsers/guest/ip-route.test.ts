import {describe, expect, it} from 'vitest'
import {parseIpRouteJson, pickRoute, type Route} from '../../../src/parsers/guest-ip-route.js'
import {parseIpRouteText} from '../../../src/parsers/guest-ip-route-text.js'
import {parseRouteN} from '../../../src/parsers/guest-route-n.js'
import {capture, expectParseError, sample, warningsOf} from './helpers.js'

const ZEROCONF: Route = {dst: '169.254.0.0/16', dev: 'eth0', scope: 'link', metric: 1002, table: 'main', type: 'unicast'}
const HOST_ROUTE: Route = {dst: '169.254.169.254/32', gateway: '10.0.0.2', dev: 'eth0', protocol: 'dhcp', table: 'main', type: 'unicast'}
const DEFAULT: Route = {dst: '0.0.0.0/0', gateway: '10.0.0.1', dev: 'eth0', table: 'main', type: 'unicast'}

describe('parseIpRouteJson (ip -json route, real iproute2 6.1 output)', () => {
  it('reads the zeroconf guest: default via the gateway, the on-link /16 with metric 1002', () => {
    const routes = parseIpRouteJson(sample('ip-route-json--main.txt'))
    expect(routes).toEqual([DEFAULT, {dst: '10.0.0.0/24', dev: 'eth0', scope: 'link', protocol: 'kernel', src: '10.0.0.5', table: 'main', type: 'unicast'}, ZEROCONF])
    expect(warningsOf(routes)).toEqual([])
  })

  it('keeps the local table and IPv6 routes of `show table all`, typed and normalised to CIDR', () => {
    const routes = parseIpRouteJson(sample('ip-route-json--zeroconf-table-all.txt'))
    expect(routes.find((r) => r.dst === '10.0.0.5/32')).toMatchObject({type: 'local', table: 'local', scope: 'host'})
    expect(routes.find((r) => r.dst === 'fe80::/64')).toMatchObject({metric: 256, table: 'main', type: 'unicast'})
    expect(routes.find((r) => r.dst === '::1/128')).toMatchObject({type: 'local', table: 'local'})
    expect(routes.filter((r) => r.table === 'main').map((r) => r.dst)).toEqual(['0.0.0.0/0', '10.0.0.0/24', '169.254.0.0/16', 'fe80::/64'])
  })

  it('reads the option-121 host route that dhclient/networkd installed', () => {
    expect(parseIpRouteJson(sample('ip-route-json--host-route.txt'))).toContainEqual(HOST_ROUTE)
    const networkd = parseIpRouteJson(sample('ip-route-json--networkd-dhcp.txt'))
    expect(networkd.find((r) => r.dst === '169.254.169.254/32')).toMatchObject({gateway: '10.0.0.2', protocol: 'dhcp', metric: 1024})
  })

  it('takes gateway and dev of a multipath route from its first nexthop', () => {
    const mp = parseIpRouteJson(sample('ip-route-json--multipath.txt')).find((r) => r.dst === '10.9.0.0/16')
    expect(mp).toEqual({dst: '10.9.0.0/16', gateway: '10.0.0.2', dev: 'eth0', metric: 50, protocol: 'static', table: 'main', type: 'unicast'})
  })

  it('returns no routes for an empty table (`[]`) and for empty output', () => {
    expect(parseIpRouteJson(sample('ip-route-json--empty.txt'))).toEqual([])
    expect(parseIpRouteJson('')).toEqual([])
  })

  it('keeps the complete routes of a cut-off capture and says it was truncated', () => {
    const routes = parseIpRouteJson(sample('ip-route-json--truncated.txt'))
    expect(routes.map((r) => r.dst)).toEqual(['0.0.0.0/0', '10.0.0.0/24', '169.254.0.0/16', '10.0.0.5/32'])
    expect(warningsOf(routes).join()).toMatch(/truncated/)
  })

  it('refuses error text and binary data with a ParseError', () => {
    expectParseError(() => parseIpRouteJson(sample('ip-route-get--unreachable.txt')), /not JSON: RTNETLINK answers: Network is unreachable/)
    expectParseError(() => parseIpRouteJson(sample('ip-route-json--binary.txt')), /binary/)
  })

  it('stops at an element without a usable dst', () => {
    const routes = parseIpRouteJson('[{"dst":"default","gateway":"10.0.0.1"},{"dst":"nonsense"},{"dst":"10.0.0.0/24"}]')
    expect(routes.map((r) => r.dst)).toEqual(['0.0.0.0/0'])
    expect(warningsOf(routes).join()).toMatch(/element 1 has no usable dst/)
  })
})

describe('parseIpRouteText (ip route text fallback)', () => {
  it('reads the same routes from text as from -json (real iproute2 6.1, zeroconf guest)', () => {
    expect(parseIpRouteText(sample('ip-route-text--zeroconf.txt'))).toEqual(parseIpRouteJson(sample('ip-route-json--main.txt')))
    expect(parseIpRouteText(sample('ip-route-text--host-route.txt'))).toEqual(parseIpRouteJson(sample('ip-route-json--host-route.txt')))
    expect(parseIpRouteText(sample('ip-route-text--networkd-dhcp.txt'))).toEqual(parseIpRouteJson(sample('ip-route-json--networkd-dhcp.txt')))
  })

  it('reads `show table all` with route types and tables as -json does', () => {
    expect(parseIpRouteText(sample('ip-route-text--table-all.txt'))).toEqual(parseIpRouteJson(sample('ip-route-json--zeroconf-table-all.txt')))
  })

  it('reads multipath nexthop continuation lines as -json does', () => {
    expect(parseIpRouteText(sample('ip-route-text--multipath.txt'))).toEqual(parseIpRouteJson(sample('ip-route-json--multipath.txt')))
  })

  it("reads cirros' old iproute2 spacing (seed 000): `10.10.0.0/24 dev eth0  src 10.10.0.45`", () => {
    expect(parseIpRouteText(sample('ip-route-text--cirros-seed000.txt'))).toEqual([
      {dst: '0.0.0.0/0', gateway: '10.10.0.1', dev: 'eth0', table: 'main', type: 'unicast'},
      {dst: '10.10.0.0/24', dev: 'eth0', src: '10.10.0.45', table: 'main', type: 'unicast'},
    ])
  })

  it('reads busybox-style lines and skips attributes it does not know', () => {
    const routes = parseIpRouteText('default via 10.0.0.1 dev eth0\n169.254.0.0/16 dev eth0 scope link metric 1002\n10.1.0.0/16 via 10.0.0.9 dev eth0 onlink mtu lock 1400 rtt 3ms newattr\n')
    expect(routes).toEqual([
      {dst: '0.0.0.0/0', gateway: '10.0.0.1', dev: 'eth0', table: 'main', type: 'unicast'},
      ZEROCONF,
      {dst: '10.1.0.0/16', gateway: '10.0.0.9', dev: 'eth0', table: 'main', type: 'unicast'},
    ])
  })

  it('returns no routes for empty output (a namespace without routes)', () => {
    expect(capture('ip-route-text--empty.txt').exitCode).toBe(0)
    expect(parseIpRouteText(sample('ip-route-text--empty.txt'))).toEqual([])
  })

  it("refuses iproute2's error text with the tool's own message", () => {
    expect(capture('ip-route-text--error.txt').exitCode).not.toBe(0)
    expectParseError(() => parseIpRouteText(sample('ip-route-text--error.txt')), /^Error: ipv4: FIB table does not exist\.$/)
    expectParseError(() => parseIpRouteText(sample('ip-route-get--unreachable.txt')), /^RTNETLINK answers: Network is unreachable$/)
  })

  it('refuses another format (route -n output) and binary data', () => {
    expectParseError(() => parseIpRouteText(sample('route-n--zeroconf.txt')), /line 1 is not a route/)
    expectParseError(() => parseIpRouteText(sample('ip-route-text--binary.txt')), /binary/)
  })

  it('stops at a line cut mid-address and keeps the routes before it', () => {
    const routes = parseIpRouteText(sample('ip-route-text--truncated.txt'))
    expect(routes.map((r) => r.dst)).toEqual(['0.0.0.0/0', '10.0.0.0/24'])
    expect(warningsOf(routes)).toEqual(['ip route: line 3 is not a route (169.254.0); stopped there'])
  })
})

describe('parseRouteN (route -n, busybox route)', () => {
  it('turns Genmask into a prefix and G flags into gateways (real net-tools output)', () => {
    expect(parseRouteN(sample('route-n--host-route.txt'))).toEqual([
      {...DEFAULT, metric: 0},
      {dst: '10.0.0.0/24', dev: 'eth0', metric: 0, table: 'main', type: 'unicast'},
      {dst: '169.254.0.0/16', dev: 'eth0', metric: 1002, table: 'main', type: 'unicast'},
      {dst: '169.254.169.254/32', gateway: '10.0.0.2', dev: 'eth0', metric: 0, table: 'main', type: 'unicast'},
    ])
  })

  it('reads the seed 002 guest (UGH host route via the DHCP port) and qdhcp tables', () => {
    expect(parseRouteN(sample('route-n--seed002-guest.txt')).map((r) => [r.dst, r.gateway])).toEqual([
      ['0.0.0.0/0', '10.0.0.126'],
      ['10.0.0.64/26', undefined],
      ['169.254.169.254/32', '10.0.0.66'],
    ])
    expect(parseRouteN(sample('route-n--seed002-qdhcp.txt'))[2]).toEqual({dst: '169.254.0.0/16', dev: 'tap1332271e-0d', metric: 0, table: 'main', type: 'unicast'})
  })

  it('translates the names `route` prints without -n: default, link-local (seed 003), `*`', () => {
    expect(parseRouteN(sample('route-n--names.txt'))).toEqual(parseRouteN(sample('route-n--zeroconf.txt')))
    expect(parseRouteN(sample('route-n--seed003-names.txt')).map((r) => [r.dst, r.gateway, r.metric])).toEqual([
      ['10.122.122.0/24', undefined, 0],
      ['169.254.0.0/16', undefined, 1002],
      ['0.0.0.0/0', '10.122.122.1', 0],
    ])
  })

  it('skips a row whose destination is an unresolvable name, with a warning', () => {
    const text = 'Kernel IP routing table\nDestination     Gateway         Genmask         Flags Metric Ref    Use Iface\nmynet           *               255.255.255.0   U     0      0        0 eth0\n0.0.0.0         10.0.0.1        0.0.0.0         UG    0      0        0 eth0\n'
    const routes = parseRouteN(text)
    expect(routes.map((r) => r.dst)).toEqual(['0.0.0.0/0'])
    expect(warningsOf(routes).join()).toMatch(/"mynet" is a name/)
  })

  it('marks reject routes (flag !) as unreachable', () => {
    const text = 'Destination     Gateway         Genmask         Flags Metric Ref    Use Iface\n10.0.0.0        -               255.0.0.0       !     0      -        0 -\n'
    expect(parseRouteN(text)).toEqual([{dst: '10.0.0.0/8', type: 'unreachable', table: 'main', metric: 0}])
  })

  it('returns no routes for a header-only table, and stops at a cut-off row', () => {
    expect(parseRouteN(sample('route-n--empty.txt'))).toEqual([])
    const cut = parseRouteN(sample('route-n--truncated.txt'))
    expect(cut.map((r) => r.dst)).toEqual(['0.0.0.0/0', '10.0.0.0/24', '169.254.0.0/16'])
    expect(warningsOf(cut).join()).toMatch(/line 6 has 2 columns/)
  })

  it('refuses output without the route header, and binary data', () => {
    expectParseError(() => parseRouteN('bash: route: command not found\n'), /no "Destination Gateway Genmask Flags" header/)
    expectParseError(() => parseRouteN(sample('ip-route-text--zeroconf.txt')), /header/)
    expectParseError(() => parseRouteN(sample('route-n--binary.txt')), /binary/)
  })
})

describe('pickRoute', () => {
  it('falls into the zeroconf trap: 169.254.169.254 matches the on-link /16, not the default route', () => {
    expect(pickRoute(parseIpRouteJson(sample('ip-route-json--zeroconf-table-all.txt')), '169.254.169.254')).toEqual(ZEROCONF)
    const seed003 = pickRoute(parseRouteN(sample('route-n--seed003-names.txt')), '169.254.169.254')
    expect(seed003?.dst).toBe('169.254.0.0/16')
    expect(seed003?.gateway).toBeUndefined()
  })

  it('prefers the option-121 /32 over the zeroconf /16 (longest prefix)', () => {
    expect(pickRoute(parseIpRouteJson(sample('ip-route-json--host-route.txt')), '169.254.169.254')).toEqual(HOST_ROUTE)
    expect(pickRoute(parseRouteN(sample('route-n--seed002-guest.txt')), '169.254.169.254')?.gateway).toBe('10.0.0.66')
  })

  it('uses the default route when nothing more specific exists (cirros, seed 000)', () => {
    expect(pickRoute(parseIpRouteText(sample('ip-route-text--cirros-seed000.txt')), '169.254.169.254')?.gateway).toBe('10.10.0.1')
  })

  it('breaks a prefix tie by the lowest metric and ignores other tables and non-unicast types', () => {
    const routes: Route[] = [
      {dst: '169.254.0.0/16', dev: 'eth1', metric: 1003, table: 'main', type: 'unicast'},
      {dst: '169.254.0.0/16', dev: 'eth0', metric: 1002, table: 'main', type: 'unicast'},
      {dst: '169.254.169.254/32', dev: 'lo', table: 'local', type: 'local'},
      {dst: '169.254.169.254/32', table: 'main', type: 'blackhole'},
    ]
    expect(pickRoute(routes, '169.254.169.254')?.dev).toBe('eth0')
  })

  it('returns undefined when no route matches or the address is invalid', () => {
    expect(pickRoute(parseIpRouteText('10.0.0.0/24 dev eth0\n'), '169.254.169.254')).toBeUndefined()
    expect(pickRoute(parseIpRouteJson(sample('ip-route-json--main.txt')), 'not-an-ip')).toBeUndefined()
  })

  it('matches IPv6 destinations too', () => {
    expect(pickRoute(parseIpRouteJson(sample('ip-route-json--zeroconf-table-all.txt')), 'fe80::a9fe:a9fe')?.dst).toBe('fe80::/64')
  })
})
