import {describe, expect, it} from 'vitest'

import {ParseError} from '../../../src/parsers/errors.js'
import {parseProxyCmdline} from '../../../src/parsers/neutron-proxy-cmdline.js'
import {parsePsOutput} from '../../../src/parsers/ps.js'
import {sample, samplesOf} from './samples.js'

const R = '5a3c3b4e-1111-2222-3333-444455556666'
const N = '2c4b658c-f2a0-4a17-9ad2-c07e45e13a8a'
const OLD = 'c43ebbe2-8f20-42c3-bf03-f87f7d062f94'

const HAVANA_PROXY = {
  id: OLD,
  idKind: 'router',
  kind: 'neutron-ns-metadata-proxy',
  pidFile: `/var/lib/neutron/external/pids/${OLD}.pid`,
  port: 9697,
  socketPath: '/var/lib/neutron/metadata_proxy',
  statePath: '/var/lib/neutron',
}

/** A sample is one argv per line (from /proc/PID/cmdline) or one blank-separated line (`tr '\0' ' '`). */
const argvOf = (text: string): string[] => {
  const lines = text.split('\n').filter((l) => l !== '')
  return lines.length === 1 ? (lines[0] as string).trim().split(/\s+/) : lines
}

describe('parseProxyCmdline', () => {
  const cases: Record<string, unknown> = {
    'neutron-proxy-cmdline--haproxy-proc.txt': {configPath: expect.stringMatching(new RegExp(`/ns-metadata-proxy/${R}\\.conf$`)), id: R, kind: 'haproxy'},
    'neutron-proxy-cmdline--python-proxy-proc.txt': HAVANA_PROXY,
    'neutron-proxy-cmdline--seed002-agent-not-a-proxy.txt': undefined,
    'neutron-proxy-cmdline--seed002-proc-tr-space.txt': {configPath: `/opt/stack/data/neutron/ns-metadata-proxy/${N}.conf`, id: N, kind: 'haproxy'},
  }
  it('has an expectation for every cmdline sample', () => {
    expect(samplesOf('neutron-proxy-cmdline')).toEqual(Object.keys(cases).sort())
  })
  for (const [file, want] of Object.entries(cases)) {
    it(`reads ${file}`, () => expect(parseProxyCmdline(argvOf(sample(file)))).toEqual(want))
  }

  it('reads space-separated flags and a network id, behind an `ip netns exec` wrapper', () => {
    expect(
      parseProxyCmdline(['ip', 'netns', 'exec', `qdhcp-${N}`, '/usr/bin/python', '/usr/bin/neutron-ns-metadata-proxy', '--network_id', N, '--metadata_port', '80', '--metadata_proxy_socket', '/run/sock']),
    ).toEqual({id: N, idKind: 'network', kind: 'neutron-ns-metadata-proxy', port: 80, socketPath: '/run/sock'})
  })

  it('tells the OVN proxy from its config directory and takes -p as the pid file', () => {
    expect(parseProxyCmdline(['haproxy', '-f', `/var/lib/neutron/ovn-metadata-proxy/${N}.conf`, '-p', '/run/h.pid'])).toEqual({
      configPath: `/var/lib/neutron/ovn-metadata-proxy/${N}.conf`,
      id: N,
      idKind: 'network',
      kind: 'ovn-haproxy',
      pidFile: '/run/h.pid',
    })
  })

  it('ignores a haproxy that is not a neutron metadata proxy, and empty argv', () => {
    expect(parseProxyCmdline(['/usr/sbin/haproxy', '-Ws', '-f', '/etc/haproxy/haproxy.cfg'])).toBeUndefined()
    expect(parseProxyCmdline(['haproxy'])).toBeUndefined()
    expect(parseProxyCmdline([])).toBeUndefined()
    expect(parseProxyCmdline(['', '', ''])).toBeUndefined()
  })
})

describe('parsePsOutput', () => {
  it('reads `ps -eww -o pid=,user=,args=` from the lab', () => {
    const rows = parsePsOutput(sample('ps--eww-pid-user-args.txt'))
    expect(rows.map((r) => [r.user, r.args[0]])).toEqual([
      ['root', 'haproxy'],
      ['root', 'haproxy'],
      ['nobody', 'dnsmasq'],
      ['root', '/usr/bin/python3'],
    ])
    expect(rows.map((r) => parseProxyCmdline(r.args)?.id)).toEqual([R, N, undefined, OLD])
    expect(rows.warnings).toEqual([])
  })

  it('reads `ps -f` of the lab haproxys', () => {
    const rows = parsePsOutput(sample('ps--f-haproxy.txt'))
    expect(rows.map((r) => parseProxyCmdline(r.args)?.id)).toEqual([R, N])
    expect(rows.every((r) => r.user === 'root' && r.pid > 0)).toBe(true)
  })

  it('rejoins `ps -f | fold -s -w 90` lines from the lab into one command line', () => {
    const [row, ...rest] = parsePsOutput(sample('ps--f-folded-python-proxy.txt'))
    expect(rest).toEqual([])
    expect(parseProxyCmdline(row?.args ?? [])).toEqual(HAVANA_PROXY)
    expect(row?.args.at(-1)).toBe('--log-dir=/var/log/neutron')
  })

  it('rejoins seed 000 folded proxy output and finds the router', () => {
    const rows = parsePsOutput(sample('ps--seed000-f-folded-proxy.txt'))
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({pid: 32120, user: 'root'})
    expect(parseProxyCmdline(rows[0]?.args ?? [])).toEqual(HAVANA_PROXY)
  })

  it('reads seed 000 agent output with a numeric user', () => {
    expect(parsePsOutput(sample('ps--seed000-f-folded-agent.txt'))).toEqual([
      {args: ['/usr/bin/python', '/usr/bin/neutron-metadata-agent', '--config-file', '/etc/neutron/neutron.conf', '--config-file', '/etc/neutron/metadata_agent.ini'], pid: 31855, user: '108'},
    ])
  })

  it('reads seed 000 nova-api output', () => {
    expect(parsePsOutput(sample('ps--seed000-f-nova-api.txt'))).toEqual([{args: ['/usr/bin/python', '/usr/bin/nova-api', '--config-file=/etc/nova/nova.conf'], pid: 1714, user: 'nova'}])
  })

  it('has an expectation for every ps sample', () => {
    expect(samplesOf('ps')).toEqual(['ps--eww-pid-user-args.txt', 'ps--f-folded-python-proxy.txt', 'ps--f-haproxy.txt', 'ps--seed000-f-folded-agent.txt', 'ps--seed000-f-folded-proxy.txt', 'ps--seed000-f-nova-api.txt'])
  })

  it('reads ps aux and headerless ps -ef', () => {
    const aux = 'USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\nroot       10177  0.0  0.1  12345  6789 ?        Ss   09:59   0:00 haproxy -f /x.conf\n'
    expect(parsePsOutput(aux)).toEqual([{args: ['haproxy', '-f', '/x.conf'], pid: 10177, user: 'root'}])
    expect(parsePsOutput('root     10177     1  0 09:59 ?        00:00:00 haproxy -f /x.conf\n')).toEqual([{args: ['haproxy', '-f', '/x.conf'], pid: 10177, user: 'root'}])
  })

  it('stops at a line that is not a row in pid=,user=,args= output, keeping the rows before', () => {
    const rows = parsePsOutput('1 root /sbin/init\nerror: garbage\n2 root kthreadd\n')
    expect(rows.map((r) => r.pid)).toEqual([1])
    expect(rows.warnings).toEqual([expect.stringMatching(/^line 2: not a ps row/)])
  })

  it('refuses error text', () => {
    expect(() => parsePsOutput('error: unsupported option (BSD syntax)\n')).toThrow(ParseError)
  })
})
