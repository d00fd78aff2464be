import {describe, expect, it} from 'vitest'

import {ParseError} from '../../../src/parsers/errors.js'
import {parseNetstatListeners} from '../../../src/parsers/netstat-listeners.js'
import {type Listener, parseSsListeners} from '../../../src/parsers/ss-listeners.js'
import {sample, samplesOf} from './samples.js'

const stateDir = (p: string): string => p.replace(/^\/tmp\/mdnp-capture\.[^/]+\/state/, '<state>')

/** What netstat shows for the listeners capture.sh started (no %iface; dual-stack `::`, not `*`). */
const EXPECTED: Record<string, Record<string, string>> = {
  dhcp: {
    'tcp ::1:53': 'dnsmasq',
    'tcp 10.0.0.66:53': 'dnsmasq',
    'tcp 127.0.0.1:53': 'dnsmasq',
    'tcp 127.0.0.53:53': 'python3',
    'tcp 169.254.169.254:53': 'dnsmasq',
    'tcp 169.254.169.254:80': 'haproxy',
    'tcp fe80::a9fe:a9fe:53': 'dnsmasq',
    'tcp fe80::a9fe:a9fe:80': 'haproxy',
    // cut by netstat's 23-character column: really fe80::f816:3eff:feb3:e838
    'tcp fe80::f816:3eff:feb3:53': 'dnsmasq',
    'udp ::1:53': 'dnsmasq',
    'udp 0.0.0.0:67': 'dnsmasq',
    'udp 10.0.0.66:53': 'dnsmasq',
    'udp 127.0.0.1:53': 'dnsmasq',
    'udp 127.0.0.53:53': 'python3',
    'udp 169.254.169.254:53': 'dnsmasq',
    'udp fe80::a9fe:a9fe:53': 'dnsmasq',
    'udp fe80::f816:3eff:feb3:53': 'dnsmasq',
  },
  rtr: {
    'tcp 127.0.0.1:8775': 'python3',
    'tcp :::9697': 'haproxy',
    'tcp :::8776': 'python3',
    'udp 127.0.0.1:5353': 'nc',
    'unix <state>/run/metadata_proxy:0': 'python3',
  },
}

const keyOf = (l: Listener): string => `${l.proto} ${stateDir(l.address)}:${l.port}`

describe('parseNetstatListeners on netstat output from lab namespaces', () => {
  const files = samplesOf('netstat-listeners').filter((f) => /--(rtr|dhcp)-/.test(f))

  it('covers netstat -nlpt, -lntup and -lxp with and without -p, in both namespaces', () => {
    for (const v of ['nlpt', 'lntup', 'lxp', 'lx', 'nlt', 'lntu']) {
      expect(files).toContain(`netstat-listeners--rtr-${v}.txt`)
      expect(files).toContain(`netstat-listeners--dhcp-${v}.txt`)
    }
  })

  for (const file of files) {
    const [, ns, flags] = /--(rtr|dhcp)-(\w+)\.txt$/.exec(file) as unknown as [string, string, string]
    const protos = new Set([flags.includes('t') && 'tcp', flags.includes('u') && 'udp', flags.includes('x') && 'unix'].filter(Boolean))
    const expected = Object.entries(EXPECTED[ns] as Record<string, string>).filter(([k]) => protos.has(k.split(' ')[0] as string))

    it(`${file}: finds exactly the started listeners, ${flags.includes('p') ? 'with' : 'without'} processes`, () => {
      const got = parseNetstatListeners(sample(file))
      expect(got.map(keyOf).sort()).toEqual(expected.map(([k]) => k).sort())
      for (const l of got) {
        expect(l.processes.map((p) => p.name)).toEqual(flags.includes('p') ? [EXPECTED[ns]?.[keyOf(l)]] : [])
        if (l.proto === 'unix') expect(l.inode).toBeGreaterThan(0)
      }
      const truncated = got.filter((l) => l.address === 'fe80::f816:3eff:feb3').length
      expect(got.warnings).toEqual(Array.from({length: truncated}, () => expect.stringMatching(/may be cut; use `netstat -W` or ss/)))
    })
  }

  it('agrees with ss on the same sockets captured at the same moment (pid, port, protocol)', () => {
    for (const ns of ['rtr', 'dhcp']) {
      const bySs = [...parseSsListeners(sample(`ss-listeners--${ns}-Hnltup.txt`)), ...parseSsListeners(sample(`ss-listeners--${ns}-Hxlp.txt`))]
      const byNetstat = [...parseNetstatListeners(sample(`netstat-listeners--${ns}-lntup.txt`)), ...parseNetstatListeners(sample(`netstat-listeners--${ns}-lxp.txt`))]
      const ids = (ls: Listener[]): string[] => ls.map((l) => `${l.proto} ${l.port} ${l.processes.map((p) => p.pid).join(',')} ${l.inode ?? ''}`).sort()
      expect(ids(byNetstat)).toEqual(ids(bySs.map((l) => ({...l, inode: l.proto === 'unix' ? l.inode : undefined}))))
    }
  })
})

describe('parseNetstatListeners on the seeds', () => {
  it('reads seed 000: the Havana python proxy on 0.0.0.0:9697', () => {
    expect(parseNetstatListeners(sample('netstat-listeners--seed000-nlpt-9697.txt'))).toEqual([{address: '0.0.0.0', port: 9697, processes: [{name: 'python', pid: 32120}], proto: 'tcp'}])
  })

  it('reads seed 000: nova-api on 0.0.0.0:8775', () => {
    expect(parseNetstatListeners(sample('netstat-listeners--seed000-nova-8775.txt'))).toEqual([{address: '0.0.0.0', port: 8775, processes: [{name: 'python', pid: 1714}], proto: 'tcp'}])
  })

  it('reads seed 000: the metadata agent on its unix socket', () => {
    expect(parseNetstatListeners(sample('netstat-listeners--seed000-lxp.txt'))).toEqual([
      {address: '/var/lib/neutron/metadata_proxy', inode: 122282583, port: 0, processes: [{name: 'python', pid: 31855}], proto: 'unix'},
    ])
  })

  it('reads seed 002: haproxy on 0.0.0.0:80 in qdhcp, and flags the cut IPv6 address', () => {
    const got = parseNetstatListeners(sample('netstat-listeners--seed002-lnpt.txt'))
    expect(got.map((l) => `${l.address}:${l.port} ${l.processes[0]?.name}`)).toEqual([
      '0.0.0.0:80 haproxy',
      '10.0.0.66:53 dnsmasq',
      '169.254.169.254:53 dnsmasq',
      'fe80::f816:3eff:feb3:53 dnsmasq',
    ])
    expect(got.warnings).toEqual(['address "fe80::f816:3eff:feb3:53" fills netstat\'s column and may be cut; use `netstat -W` or ss'])
  })
})

describe('parseNetstatListeners edge cases', () => {
  it('skips established tcp and connected udp sockets with a warning', () => {
    const got = parseNetstatListeners(
      ['tcp        0      0 10.0.0.1:22             10.0.0.2:5555           ESTABLISHED 100/sshd', 'udp        0      0 127.0.0.1:53            127.0.0.1:40000         ESTABLISHED 520/node', 'tcp        0      0 0.0.0.0:9697            0.0.0.0:*               LISTEN      1/haproxy'].join('\n'),
    )
    expect(got.map((l) => l.port)).toEqual([9697])
    expect(got.warnings.sort()).toEqual(['skipped 1 ESTABLISHED tcp socket (not a listener)', 'skipped 1 connected udp socket (not a listener)'])
  })

  it('gives no process for a `-` PID column (not root)', () => {
    expect(parseNetstatListeners('tcp        0      0 0.0.0.0:9697            0.0.0.0:*               LISTEN      -\n')[0]?.processes).toEqual([])
  })

  it('stops at a cut line and keeps the listeners before it', () => {
    const got = parseNetstatListeners('tcp        0      0 0.0.0.0:9697            0.0.0.0:*               LISTEN      1/haproxy\ntcp        0      0 0.0.\n')
    expect(got).toHaveLength(1)
    expect(got.warnings).toEqual([expect.stringMatching(/^line 2: not a netstat socket line/)])
  })

  it('refuses netstat -e output, whose extra columns would shift the PID', () => {
    expect(() => parseNetstatListeners('Proto Recv-Q Send-Q Local Address           Foreign Address         State       User       Inode      PID/Program name\n')).toThrow(/netstat -e/)
  })

  it('refuses error text with a ParseError', () => {
    expect(() => parseNetstatListeners('bash: netstat: command not found\n')).toThrow(ParseError)
    expect(() => parseNetstatListeners('Cannot open network namespace "qrouter-x": No such file or directory\n')).toThrow(/not netstat output/)
  })

  it('returns an empty list for empty output and for headers alone', () => {
    expect(parseNetstatListeners('')).toEqual([])
    expect(parseNetstatListeners(sample('netstat-listeners--dhcp-lxp.txt'))).toEqual([])
  })
})
