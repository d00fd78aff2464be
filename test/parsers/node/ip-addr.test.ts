import {describe, expect, it} from 'vitest'

import {ParseError} from '../../../src/parsers/errors.js'
import {parseIfconfig} from '../../../src/parsers/ifconfig.js'
import {type Link, parseIpAddrJson} from '../../../src/parsers/ip-addr.js'
import {parseIpAddrText} from '../../../src/parsers/ip-addr-text.js'
import {sample, samplesOf} from './samples.js'

const addrsOf = (links: Link[], ifname: string): string[] =>
  (links.find((l) => l.ifname === ifname)?.addrs ?? []).map((a) => `${a.family} ${a.local}/${a.prefixlen}${a.scope ? ` ${a.scope}` : ''}`)

describe('parseIpAddrJson on real ip -json addr output', () => {
  it('reads the qdhcp-like tap: the metadata address as /32, the IPv6 one as /128, state and MAC', () => {
    const links = parseIpAddrJson(sample('ip-addr--dhcp.txt'))
    expect(links.map((l) => l.ifname)).toEqual(['lo', 'tap1332271e-0d'])
    const tap = links[1] as Link
    expect(tap).toMatchObject({flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'], ifindex: 2, mac: 'fa:16:3e:b3:e8:38', state: 'UP'})
    expect(addrsOf(links, 'tap1332271e-0d')).toEqual([
      'inet 10.0.0.66/26 global',
      'inet 169.254.169.254/32 global',
      'inet6 fe80::a9fe:a9fe/128 link',
      'inet6 fe80::f816:3eff:feb3:e838/64 link',
    ])
    expect(links.warnings).toEqual([])
  })

  it('reads the Ussuri-era /16 metadata address', () => {
    expect(addrsOf(parseIpAddrJson(sample('ip-addr--old.txt')), 'tap6f046aae-21')).toContain('inet 169.254.169.254/16 global')
  })

  it('reads the qrouter-like namespace: qr- and qg- devices', () => {
    const links = parseIpAddrJson(sample('ip-addr--rtr.txt'))
    expect(links.map((l) => l.ifname)).toEqual(['lo', 'qr-1a2b3c4d-5e', 'qg-9f8e7d6c-5b'])
    expect(addrsOf(links, 'qr-1a2b3c4d-5e')[0]).toBe('inet 10.0.0.1/24 global')
  })

  it('reads -pretty output to the same result', () => {
    expect(parseIpAddrJson(sample('ip-addr--dhcp-pretty.txt'))).toEqual(parseIpAddrJson(sample('ip-addr--dhcp.txt')))
  })

  it('keeps the complete links of cut JSON and says so', () => {
    const full = sample('ip-addr--rtr.txt')
    const cut = full.slice(0, full.indexOf('"qg-9f8e7d6c-5b"') + 5)
    const links = parseIpAddrJson(cut)
    expect(links.map((l) => l.ifname)).toEqual(['lo', 'qr-1a2b3c4d-5e'])
    expect(links.warnings).toEqual(['JSON is cut off or damaged: kept the 2 complete links before the damage'])
  })

  it('refuses error text and old iproute2 without -json', () => {
    expect(() => parseIpAddrJson(sample('ip-addr--error-cannot-open-netns.txt'))).toThrow(ParseError)
    expect(() => parseIpAddrJson('Option "-json" is unknown, try "ip -help".\n')).toThrow(/not ip -json output/)
    expect(() => parseIpAddrJson('{"ifname":"lo"}')).toThrow(ParseError)
  })

  it('returns an empty list for empty output', () => {
    expect(parseIpAddrJson('')).toEqual([])
  })

  it('has an expectation for every ip-addr sample', () => {
    expect(samplesOf('ip-addr')).toEqual(['ip-addr--dhcp-pretty.txt', 'ip-addr--dhcp.txt', 'ip-addr--error-cannot-open-netns.txt', 'ip-addr--old.txt', 'ip-addr--rtr.txt'])
  })
})

describe('parseIpAddrText', () => {
  for (const ns of ['rtr', 'dhcp', 'old']) {
    it(`gives the same links as ip -json for \`ip addr\` in the ${ns} namespace`, () => {
      expect(parseIpAddrText(sample(`ip-addr-text--${ns}.txt`))).toEqual(parseIpAddrJson(sample(`ip-addr--${ns}.txt`)))
    })
    it(`gives the same addresses as ip -json for \`ip -o addr\` in the ${ns} namespace`, () => {
      const json = parseIpAddrJson(sample(`ip-addr--${ns}.txt`))
      const oneline = parseIpAddrText(sample(`ip-addr-text--${ns}-oneline.txt`))
      expect(oneline.map((l) => [l.ifname, l.ifindex, l.addrs])).toEqual(json.map((l) => [l.ifname, l.ifindex, l.addrs]))
    })
  }

  it('reads seed 002: the qdhcp tap with 169.254.169.254/16 (Ussuri and older)', () => {
    const links = parseIpAddrText(sample('ip-addr-text--seed002.txt'))
    expect(links).toEqual([
      {
        addrs: [
          {family: 'inet', local: '10.0.0.66', prefixlen: 26, scope: 'global'},
          {family: 'inet', local: '169.254.169.254', prefixlen: 16, scope: 'global'},
          {family: 'inet6', local: 'fe80::f816:3eff:feb3:e838', prefixlen: 64, scope: 'link'},
        ],
        flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
        ifindex: 18,
        ifname: 'tap1332271e-0d',
        mac: 'fa:16:3e:b3:e8:38',
        state: 'UNKNOWN',
      },
    ])
  })

  it('gives a peer address without /len a host prefix', () => {
    const [link] = parseIpAddrText('5: tun0: <POINTOPOINT,UP> mtu 1400 state UNKNOWN\n    link/none\n    inet 10.8.0.1 peer 10.8.0.2/32 scope global tun0\n')
    expect(link?.addrs).toEqual([{family: 'inet', local: '10.8.0.1', prefixlen: 32, scope: 'global'}])
  })

  it('stops at an unrecognised line after links and refuses one before any', () => {
    const links = parseIpAddrText(`${sample('ip-addr-text--seed002.txt')}Segmentation fault\n`)
    expect(links).toHaveLength(1)
    expect(links.warnings).toEqual([expect.stringMatching(/^line 9: not ip addr output/)])
    expect(() => parseIpAddrText('Device "tap1" does not exist.\n')).toThrow(/not ip addr output/)
  })
})

describe('parseIfconfig', () => {
  it('reads seed 002: netmask to prefix, IPv6 scope, MAC', () => {
    const links = parseIfconfig(sample('ifconfig--seed002.txt'))
    expect(links).toEqual([
      {
        addrs: [
          {family: 'inet', local: '10.0.0.66', prefixlen: 26},
          {family: 'inet6', local: 'fe80::f816:3eff:feb3:e838', prefixlen: 64, scope: 'link'},
        ],
        flags: ['UP', 'BROADCAST', 'RUNNING', 'MULTICAST'],
        ifname: 'tap1332271e-0d',
        mac: 'fa:16:3e:b3:e8:38',
      },
    ])
  })

  for (const ns of ['rtr', 'dhcp', 'old']) {
    it(`finds every ip -json address except secondary IPv4 ones in the ${ns} namespace, and warns about that`, () => {
      const json = parseIpAddrJson(sample(`ip-addr--${ns}.txt`))
      const ifc = parseIfconfig(sample(`ifconfig--${ns}.txt`))
      expect(ifc.map((l) => l.ifname).sort()).toEqual(json.map((l) => l.ifname).sort())
      for (const link of json) {
        const got = ifc.find((l) => l.ifname === link.ifname) as Link
        const firstV4 = link.addrs.find((a) => a.family === 'inet')
        const wanted = link.addrs.filter((a) => a.family === 'inet6' || a === firstV4)
        expect(got.addrs.map((a) => `${a.local}/${a.prefixlen}`).sort()).toEqual(wanted.map((a) => `${a.local}/${a.prefixlen}`).sort())
        expect(got.mac).toBe(link.ifname === 'lo' ? undefined : link.mac)
      }
      expect(ifc.warnings).toEqual([expect.stringContaining('secondary addresses (such as 169.254.169.254 on a DHCP tap) are not listed')])
    })
  }

  it('reads the old net-tools format', () => {
    const [link] = parseIfconfig(
      ['eth0      Link encap:Ethernet  HWaddr fa:16:3e:b3:e8:38', '          inet addr:10.0.0.66  Bcast:10.0.0.127  Mask:255.255.255.192', '          inet6 addr: fe80::f816:3eff:feb3:e838/64 Scope:Link', '          UP BROADCAST RUNNING MULTICAST  MTU:1450  Metric:1', ''].join('\n'),
    )
    expect(link).toEqual({
      addrs: [
        {family: 'inet', local: '10.0.0.66', prefixlen: 26},
        {family: 'inet6', local: 'fe80::f816:3eff:feb3:e838', prefixlen: 64, scope: 'link'},
      ],
      flags: ['UP', 'BROADCAST', 'RUNNING', 'MULTICAST'],
      ifname: 'eth0',
      mac: 'fa:16:3e:b3:e8:38',
    })
  })

  it('leaves out an address with a non-contiguous netmask, with a warning', () => {
    const links = parseIfconfig('eth0: flags=4163<UP>  mtu 1500\n        inet 10.0.0.5  netmask 255.0.255.0\n')
    expect(links[0]?.addrs).toEqual([])
    expect(links.warnings[0]).toMatch(/not a contiguous mask/)
  })

  it('refuses error text', () => {
    expect(() => parseIfconfig('bash: ifconfig: command not found\n')).toThrow(ParseError)
  })
})
