/**
 * Every sample file goes through its parser: the ones that must be refused throw a
 * ParseError, every other one parses, and cut-off or malformed ones say so in their warnings.
 */
import {readdirSync} from 'node:fs'
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
import {classifyProbeFailure, parseHttpProbe, parseWgetResponse} from '../../../src/parsers/guest-http-probe.js'
import {parseBlkid} from '../../../src/parsers/guest-blkid.js'
import {parseEnvOutput} from '../../../src/parsers/guest-env-proxy.js'
import {capture, SAMPLES, sample, warningsOf} from './helpers.js'

const PARSER: Record<string, (file: string) => unknown> = {
  'ip-route-json': (f) => parseIpRouteJson(sample(f)),
  'ip-route-text': (f) => parseIpRouteText(sample(f)),
  'route-n': (f) => parseRouteN(sample(f)),
  'ip-route-get': (f) => parseIpRouteGet(sample(f)),
  'ip-neigh': (f) => parseIpNeigh(sample(f)),
  'proc-net-arp': (f) => parseProcNetArp(sample(f)),
  'dhclient-lease': (f) => parseDhclientLeases(sample(f)),
  'networkd-lease': (f) => parseNetworkdLease(sample(f)),
  'nm-lease': (f) => parseNetworkManagerDhcp(sample(f)),
  'dhcpcd-lease': (f) => parseDhcpcdDumplease(sample(f)),
  'cloud-init-log': (f) => parseCloudInitLog(sample(f)),
  'sysconfig-network': (f) => parseShellVars(sample(f)),
  'ifup-eth': (f) => parseIfupEthZeroconf(sample(f)),
  'http-probe': (f) => parseHttpProbe(sample(f)),
  'wget-response': (f) => parseWgetResponse(sample(capture(f).bodyFile ?? ''), sample(f)),
  'probe-failure': (f) => classifyProbeFailure(capture(f).exitCode, sample(f), /--(curl|wget|nc)-/.exec(f)?.[1] as 'curl' | 'wget' | 'nc'),
  blkid: (f) => parseBlkid(sample(f)),
  env: (f) => parseEnvOutput(sample(f)),
}

// Samples that are not data: the parser must refuse them.
const REFUSED = new Set([
  'blkid--error.txt',
  'dhclient-lease--error.txt',
  'dhcpcd-lease--error.txt',
  'http-probe--empty.txt',
  'ip-route-get--empty.txt',
  'ip-route-get--unreachable.txt',
  'ip-route-get--unreachable-json.txt',
  'ip-route-text--error.txt',
  'networkd-lease--truncated-json.txt',
  'nm-lease--error.txt',
])

const files = readdirSync(SAMPLES)
  .filter((f) => f.endsWith('.txt') && !f.endsWith('.body.txt'))
  .sort()

describe('every guest sample file', () => {
  it('belongs to a parser', () => {
    expect(files.filter((f) => !PARSER[f.split('--')[0] ?? ''])).toEqual([])
  })

  it.each(files)('%s', (file) => {
    const parse = PARSER[file.split('--')[0] ?? ''] as (f: string) => unknown
    if (file.endsWith('--binary.txt') || REFUSED.has(file)) {
      expect(() => parse(file)).toThrow(ParseError)
      return
    }
    const result = parse(file)
    expect(result).toBeDefined()
    // cut-off and malformed samples must say what they lost
    if (/--(truncated|bad-)/.test(file)) expect(warningsOf(result).length).toBeGreaterThan(0)
    else if (Array.isArray(result)) expect(warningsOf(result)).toEqual([])
  })
})
