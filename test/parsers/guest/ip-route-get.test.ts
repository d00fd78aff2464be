import {describe, expect, it} from 'vitest'
import {parseIpRouteGet} from '../../../src/parsers/guest-ip-route-get.js'
import {capture, expectParseError, sample} from './helpers.js'

describe('parseIpRouteGet (ip route get 169.254.169.254, real iproute2 6.1 output)', () => {
  it('reports the zeroconf trap as on-link: no gateway, the guest ARPs for 169.254.169.254 itself', () => {
    const expected = {dst: '169.254.169.254', dev: 'eth0', src: '10.0.0.5', onLink: true, type: 'unicast'}
    expect(parseIpRouteGet(sample('ip-route-get--onlink.txt'))).toEqual(expected)
    expect(parseIpRouteGet(sample('ip-route-get--onlink-json.txt'))).toEqual(expected)
  })

  it('reports the option-121 host route with its gateway (the DHCP port)', () => {
    const expected = {dst: '169.254.169.254', gateway: '10.0.0.2', dev: 'eth0', src: '10.0.0.5', onLink: false, type: 'unicast'}
    expect(parseIpRouteGet(sample('ip-route-get--via.txt'))).toEqual(expected)
    expect(parseIpRouteGet(sample('ip-route-get--via-json.txt'))).toEqual(expected)
  })

  it("refuses `RTNETLINK answers: Network is unreachable` with the tool's own text", () => {
    expect(capture('ip-route-get--unreachable.txt')).toMatchObject({exitCode: 2, stream: 'stderr'})
    expectParseError(() => parseIpRouteGet(sample('ip-route-get--unreachable.txt')), /^RTNETLINK answers: Network is unreachable$/)
    expectParseError(() => parseIpRouteGet(sample('ip-route-get--unreachable-json.txt')), /^RTNETLINK answers: Network is unreachable$/)
  })

  it('does not call a local answer on-link (the guest holds the address itself)', () => {
    expect(parseIpRouteGet('local 169.254.169.254 dev lo table local src 169.254.169.254 uid 0 \n    cache <local> \n')).toEqual({dst: '169.254.169.254', dev: 'lo', src: '169.254.169.254', onLink: false, type: 'local'})
  })

  it('reads an older iproute2 line without uid/cache', () => {
    expect(parseIpRouteGet('169.254.169.254 via 10.10.0.1 dev eth0  src 10.10.0.45 \n')).toMatchObject({gateway: '10.10.0.1', src: '10.10.0.45', onLink: false})
  })

  it('refuses empty output, other formats and binary data', () => {
    expectParseError(() => parseIpRouteGet(sample('ip-route-get--empty.txt')), /empty output/)
    expectParseError(() => parseIpRouteGet(sample('route-n--zeroconf.txt')), /Kernel IP routing table/)
    expectParseError(() => parseIpRouteGet('[]'), /no route object/)
    expectParseError(() => parseIpRouteGet(sample('ip-route-get--binary.txt')), /binary/)
  })
})
