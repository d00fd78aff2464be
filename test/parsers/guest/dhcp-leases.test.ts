import {describe, expect, it} from 'vitest'
import {decodeRfc3442, parseDhclientLeases} from '../../../src/parsers/guest-dhclient-lease.js'
import {parseRouteOption} from '../../../src/parsers/guest-dhcp-routes.js'
import {parseNetworkdLease} from '../../../src/parsers/guest-networkd-lease.js'
import {parseNetworkManagerDhcp} from '../../../src/parsers/guest-nm-lease.js'
import {parseDhcpcdDumplease} from '../../../src/parsers/guest-dhcpcd-lease.js'
import {capture, expectParseError, sample, warningsOf} from './helpers.js'

// neutron's route list for a subnet whose metadata route goes via the DHCP port 10.0.0.2
const NEUTRON_ROUTES = [
  {dst: '169.254.169.254/32', gateway: '10.0.0.2'},
  {dst: '0.0.0.0/0', gateway: '10.0.0.1'},
]
const DHCP_RANGE = /^10\.0\.0\.(1\d|20)$/

describe('decodeRfc3442', () => {
  it('decodes the RFC 3442 bytes of neutron route list', () => {
    expect(decodeRfc3442([32, 169, 254, 169, 254, 10, 0, 0, 2, 0, 10, 0, 0, 1])).toEqual(NEUTRON_ROUTES)
  })

  it('writes only the significant destination octets (/24 has 3, /0 none)', () => {
    expect(decodeRfc3442([24, 192, 168, 10, 192, 168, 1, 1, 9, 10, 128, 10, 17, 66, 41])).toEqual([
      {dst: '192.168.10.0/24', gateway: '192.168.1.1'},
      {dst: '10.128.0.0/9', gateway: '10.17.66.41'},
    ])
  })

  it('throws ParseError on a truncated encoding, a prefix above 32 and a non-byte', () => {
    expectParseError(() => decodeRfc3442([32, 169, 254, 169, 254, 10, 0, 0]), /truncated at byte 0/)
    expectParseError(() => decodeRfc3442([33, 1, 2, 3, 4, 5, 10, 0, 0, 1]), /prefix length 33/)
    expectParseError(() => decodeRfc3442([8, 10, 10, 0, 0, 256]), /not 0-255/)
  })

  it('returns no routes for no bytes', () => {
    expect(decodeRfc3442([])).toEqual([])
  })
})

describe('parseRouteOption (every textual form of the same route list)', () => {
  it.each([
    ['dhclient decimal', '32,169,254,169,254,10,0,0,2,0,10,0,0,1'],
    ['dhclient unknown-121 colon hex', '20:a9:fe:a9:fe:a:0:0:2:0:a:0:0:1'],
    ['NM dhclient backend, spaces', '32 169 254 169 254 10 0 0 2 0 10 0 0 1'],
    ['Fedora dhclient, dotted descriptors', '32.169.254.169.254 10.0.0.2 0 10.0.0.1'],
    ['dhcpcd / NM internal pairs', '169.254.169.254/32 10.0.0.2 0.0.0.0/0 10.0.0.1'],
    ['systemd-networkd pairs', '169.254.169.254/32,10.0.0.2 0.0.0.0/0,10.0.0.1'],
    ['dhclient quoted string with octal escapes', '"\\040\\251\\376\\251\\376\\012\\000\\000\\002\\000\\012\\000\\000\\001"'],
  ])('%s', (_name, value) => {
    expect(parseRouteOption(value)).toEqual({routes: NEUTRON_ROUTES})
  })

  it('keeps the routes before a defect and names it', () => {
    expect(parseRouteOption('169.254.169.254/32 10.0.0.2 0.0.0.0/0')).toEqual({routes: [NEUTRON_ROUTES[0]], error: 'route 2: 0.0.0.0/0 has no gateway (truncated?)'})
    expect(parseRouteOption('20:a9:zz')).toMatchObject({routes: [], error: expect.stringMatching(/not colon-separated hex/)})
  })
})

describe('parseDhclientLeases (lease files written by real dhclient 4.4.3 from real dnsmasq)', () => {
  it('reads an OVN-style lease: 169.254.169.254/32 via the metadata port, not the gateway, and MTU 1442', () => {
    const [lease] = parseDhclientLeases(sample('dhclient-lease--ovn-metadata-port.txt'))
    expect(lease).toMatchObject({address: '10.44.0.10', iface: 'eth0', mtu: 1442, routers: ['10.44.0.1']})
    expect(lease?.classlessRoutes).toEqual([
      {dst: '169.254.169.254/32', gateway: '10.44.0.2'},
      {dst: '0.0.0.0/0', gateway: '10.44.0.1'},
    ])
  })

  it('decodes the decimal rfc3442-classless-static-routes written with Debian dhclient.conf', () => {
    expect(capture('dhclient-lease--dnsmasq-rfc3442.txt').exitCode).toBe(0)
    const [lease, ...more] = parseDhclientLeases(sample('dhclient-lease--dnsmasq-rfc3442.txt'))
    expect(more).toEqual([])
    expect(lease).toMatchObject({format: 'dhclient', iface: 'eth0', routers: ['10.0.0.1'], serverId: '10.0.0.2', classlessRoutes: NEUTRON_ROUTES})
    expect(lease?.address).toMatch(DHCP_RANGE)
    expect(lease?.expire).toMatch(/^\d \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d$/)
    // dnsmasq sends 249 only to clients that ask for it; Debian's dhclient.conf does not
    expect(lease?.msClasslessRoutes).toBeUndefined()
  })

  it('decodes unknown-121 and unknown-249 colon hex written when dhclient.conf does not declare them', () => {
    const [lease] = parseDhclientLeases(sample('dhclient-lease--dnsmasq-unknown-121.txt'))
    expect(lease).toMatchObject({classlessRoutes: NEUTRON_ROUTES, msClasslessRoutes: NEUTRON_ROUTES})
  })

  it('returns every lease block in file order', () => {
    const leases = parseDhclientLeases(sample('dhclient-lease--two-leases.txt'))
    expect(leases).toHaveLength(2)
    expect(leases[0]?.msClasslessRoutes).toBeUndefined()
    expect(leases[1]?.msClasslessRoutes).toEqual(NEUTRON_ROUTES)
  })

  it('keeps what a cut-off lease had, drops the unfinished option, and says so', () => {
    const leases = parseDhclientLeases(sample('dhclient-lease--truncated.txt'))
    expect(leases).toHaveLength(1)
    expect(leases[0]).toMatchObject({iface: 'eth0', routers: ['10.0.0.1'], serverId: '10.0.0.2'})
    expect(leases[0]?.classlessRoutes).toBeUndefined()
    expect(warningsOf(leases)).toEqual([
      'dhclient lease 1: unfinished statement "option rfc3442-classless-static-routes 32,169,254,16" ignored',
      'dhclient lease 1 (line 1) is not closed: the file is truncated',
    ])
  })

  it('keeps the routes before an invalid prefix length (33)', () => {
    const leases = parseDhclientLeases(sample('dhclient-lease--bad-prefix.txt'))
    expect(leases[0]?.classlessRoutes).toEqual([NEUTRON_ROUTES[0]])
    expect(warningsOf(leases).join()).toMatch(/prefix length 33/)
  })

  it('skips lease6 blocks and DUID lines, and reads static-routes (option 33) with classful masks', () => {
    const text = 'default-duid "\\000\\001\\000\\001";\nlease6 {\n  interface "eth0";\n  ia-na 1a:2b:3c:4d {\n    iaaddr fd00::5 {\n      max-life 3600;\n    }\n  }\n}\nlease {\n  interface "ens3";\n  fixed-address 172.16.0.5;\n  option static-routes 10.0.0.0 172.16.0.1, 10.1.2.3 172.16.0.1;\n  option routers 172.16.0.1, 172.16.0.254;\n}\n'
    const leases = parseDhclientLeases(text)
    expect(leases).toEqual([{format: 'dhclient', iface: 'ens3', address: '172.16.0.5', routers: ['172.16.0.1', '172.16.0.254'], staticRoutes: [{dst: '10.0.0.0/8', gateway: '172.16.0.1'}, {dst: '10.1.2.3/32', gateway: '172.16.0.1'}]}])
  })

  it('returns nothing for an empty file or one with only a DUID', () => {
    expect(parseDhclientLeases(sample('dhclient-lease--empty.txt'))).toEqual([])
    expect(parseDhclientLeases('default-duid "\\000\\001";\n')).toEqual([])
  })

  it('refuses error text, other formats and binary data', () => {
    expectParseError(() => parseDhclientLeases(sample('dhclient-lease--error.txt')), /expected "lease \{"/)
    expectParseError(() => parseDhclientLeases(sample('networkd-lease--systemd252-env.txt')), /lease file/)
    expectParseError(() => parseDhclientLeases(sample('dhclient-lease--binary.txt')), /binary/)
  })
})

describe('parseNetworkdLease (systemd-networkd lease files)', () => {
  it('reads CLASSLESS_ROUTES from a lease written by real systemd-networkd 252', () => {
    const [lease, ...more] = parseNetworkdLease(sample('networkd-lease--systemd252-env.txt'))
    expect(more).toEqual([])
    expect(lease).toMatchObject({format: 'networkd-env', routers: ['10.0.0.1'], serverId: '10.0.0.2', classlessRoutes: NEUTRON_ROUTES})
    expect(lease?.address).toMatch(DHCP_RANGE)
  })

  it('reads the oldest single ROUTES key as the classless routes', () => {
    expect(parseNetworkdLease(sample('networkd-lease--old-routes.txt'))).toEqual([{format: 'networkd-env', address: '10.0.0.5', routers: ['10.0.0.1'], serverId: '10.0.0.2', classlessRoutes: NEUTRON_ROUTES}])
  })

  it('keeps STATIC_ROUTES (option 33) apart from CLASSLESS_ROUTES', () => {
    const [lease] = parseNetworkdLease(sample('networkd-lease--static-and-classless.txt'))
    expect(lease).toMatchObject({routers: ['10.0.0.1', '10.0.0.3'], staticRoutes: [{dst: '10.1.0.0/16', gateway: '10.0.0.3'}], classlessRoutes: NEUTRON_ROUTES})
  })

  it('reads the JSON lease with byte arrays and their …String twins', () => {
    expect(parseNetworkdLease(sample('networkd-lease--json.txt'))).toEqual([{format: 'networkd-json', address: '10.0.0.5', routers: ['10.0.0.1'], serverId: '10.0.0.2', classlessRoutes: NEUTRON_ROUTES}])
  })

  it('reads the JSON lease when only byte arrays are present', () => {
    const [lease] = parseNetworkdLease(sample('networkd-lease--json-bytes-only.txt'))
    expect(lease).toEqual({format: 'networkd-json', address: '10.0.0.5', routers: ['10.0.0.1'], serverId: '10.0.0.2', classlessRoutes: [NEUTRON_ROUTES[0]], staticRoutes: [{dst: '10.1.0.0/16', gateway: '10.0.0.3'}]})
  })

  it('stops at a malformed route object with a warning', () => {
    const leases = parseNetworkdLease('{"Classless_Routes":[{"Destination":[169,254,169,254],"Gateway":[10,0,0,2],"DestinationPrefixLength":32},{"Destination":"x"}]}')
    expect(leases[0]?.classlessRoutes).toEqual([NEUTRON_ROUTES[0]])
    expect(warningsOf(leases).join()).toMatch(/Classless_Routes\[1\]/)
  })

  it('refuses a cut-off JSON lease, error text and binary data; empty means no lease', () => {
    expectParseError(() => parseNetworkdLease(sample('networkd-lease--truncated-json.txt')), /invalid JSON/)
    expectParseError(() => parseNetworkdLease('cat: /run/systemd/netif/leases/2: No such file or directory\n'), /not KEY=VALUE/)
    expectParseError(() => parseNetworkdLease(sample('networkd-lease--binary.txt')), /binary/)
    expect(parseNetworkdLease(sample('networkd-lease--empty.txt'))).toEqual([])
  })
})

describe('parseNetworkManagerDhcp (nmcli -f GENERAL.DEVICE,DHCP4 device show)', () => {
  it('reads the internal client pair format for options 121 and 249, and the device name', () => {
    expect(parseNetworkManagerDhcp(sample('nm-lease--nettools.txt'))).toEqual([
      {format: 'nmcli', iface: 'eth0', address: '10.0.0.5', routers: ['10.0.0.1'], serverId: '10.0.0.2', expire: '1763806805', classlessRoutes: NEUTRON_ROUTES, msClasslessRoutes: NEUTRON_ROUTES},
    ])
  })

  it('reads the dhclient-backend byte format and ignores requested_* entries', () => {
    expect(parseNetworkManagerDhcp(sample('nm-lease--dhclient-backend.txt'))).toEqual([{format: 'nmcli', address: '10.0.0.5', routers: ['10.0.0.1'], serverId: '10.0.0.2', classlessRoutes: NEUTRON_ROUTES}])
  })

  it('reads terse output with several devices, one lease per device with DHCP4 options', () => {
    const leases = parseNetworkManagerDhcp(sample('nm-lease--terse-two-devices.txt'))
    expect(leases.map((l) => [l.iface, l.address])).toEqual([
      ['eth0', '10.0.0.5'],
      ['eth1', '192.168.5.9'],
    ])
  })

  it("refuses nmcli's error text and binary data; empty output means no lease", () => {
    expectParseError(() => parseNetworkManagerDhcp(sample('nm-lease--error.txt')), /Error: Device 'eth9' not found/)
    expectParseError(() => parseNetworkManagerDhcp(sample('nm-lease--binary.txt')), /binary/)
    expect(parseNetworkManagerDhcp(sample('nm-lease--empty.txt'))).toEqual([])
  })
})

describe('parseDhcpcdDumplease (dhcpcd --dumplease / -U)', () => {
  it('reads classless_static_routes and ms_classless_static_routes pairs', () => {
    expect(parseDhcpcdDumplease(sample('dhcpcd-lease--dumplease.txt'))).toEqual([
      {format: 'dhcpcd', iface: 'eth0', address: '10.0.0.5', routers: ['10.0.0.1'], serverId: '10.0.0.2', classlessRoutes: NEUTRON_ROUTES, msClasslessRoutes: NEUTRON_ROUTES},
    ])
  })

  it('splits dumps of several interfaces printed back to back', () => {
    const leases = parseDhcpcdDumplease(sample('dhcpcd-lease--two-interfaces.txt'))
    expect(leases.map((l) => [l.iface, l.classlessRoutes])).toEqual([
      ['eth0', NEUTRON_ROUTES],
      ['eth1', [{dst: '0.0.0.0/0', gateway: '192.168.5.1'}]],
    ])
  })

  it('reads the new_* variables dhcpcd hooks see', () => {
    expect(parseDhcpcdDumplease("new_ip_address=10.0.0.5\nnew_classless_static_routes='169.254.169.254/32 10.0.0.2'\n")).toEqual([{format: 'dhcpcd', address: '10.0.0.5', classlessRoutes: [NEUTRON_ROUTES[0]]}])
  })

  it('stops at a cut-off value and keeps what came before', () => {
    const leases = parseDhcpcdDumplease(sample('dhcpcd-lease--truncated.txt'))
    expect(leases).toEqual([{format: 'dhcpcd', iface: 'eth0', address: '10.0.0.5'}])
    expect(warningsOf(leases).join()).toMatch(/line 3 is not name=value/)
  })

  it("refuses dhcpcd's error text and binary data; empty output means no lease", () => {
    expectParseError(() => parseDhcpcdDumplease(sample('dhcpcd-lease--error.txt')), /dhcpcd: eth0: no lease to dump/)
    expectParseError(() => parseDhcpcdDumplease(sample('dhcpcd-lease--binary.txt')), /binary/)
    expect(parseDhcpcdDumplease(sample('dhcpcd-lease--empty.txt'))).toEqual([])
  })
})
