import {describe, expect, it} from 'vitest'
import {ParseError} from '../../../src/parsers/errors.js'
import {parseIpRouteJson} from '../../../src/parsers/guest-ip-route.js'
import {parseIpRouteText} from '../../../src/parsers/guest-ip-route-text.js'
import {parseRouteN} from '../../../src/parsers/guest-route-n.js'
import {parseIpRouteGet} from '../../../src/parsers/guest-ip-route-get.js'
import {parseIpNeigh} from '../../../src/parsers/guest-ip-neigh.js'
import {parseProcNetArp} from '../../../src/parsers/guest-proc-net-arp.js'
import {parseDhclientLeases} from '../../../src/parsers/guest-dhclient-lease.js'
import {parseNetworkdLease} from '../../../src/parsers/guest-networkd-lease.js'
import {parseNetworkManagerDhcp} from '../../../src/parsers/guest-nm-lease.js'
import {parseDhcpcdDumplease} from '../../../src/parsers/guest-dhcpcd-lease.js'
import {parseCloudInitLog} from '../../../src/parsers/guest-cloud-init-log.js'
import {parseIfupEthZeroconf, parseShellVars} from '../../../src/parsers/guest-sysconfig-network.js'
import {classifyMetadataResponse, classifyProbeFailure, parseCurlResponse, parseHttpProbe, parseWgetResponse} from '../../../src/parsers/guest-http-probe.js'
import {parseBlkid} from '../../../src/parsers/guest-blkid.js'
import {metadataProxyBypass, parseEnvOutput} from '../../../src/parsers/guest-env-proxy.js'
import {noise, sample} from './helpers.js'

const PARSERS: [string, (text: string) => unknown][] = [
  ['ip-route-json', parseIpRouteJson],
  ['ip-route-text', parseIpRouteText],
  ['route-n', parseRouteN],
  ['ip-route-get', parseIpRouteGet],
  ['ip-neigh', parseIpNeigh],
  ['proc-net-arp', parseProcNetArp],
  ['dhclient-lease', parseDhclientLeases],
  ['networkd-lease', parseNetworkdLease],
  ['nm-lease', parseNetworkManagerDhcp],
  ['dhcpcd-lease', parseDhcpcdDumplease],
  ['cloud-init-log', parseCloudInitLog],
  ['sysconfig-network', parseShellVars],
  ['ifup-eth', parseIfupEthZeroconf],
  ['http-probe', parseHttpProbe],
  ['blkid', parseBlkid],
  ['env', parseEnvOutput],
  ['curl-response', parseCurlResponse],
  ['wget-response', (t) => parseWgetResponse(t, t)],
]

// Characters the formats care about, so noise reaches deep into each parser.
const SYNTAX = ' \t\n\n\n0123456789.:/,;{}[]"\'=\\#*-_abcdefxyzHTTP lease option via dev src metric FAILED 169.254 Calling failed ['

/** Either a result or a ParseError; anything else (TypeError, RangeError, a hang) fails. */
function survives(fn: () => unknown): 'ok' | 'refused' {
  try {
    fn()
    return 'ok'
  } catch (e) {
    if (e instanceof ParseError) return 'refused'
    throw e
  }
}

describe('hostile input: every guest parser returns data or a ParseError, never crashes', () => {
  it.each(PARSERS)('%s refuses the binary sample with a ParseError', (_name, parse) => {
    expect(() => parse(sample('ip-route-text--binary.txt'))).toThrow(ParseError)
  })

  it.each(PARSERS)('%s refuses NUL bytes inside otherwise valid text', (name, parse) => {
    // /proc/<pid>/environ is NUL-separated: there NUL is the format, not binary data
    if (name === 'env') {
      expect(parseEnvOutput('A=1\u0000B=2\u0000')).toEqual({A: '1', B: '2'})
      return
    }
    expect(() => parse('default via 10.0.0.1 dev eth0\u0000\n')).toThrow(/NUL/)
  })

  it.each(PARSERS)('%s handles a 4 MiB line quickly', (_name, parse) => {
    for (const line of ['a'.repeat(4 << 20), `${'1.'.repeat(2 << 20)}\n`, `'${"'".repeat(1 << 20)} failed [`, `${'{'.repeat(1 << 20)}`, `[${'{"dst":"default",'.repeat(1 << 16)}`]) {
      const start = Date.now()
      expect(() => survives(() => parse(line))).not.toThrow()
      expect(Date.now() - start).toBeLessThan(5000)
    }
  })

  it.each(PARSERS)('%s survives 300 pieces of seeded noise', (_name, parse) => {
    expect(() => {
      for (let seed = 1; seed <= 300; seed++) survives(() => parse(seed % 3 === 0 ? noise(2000, seed) : noise(2000, seed, SYNTAX)))
    }).not.toThrow()
  })

  it.each(PARSERS)('%s survives deeply nested JSON and truncated real samples at every cut', (name, parse) => {
    expect(() => survives(() => parse(`${'['.repeat(200_000)}${']'.repeat(200_000)}`))).not.toThrow()
    const base = {
      'ip-route-json': 'ip-route-json--host-route.txt',
      'ip-route-text': 'ip-route-text--multipath.txt',
      'route-n': 'route-n--host-route.txt',
      'ip-route-get': 'ip-route-get--via.txt',
      'ip-neigh': 'ip-neigh--failed-json.txt',
      'proc-net-arp': 'proc-net-arp--failed-arp-n.txt',
      'dhclient-lease': 'dhclient-lease--dnsmasq-unknown-121.txt',
      'networkd-lease': 'networkd-lease--json.txt',
      'nm-lease': 'nm-lease--nettools.txt',
      'dhcpcd-lease': 'dhcpcd-lease--dumplease.txt',
      'cloud-init-log': 'cloud-init-log--master.txt',
      'sysconfig-network': 'sysconfig-network--ifcfg-eth0.txt',
      'ifup-eth': 'ifup-eth--seed003-centos6.txt',
      'http-probe': 'http-probe--agent-404-instance.txt',
      blkid: 'blkid--config-drive.txt',
      env: 'env--env.txt',
      'curl-response': 'http-probe--continue-100.txt',
      'wget-response': 'wget-response--ok-200.txt',
    }[name]
    const text = sample(base ?? '')
    expect(text.length).toBeGreaterThan(0)
    expect(() => {
      for (let cut = 0; cut <= text.length; cut++) survives(() => parse(text.slice(0, cut)))
    }).not.toThrow()
  })
})

describe('hostile input: the classifiers never throw', () => {
  it('classifyProbeFailure takes any exit code and any stderr', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const r = classifyProbeFailure(seed - 100, noise(500, seed, SYNTAX), (['curl', 'wget', 'nc'] as const)[seed % 3] ?? 'curl')
      expect(r.detail.length).toBeLessThanOrEqual(400)
    }
    expect(classifyProbeFailure(7, 'x'.repeat(4 << 20), 'curl').kind).toBe('refused')
  })

  it('classifyMetadataResponse takes any status and body', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const v = classifyMetadataResponse({status: (seed * 37) % 600, body: noise(300, seed, SYNTAX), headers: {server: noise(20, seed)}}, noise(30, seed))
      expect(typeof v.code).toBe('string')
    }
  })

  it('metadataProxyBypass takes any environment, including prototype keys', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const env = {http_proxy: noise(40, seed, SYNTAX), no_proxy: noise(200, seed + 1, SYNTAX), ['__proto__']: 'x', constructor: 'y'}
      expect(typeof metadataProxyBypass(env).proxied).toBe('boolean')
    }
  })
})
