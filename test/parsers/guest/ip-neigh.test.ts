import {describe, expect, it} from 'vitest'
import {parseIpNeigh} from '../../../src/parsers/guest-ip-neigh.js'
import {parseProcNetArp} from '../../../src/parsers/guest-proc-net-arp.js'
import {expectParseError, sample, warningsOf} from './helpers.js'

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/

const stateOf = (list: {ip: string; state: string}[], ip: string): string | undefined => list.find((n) => n.ip === ip)?.state

describe('parseIpNeigh (real iproute2 6.1 output, guest ARPing for 169.254.169.254)', () => {
  it('shows INCOMPLETE while the kernel is still asking, for the metadata IP and the absent gateway', () => {
    for (const file of ['ip-neigh--incomplete.txt', 'ip-neigh--incomplete-json.txt']) {
      const n = parseIpNeigh(sample(file))
      expect(n.find((x) => x.ip === '169.254.169.254')).toEqual({ip: '169.254.169.254', dev: 'eth0', state: 'INCOMPLETE'})
      expect(stateOf(n, '10.0.0.1')).toBe('INCOMPLETE')
    }
  })

  it('shows FAILED once the kernel gave up, and a REACHABLE neighbour with its lladdr', () => {
    for (const file of ['ip-neigh--failed.txt', 'ip-neigh--failed-json.txt']) {
      const n = parseIpNeigh(sample(file))
      expect(n.find((x) => x.ip === '169.254.169.254')).toEqual({ip: '169.254.169.254', dev: 'eth0', state: 'FAILED'})
      const peer = n.find((x) => x.ip === '10.0.0.2')
      expect(peer?.state).toBe('REACHABLE')
      expect(peer?.lladdr).toMatch(MAC)
    }
  })

  it('reads text and JSON of the same capture to the same list', () => {
    expect(parseIpNeigh(sample('ip-neigh--failed.txt'))).toEqual(parseIpNeigh(sample('ip-neigh--failed-json.txt')))
    expect(parseIpNeigh(sample('ip-neigh--incomplete.txt'))).toEqual(parseIpNeigh(sample('ip-neigh--incomplete-json.txt')))
  })

  it('reads NOARP and IPv6 entries of `nud all`', () => {
    const n = parseIpNeigh(sample('ip-neigh--nud-all.txt'))
    expect(n.find((x) => x.ip === '0.0.0.0')).toEqual({ip: '0.0.0.0', dev: 'lo', lladdr: '00:00:00:00:00:00', state: 'NOARP'})
    expect(n.filter((x) => x.ip.startsWith('ff02::')).every((x) => x.state === 'NOARP')).toBe(true)
  })

  it('reads the two-space form of old iproute2 (`dev eth0  FAILED`)', () => {
    expect(parseIpNeigh(sample('ip-neigh--old-iproute2.txt'))).toEqual([
      {ip: '10.0.0.1', dev: 'eth0', lladdr: 'fa:16:3e:11:22:33', state: 'REACHABLE'},
      {ip: '169.254.169.254', dev: 'eth0', state: 'FAILED'},
      {ip: '10.0.0.3', dev: 'eth0', state: 'INCOMPLETE'},
    ])
  })

  it('drops flags such as router and reads `-s` counters without confusing them for states', () => {
    expect(parseIpNeigh('fe80::1 dev eth0 lladdr FA:16:3E:00:00:01 router used 10/10/3 probes 1 STALE\n')).toEqual([{ip: 'fe80::1', dev: 'eth0', lladdr: 'fa:16:3e:00:00:01', state: 'STALE'}])
  })

  it('returns nothing for an empty cache', () => {
    expect(parseIpNeigh(sample('ip-neigh--empty.txt'))).toEqual([])
  })

  it('keeps the entries before a cut-off line or object', () => {
    for (const file of ['ip-neigh--truncated.txt', 'ip-neigh--truncated-json.txt']) {
      const n = parseIpNeigh(sample(file))
      expect(n).toEqual([{ip: '10.0.0.1', dev: 'eth0', state: 'FAILED'}])
      expect(warningsOf(n)).toHaveLength(1)
    }
  })

  it('refuses another format, error text and binary data', () => {
    expectParseError(() => parseIpNeigh(sample('proc-net-arp--failed.txt')), /not a neighbour entry/)
    expectParseError(() => parseIpNeigh('Cannot open network namespace "qdhcp-x": No such file or directory\n'), /not a neighbour entry/)
    expectParseError(() => parseIpNeigh(sample('ip-neigh--binary.txt')), /binary/)
  })
})

describe('parseProcNetArp (/proc/net/arp, net-tools and busybox arp -n)', () => {
  it('reads /proc/net/arp: flags 0x0 is unresolved (INCOMPLETE, no lladdr), 0x2 resolved', () => {
    const n = parseProcNetArp(sample('proc-net-arp--failed.txt'))
    expect(n.find((x) => x.ip === '169.254.169.254')).toEqual({ip: '169.254.169.254', dev: 'eth0', state: 'INCOMPLETE'})
    expect(n.find((x) => x.ip === '10.0.0.2')).toMatchObject({state: 'COMPLETE', lladdr: expect.stringMatching(MAC)})
  })

  it('reads net-tools arp -n, including `(incomplete)` rows, to the same list as /proc/net/arp', () => {
    const byIp = (l: {ip: string}[]): typeof l => [...l].sort((a, b) => a.ip.localeCompare(b.ip))
    expect(byIp(parseProcNetArp(sample('proc-net-arp--failed-arp-n.txt')))).toEqual(byIp(parseProcNetArp(sample('proc-net-arp--failed.txt'))))
    expect(stateOf(parseProcNetArp(sample('proc-net-arp--incomplete-arp-n.txt')), '169.254.169.254')).toBe('INCOMPLETE')
  })

  it('reads busybox arp -n lines: <incomplete>, [ether], PERM', () => {
    expect(parseProcNetArp(sample('proc-net-arp--busybox-arp-n.txt'))).toEqual([
      {ip: '10.0.0.1', dev: 'eth0', lladdr: 'fa:16:3e:11:22:33', state: 'COMPLETE'},
      {ip: '169.254.169.254', dev: 'eth0', state: 'INCOMPLETE'},
      {ip: '10.0.0.9', dev: 'eth0', lladdr: 'fa:16:3e:44:55:66', state: 'PERMANENT'},
    ])
  })

  it('returns nothing for a header-only table and stops at a cut-off row', () => {
    expect(parseProcNetArp(sample('proc-net-arp--empty.txt'))).toEqual([])
    const cut = parseProcNetArp(sample('proc-net-arp--truncated.txt'))
    expect(cut).toEqual([{ip: '10.0.0.1', dev: 'eth0', state: 'INCOMPLETE'}])
    expect(warningsOf(cut).join()).toMatch(/line 3 does not fit/)
  })

  it('refuses ip neigh output, error text and binary data', () => {
    expectParseError(() => parseProcNetArp(sample('ip-neigh--failed.txt')), /neither \/proc\/net\/arp nor arp -n/)
    expectParseError(() => parseProcNetArp('cat: /proc/net/arp: No such file or directory\n'), /neither/)
    expectParseError(() => parseProcNetArp(sample('proc-net-arp--binary.txt')), /binary/)
  })
})
