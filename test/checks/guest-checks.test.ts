import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {guestNextHopArp} from '../../src/checks/guest/arp.js'
import {guestCloudInit, guestHttpProbe, guestProxyEnv} from '../../src/checks/guest/probe.js'
import {guestLeaseRoute, guestMetadataRoute} from '../../src/checks/guest/route.js'
import {runCheck} from '../../src/engine/check.js'
import {captureId} from '../../src/engine/parsed.js'
import {buildGuestModel} from '../../src/model/guest-model.js'
import type {Capture} from '../../src/sources/capture.js'

// Samples are real output from ip/curl in namespaces (see samples/); the model is built exactly
// as a run builds it, so these tests exercise parser choice by argv too.
const sample = (f: string): string => readFileSync(new URL(`samples/${f}`, import.meta.url), 'utf8')

type C = Partial<Capture> & Pick<Capture, 'key' | 'stdout'>
function model(caps: C[], probed = false) {
  const captures = new Map<string, Capture>()
  for (const c of caps) captures.set(captureId(c.key, c.param), {argv: ['cat'], durationMs: 5, exitCode: 0, origin: 'test', stderr: '', ...c})
  return buildGuestModel({captures, probed})
}
const routeJson = (f: string): C => ({argv: ['ip', '-json', 'route', 'show', 'table', 'main'], key: 'guest.ip-route', stdout: sample(f)})
const routeGet = (f: string): C => ({argv: ['ip', 'route', 'get', '169.254.169.254'], key: 'guest.route-get', stdout: sample(f)})
const neigh = (f: string): C => ({argv: ['ip', '-json', 'neigh'], key: 'guest.neigh', stdout: sample(f)})
const IFUP = `# Add Zeroconf route.
if [ -z "\${NOZEROCONF}" -a "\${ISALIAS}" = "no" -a "\${REALDEVICE}" != "lo" ]; then
        ip route add 169.254.0.0/16 dev \${REALDEVICE} metric $((1000 + $(cat /sys/class/net/\${REALDEVICE}/ifindex))) scope link
fi
`
const codes = (r: ReturnType<typeof runCheck>) => r.findings.map((f) => `${f.severity}:${f.code}:${f.hop}`)

describe('guest-metadata-route', () => {
  it('passes a /32 host route via the gateway', () => {
    const r = runCheck(guestMetadataRoute, model([routeJson('ip-json-route--hostroute.json'), routeGet('ip-route-get--via-gateway.txt')]))
    expect(codes(r)).toEqual(['pass:GUEST_ROUTE_VIA_GATEWAY:guest-route'])
    expect(r.findings[0]?.summary).toMatch(/via 10\.254\.90\.1 \(a \/32 host route\)/)
  })

  it('fails the seed 003 zeroconf route with the NOZEROCONF fix and the ifup-eth source', () => {
    const r = runCheck(guestMetadataRoute, model([routeJson('ip-json-route--zeroconf.json'), routeGet('ip-route-get--zeroconf.txt'), {key: 'guest.ifup-eth', stdout: IFUP}, {exitCode: 1, key: 'guest.sysconfig-network', stderr: 'cat: /etc/sysconfig/network: No such file or directory', stdout: ''}]))
    expect(codes(r)).toEqual(['fail:GUEST_ZEROCONF_ROUTE:guest-route'])
    const f = r.findings[0]!
    expect(f.fix?.commands?.join('\n')).toContain('NOZEROCONF=yes')
    expect(f.evidence.map((e) => e.excerpt).join('\n')).toMatch(/169\.254\.0\.0\/16 dev eth0 scope link metric 1002/)
    expect(f.evidence.map((e) => e.key)).toContain('guest.ifup-eth')
  })

  it('judges the routing table alone when `ip route get` was not captured (route -n of old guests)', () => {
    const r = runCheck(guestMetadataRoute, model([{argv: ['route', '-n'], key: 'guest.ip-route', stdout: sample('route-n--hostroute.txt')}]))
    expect(codes(r)).toEqual(['pass:GUEST_ROUTE_VIA_GATEWAY:guest-route'])
  })

  it('fails when the kernel has no route at all', () => {
    const r = runCheck(guestMetadataRoute, model([{argv: ['ip', 'route', 'get', '169.254.169.254'], exitCode: 2, key: 'guest.route-get', stderr: 'RTNETLINK answers: Network is unreachable', stdout: ''}]))
    expect(codes(r)).toEqual(['fail:GUEST_NO_ROUTE:guest-route'])
  })

  it('is not evaluated, with the reason, when neither the table nor the route lookup could be read', () => {
    const r = runCheck(guestMetadataRoute, model([{argv: ['ip', 'route', 'get', '169.254.169.254'], exitCode: 127, failure: 'not-found', key: 'guest.route-get', stderr: 'sh: ip: not found', stdout: ''}]))
    expect(r.run.status).toBe('not-evaluated')
    expect(r.run.reason).toMatch(/not found/)
  })
})

describe('guest-next-hop-arp', () => {
  it('passes a reachable gateway', () => {
    const r = runCheck(guestNextHopArp, model([routeGet('ip-route-get--via-gateway.txt'), neigh('ip-json-neigh--reachable.json')]))
    expect(codes(r)).toEqual(['pass:GUEST_ARP_OK:guest-arp'])
  })

  it('fails when nothing answers ARP for 169.254.169.254 itself (zeroconf, real FAILED entry)', () => {
    const r = runCheck(guestNextHopArp, model([routeGet('ip-route-get--zeroconf.txt'), neigh('ip-json-neigh--zeroconf-failed.json')]))
    expect(codes(r)).toEqual(['fail:GUEST_ARP_FAILED:guest-arp'])
  })

  it('reads busybox /proc/net/arp when ip neigh is missing', () => {
    const r = runCheck(guestNextHopArp, model([routeGet('ip-route-get--zeroconf.txt'), {argv: ['cat', '/proc/net/arp'], key: 'guest.neigh', stdout: sample('proc-net-arp--zeroconf.txt')}]))
    expect(codes(r)).toEqual(['fail:GUEST_ARP_FAILED:guest-arp'])
  })
})

describe('guest-lease-route', () => {
  const lease = (routes: string) => ({argv: ['sh', '-c', '…'], key: 'guest.leases', stdout: `@@mdctl-file dhclient:/var/lib/dhcp/dhclient.eth0.leases\nlease {\n  interface "eth0";\n  fixed-address 10.0.0.5;\n  option routers 10.0.0.1;\n  option rfc3442-classless-static-routes ${routes};\n}\n`})
  it('passes a lease with a 169.254.169.254/32 route', () => {
    const r = runCheck(guestLeaseRoute, model([lease('32,169,254,169,254,10,0,0,2,0,10,0,0,1')]))
    expect(codes(r)).toEqual(['pass:GUEST_LEASE_METADATA_ROUTE:dhcp-route'])
  })
  it('warns when option 121 has no default route (RFC 3442 drops option 3)', () => {
    const r = runCheck(guestLeaseRoute, model([lease('32,169,254,169,254,10,0,0,2')]))
    expect(codes(r)).toContain('warn:GUEST_121_WITHOUT_DEFAULT:dhcp-route')
  })
})

describe('guest-http-probe', () => {
  const probe = (path: string, c: Partial<Capture>): C => ({argv: ['curl', '-sS', '-i'], key: 'probe.guest-http', param: path, stdout: '', ...c})
  const ok = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n1.0\nlatest\n0.004 200\n'
  it('passes when all three paths answer 200', () => {
    const r = runCheck(guestHttpProbe, model(['/', '/openstack', '/latest/meta-data/'].map((p) => probe(p, {stdout: ok})), true))
    expect(codes(r)).toEqual(Array(3).fill('pass:PROBE_OK:instance'))
  })
  it('names the socket hop for haproxy\'s 503 and the signature hop for nova\'s 403', () => {
    const r503 = 'HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/html\r\n\r\n<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n'
    const r403 = 'HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\n\r\n403 Forbidden\n\nInvalid proxy request signature.\n'
    const r = runCheck(guestHttpProbe, model([probe('/', {stdout: r503}), probe('/openstack', {stdout: r403}), probe('/latest/meta-data/', {exitCode: 28, stderr: sample('curl--zeroconf.stderr')})], true))
    const failed = r.findings.filter((f) => f.severity === 'fail')
    expect(failed.map((f) => f.hop)).toEqual(['socket', 'signature'])
    expect(failed.every((f) => f.fix)).toBe(true)
    // a connect timeout with no route or neighbour evidence names no hop
    expect(r.findings.find((f) => f.subject.includes('/latest/meta-data/'))?.severity).toBe('info')
  })
})

describe('guest-http-proxy-env and cloud-init log', () => {
  it('warns when http_proxy would capture 169.254.169.254, passes when no_proxy exempts it', () => {
    const bad = runCheck(guestProxyEnv, model([{key: 'guest.env', stdout: 'http_proxy=http://proxy:3128\nPATH=/usr/bin\n'}]))
    expect(codes(bad)).toEqual(['warn:GUEST_HTTP_PROXY:guest-route'])
    const good = runCheck(guestProxyEnv, model([{key: 'guest.env', stdout: 'http_proxy=http://proxy:3128\nno_proxy=169.254.169.254\n'}]))
    expect(codes(good)).toEqual(['pass:GUEST_NO_PROXY_FOR_METADATA:guest-route'])
  })
  it('reports that cloud-init gave up, at the hop its last failure points to', () => {
    const log = [
      "2026-11-21 10:00:01,000 - url_helper.py[WARNING]: Calling 'http://169.254.169.254/2009-04-04/meta-data/instance-id' failed [0/120s]: request error [HTTPConnectionPool(host='169.254.169.254', port=80): Max retries exceeded with url: /2009-04-04/meta-data/instance-id (Caused by ConnectTimeoutError(<urllib3.connection.HTTPConnection object at 0x7f>, 'Connection to 169.254.169.254 timed out. (connect timeout=50.0)'))]",
      '2026-11-21 10:02:01,000 - DataSourceEc2.py[CRITICAL]: Giving up on md from [\'http://169.254.169.254/2009-04-04/meta-data/instance-id\'] after 120 seconds',
      '',
    ].join('\n')
    const r = runCheck(guestCloudInit, model([{key: 'guest.cloud-init-log', stdout: log}]))
    expect(codes(r)).toContain('warn:CLOUD_INIT_NO_METADATA:intercept')
  })
})
