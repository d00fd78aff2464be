/**
 * The guest parsers against output the real tools print right now, in namespaces built for
 * the test (`mdgp-*`, removed afterwards): dnsmasq + dhclient and systemd-networkd leases,
 * ip/route/arp in a zeroconf guest, curl/wget/nc through haproxy, cloud-init's own code.
 */
import {afterEach, describe, expect, it} from 'vitest'
import {parseIpRouteJson, pickRoute} from '../../../src/parsers/guest-ip-route.js'
import {parseIpRouteText} from '../../../src/parsers/guest-ip-route-text.js'
import {parseRouteN} from '../../../src/parsers/guest-route-n.js'
import {parseIpRouteGet} from '../../../src/parsers/guest-ip-route-get.js'
import {parseIpNeigh} from '../../../src/parsers/guest-ip-neigh.js'
import {parseProcNetArp} from '../../../src/parsers/guest-proc-net-arp.js'
import {parseDhclientLeases} from '../../../src/parsers/guest-dhclient-lease.js'
import {parseNetworkdLease} from '../../../src/parsers/guest-networkd-lease.js'
import {parseCloudInitLog} from '../../../src/parsers/guest-cloud-init-log.js'
import {classifyMetadataResponse, classifyProbeFailure, parseCurlResponse, parseWgetResponse} from '../../../src/parsers/guest-http-probe.js'
import {hasConfigDrive, parseBlkid} from '../../../src/parsers/guest-blkid.js'
import {ParseError} from '../../../src/parsers/errors.js'
import {cannotRun, Lab} from './lab.js'
import {blkidConfigDrive, cloudInitLog, dhclientLease, httpProbes, networkdLease, probeFailuresRouting, routesAndNeighbours} from './scenarios.js'

const NEUTRON_ROUTES = [
  {dst: '169.254.169.254/32', gateway: '10.0.0.2'},
  {dst: '0.0.0.0/0', gateway: '10.0.0.1'},
]

function gate(tools: string[]): boolean {
  const why = cannotRun(tools)
  if (why) console.warn(`SKIPPED live guest parser test: ${why} (needed: ${tools.join(', ')})`)
  return why === undefined
}

const labs: Lab[] = []
function lab(name: string): Lab {
  const l = new Lab(name)
  labs.push(l)
  return l
}
afterEach(async () => {
  for (const l of labs.splice(0)) await l.cleanup()
})

describe('live: DHCP leases from real dnsmasq serving neutron opts lines', () => {
  const ok = gate(['ip', 'dnsmasq', 'dhclient'])

  it.skipIf(!ok)('dhclient with Debian dhclient.conf records option 121 as decimal RFC 3442 and it decodes to neutron routes', async () => {
    const r = await dhclientLease(lab('dd'), 'declared')
    expect(r.lease, `dhclient: ${r.dhclient.stderr}`).toContain('option rfc3442-classless-static-routes 32,169,254,169,254,10,0,0,2,0,10,0,0,1;')
    const leases = parseDhclientLeases(r.lease)
    expect(leases).toHaveLength(1)
    expect(leases[0]).toMatchObject({iface: 'eth0', routers: ['10.0.0.1'], serverId: '10.0.0.2', classlessRoutes: NEUTRON_ROUTES})
  }, 60_000)

  it.skipIf(!ok)('dhclient without option 121 declared records unknown-121/unknown-249 colon hex that decodes the same', async () => {
    const r = await dhclientLease(lab('du'), 'unknown')
    expect(r.lease, `dhclient: ${r.dhclient.stderr}`).toMatch(/option unknown-121 [0-9a-f:]+;/)
    const [lease] = parseDhclientLeases(r.lease)
    expect(lease).toMatchObject({classlessRoutes: NEUTRON_ROUTES, msClasslessRoutes: NEUTRON_ROUTES})
  }, 60_000)

  const nd = gate(['ip', 'dnsmasq', 'unshare', '/lib/systemd/systemd-networkd'])
  it.skipIf(!nd)('systemd-networkd writes CLASSLESS_ROUTES and installs the /32 that pickRoute then chooses', async () => {
    const r = await networkdLease(lab('nd'))
    expect(r.lease, `networkd: ${r.log.slice(-1500)}`).not.toBe('')
    expect(parseNetworkdLease(r.lease)[0]?.classlessRoutes).toEqual(NEUTRON_ROUTES)
    const routes = parseIpRouteJson(r.ipRouteJson)
    expect(parseIpRouteText(r.ipRoute)).toEqual(routes)
    expect(pickRoute(routes, '169.254.169.254')).toMatchObject({dst: '169.254.169.254/32', gateway: '10.0.0.2', protocol: 'dhcp'})
  }, 60_000)
})

describe('live: routes and neighbours in a zeroconf guest', () => {
  const ok = gate(['ip', 'route', 'arp', 'curl'])

  it.skipIf(!ok)('sees the on-link trap, the failed ARP for 169.254.169.254, and the /32 fix', async () => {
    const c = await routesAndNeighbours(lab('rn'))
    const json = parseIpRouteJson(c['ip-route-json--zeroconf-table-all']?.stdout ?? '')
    expect(parseIpRouteText(c['ip-route-text--table-all']?.stdout ?? '')).toEqual(json)
    expect(pickRoute(json, '169.254.169.254')).toMatchObject({dst: '169.254.0.0/16', metric: 1002, scope: 'link'})
    expect(pickRoute(parseRouteN(c['route-n--names']?.stdout ?? ''), '169.254.169.254')?.dst).toBe('169.254.0.0/16')
    expect(parseIpRouteGet(c['ip-route-get--onlink']?.stdout ?? '')).toMatchObject({onLink: true, dev: 'eth0'})

    const incomplete = parseIpNeigh(c['ip-neigh--incomplete']?.stdout ?? '').find((n) => n.ip === '169.254.169.254')
    expect(incomplete?.state).toBe('INCOMPLETE')
    for (const key of ['ip-neigh--failed', 'ip-neigh--failed-json']) {
      expect(parseIpNeigh(c[key]?.stdout ?? '').find((n) => n.ip === '169.254.169.254')?.state).toBe('FAILED')
    }
    expect(parseProcNetArp(c['proc-net-arp--failed']?.stdout ?? '').find((n) => n.ip === '169.254.169.254')?.state).toBe('INCOMPLETE')

    expect(pickRoute(parseRouteN(c['route-n--host-route']?.stdout ?? ''), '169.254.169.254')).toMatchObject({dst: '169.254.169.254/32', gateway: '10.0.0.2'})
    expect(parseIpRouteGet(c['ip-route-get--via-json']?.stdout ?? '')).toMatchObject({onLink: false, gateway: '10.0.0.2'})
    const unreachable = c['ip-route-get--unreachable']
    expect(() => parseIpRouteGet(unreachable?.stderr ?? '')).toThrow(new ParseError('RTNETLINK answers: Network is unreachable'))
  }, 60_000)
})

describe('live: metadata probes through real haproxy', () => {
  const ok = gate(['ip', 'curl', 'wget', 'nc', 'haproxy', 'python3', 'ss'])

  it.skipIf(!ok)("classifies haproxy's own error pages and the agent/nova bodies by hop", async () => {
    const c = await httpProbes(lab('hp'))
    const verdict = (key: string): unknown => classifyMetadataResponse(parseCurlResponse(c[key]?.stdout ?? ''))
    expect(verdict('http-probe--haproxy-503')).toMatchObject({hop: 'socket', code: 'PROXY_NO_SERVER'})
    // the agent took the request and went silent: stuck itself or waiting for nova, not to be told from here
    expect(verdict('http-probe--haproxy-504')).toMatchObject({hop: null, code: 'PROXY_GATEWAY_TIMEOUT', unattributed: true})
    expect(verdict('http-probe--haproxy-502')).toMatchObject({hop: 'agent', code: 'PROXY_BAD_GATEWAY'})
    expect(verdict('http-probe--haproxy-429')).toMatchObject({hop: 'proxy', code: 'RATE_LIMITED'})
    expect(verdict('http-probe--agent-404-instance')).toMatchObject({hop: 'instance'})
    expect(verdict('http-probe--nova-403-signature')).toMatchObject({hop: 'signature'})
    expect(verdict('http-probe--ok-200')).toMatchObject({hop: null, code: 'METADATA_OK'})
    const w = c['wget-response--haproxy-503']
    // wget saves no error body: the verdict must not guess the hop
    expect(classifyMetadataResponse(parseWgetResponse(w?.stdout ?? '', w?.stderr ?? ''))).toMatchObject({hop: null, code: 'HTTP_ERROR_NO_BODY', unattributed: true})
    const failure = (key: string, tool: 'curl' | 'wget' | 'nc'): string => classifyProbeFailure(c[key]?.exitCode ?? -1, c[key]?.stderr ?? '', tool).kind
    expect(failure('probe-failure--curl-refused-verbose', 'curl')).toBe('refused')
    expect(failure('probe-failure--curl-reset', 'curl')).toBe('reset')
    expect(failure('probe-failure--curl-empty-reply', 'curl')).toBe('reset')
    // a silent server: curl connected, then nothing came back
    expect(failure('probe-failure--curl-timeout', 'curl')).toBe('no-answer')
    expect(failure('probe-failure--nc-refused', 'nc')).toBe('refused')
  }, 60_000)

  const routing = gate(['ip', 'curl', 'wget', 'nc'])
  it.skipIf(!routing)('tells no route at all from the ARP dead end of the zeroconf route', async () => {
    const c = await probeFailuresRouting(lab('pf'))
    const kind = (key: string, tool: 'curl' | 'wget' | 'nc'): string => classifyProbeFailure(c[key]?.exitCode ?? -1, c[key]?.stderr ?? '', tool).kind
    expect(kind('probe-failure--curl-unreachable-verbose', 'curl')).toBe('unreachable')
    expect(kind('probe-failure--wget-unreachable', 'wget')).toBe('unreachable')
    expect(kind('probe-failure--curl-no-route', 'curl')).toBe('no-route')
    expect(kind('probe-failure--curl-no-route-verbose', 'curl')).toBe('no-route')
    expect(kind('probe-failure--wget-no-route', 'wget')).toBe('no-route')
    expect(kind('probe-failure--nc-no-route', 'nc')).toBe('no-route')
    expect(kind('probe-failure--curl-dns', 'curl')).toBe('dns')
  }, 60_000)
})

describe("live: cloud-init's own datasource code", () => {
  const ok = gate(['ip', 'python3', 'curl']) && cannotRun(['cloud-init']) === undefined

  it.skipIf(!ok)('logs a failed OpenStack + Ec2 probe that parses to failures, giving-up lines and no service', async () => {
    const r = await cloudInitLog(lab('cu'), 'unreachable')
    const log = parseCloudInitLog(r.log)
    expect(log.noActiveMetadataService, r.driver.stderr).toBe(true)
    expect(log.givingUp.map((g) => g.kind)).toEqual(['openstack', 'ec2'])
    expect(log.failures[0]).toMatchObject({url: 'http://169.254.169.254/openstack', maxWait: '-1s'})
  }, 60_000)

  it.skipIf(!ok)('logs a successful crawl that parses to the OpenStack datasource and its reads', async () => {
    const r = await cloudInitLog(lab('co'), 'ok')
    const log = parseCloudInitLog(r.log)
    expect(log, r.driver.stderr).toMatchObject({failures: [], datasource: 'OpenStack', metadataSource: 'http://169.254.169.254'})
    expect(log.successReads).toContain('http://169.254.169.254/openstack')
  }, 60_000)
})

describe('live: blkid on a config drive image', () => {
  const ok = gate(['blkid', 'mkfs.ext4', 'truncate', 'lsblk'])
  it.skipIf(!ok)('finds the config-2 label', async () => {
    const c = await blkidConfigDrive(lab('bk'))
    expect(hasConfigDrive(parseBlkid(c['blkid--config-drive']?.stdout ?? ''))).toBe(true)
    expect(parseBlkid(c['blkid--export']?.stdout ?? '')).toEqual(parseBlkid(c['blkid--config-drive']?.stdout ?? ''))
    expect(() => parseBlkid(c['blkid--lsblk-pairs']?.stdout ?? '')).not.toThrow()
  }, 60_000)
})
