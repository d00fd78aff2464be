import {describe, expect, it} from 'vitest'

import {ParseError} from '../../../src/parsers/errors.js'
import {parseNetstatNeopa} from '../../../src/parsers/netstat-neopa.js'
import {parsePsAlx} from '../../../src/parsers/ps-alx.js'
import {parsePsAuxm} from '../../../src/parsers/ps-auxm.js'
import {parsePsElfL} from '../../../src/parsers/ps-elfl.js'
import {parseSsPeaonmi} from '../../../src/parsers/ss-peaonmi.js'
import {sample} from './samples.js'

// Samples: Debian's sos 4.0 run on the lab (healthy-router, --system-paths); read by hand.
describe('netstat -W -neopa (sosreport namespaces)', () => {
  it("finds haproxy's dual-stack listener on 9697 in a qrouter, with its inode and uid", () => {
    expect(parseNetstatNeopa(sample('netstat-neopa--sos40-qrouter.txt'))).toEqual([{address: '::', inode: 97728, port: 9697, processes: [{name: 'haproxy', pid: 31362}], proto: 'tcp', uid: 0}])
  })

  it('returns no listener for a qdhcp with only dnsmasq on udp and a datagram socket', () => {
    expect(parseNetstatNeopa(sample('netstat-neopa--sos40-qdhcp.txt'))).toEqual([])
  })

  it('keeps LISTEN and LISTENING sockets of the root namespace, skips TIME_WAIT, and reads a cut program name as printed', () => {
    const ls = parseNetstatNeopa(sample('netstat-neopa--sos40-root.txt'))
    expect(ls.map((l) => `${l.proto} ${l.address}:${l.port} ${l.processes.map((p) => `${p.pid}/${p.name}`).join(',')}`)).toEqual([
      'tcp 0.0.0.0:2024 ',
      'tcp 127.0.0.1:8775 31298/nova-api-meta',
      'tcp 127.0.0.1:18881 14531/python3',
      'unix /var/lib/neutron/metadata_proxy:0 31300/neutron-metad',
    ])
    expect(ls[3]?.inode).toBe(98463)
  })

  it('refuses the error sos records when netstat is missing in the namespace', () => {
    expect(() => parseNetstatNeopa('exec of "netstat" failed: No such file or directory\n')).toThrow(ParseError)
  })

  it('refuses binary data and stays linear on a huge line', () => {
    expect(() => parseNetstatNeopa('tcp\u0000\u0000\u0000')).toThrow(ParseError)
    const started = performance.now()
    parseNetstatNeopa(`Proto Recv-Q\ntcp ${'0 '.repeat(200_000)}\n`)
    expect(performance.now() - started).toBeLessThan(2000)
  })
})

describe('ss -peaonmi (sosreports where the diag modules are loaded)', () => {
  // iproute2 6.1, root namespace of this machine plus a node process listening on a unix path and *:19697
  it('keeps TCP and unix stream listeners with their processes and inodes, skips established sockets and skmem lines', () => {
    expect(parseSsPeaonmi(sample('ss-peaonmi--root.txt'))).toEqual([
      {address: '/tmp/sosx/mdsos.sock', fileInode: 2146350, inode: 834627, port: 0, processes: [{fd: 19, name: 'node', pid: 10785}], proto: 'unix'},
      {address: '0.0.0.0', inode: 1501, port: 2024, processes: [], proto: 'tcp'},
      {address: '127.0.0.1', inode: 33633, port: 18881, processes: [{fd: 3, name: 'python3', pid: 14531}], proto: 'tcp'},
      {address: '*', inode: 834629, port: 19697, processes: [{fd: 20, name: 'node', pid: 10785}], proto: 'tcp', v6only: false},
    ])
  })

  it('reads a listener bound to a device, and refuses error text', () => {
    const [l] = parseSsPeaonmi('tcp   LISTEN 0      1024   169.254.169.254%tap1332271e-0d:80      0.0.0.0:*    users:(("haproxy",pid=3144,fd=7)) uid:996 ino:41201 sk:1 <->\n')
    expect(l).toMatchObject({address: '169.254.169.254', iface: 'tap1332271e-0d', port: 80, uid: 996})
    expect(() => parseSsPeaonmi('exec of "ss" failed: No such file or directory\n')).toThrow(ParseError)
  })
})

describe('sos process lists', () => {
  const lab = (rows: Array<{pid: number; args: string[]}>): string[] => rows.filter((r) => /haproxy|neutron-metadata|nova-api|dnsmasq/.test(r.args[0] ?? '')).map((r) => `${r.pid} ${r.args[0]}`)
  const want = ['31295 dnsmasq', '31298 nova-api-metadata', '31300 neutron-metadata-agent', '31362 haproxy']

  it('ps auxwwwm: drops the thread rows and keeps each process once', () => {
    const rows = parsePsAuxm(sample('sos-ps_auxwwwm.txt'))
    expect(lab(rows)).toEqual(want)
    expect(rows.some((r) => r.args[0] === '-')).toBe(false)
    expect(rows.find((r) => r.pid === 31362)?.args.slice(0, 2)).toEqual(['haproxy', '-f'])
  })

  it('ps -elfL: one row per process although every thread has a row', () => {
    const rows = parsePsElfL(sample('sos-ps_-elfL.txt'))
    expect(rows.filter((r) => r.pid === 31298)).toHaveLength(1)
    expect(rows.filter((r) => r.pid === 1)).toHaveLength(1)
    expect(rows.find((r) => r.pid === 31295)?.user).toBe('nobody')
  })

  it('ps alxwww: numeric uids as users, the command after the TIME column', () => {
    const rows = parsePsAlx(sample('sos-ps_alxwww.txt'))
    expect(lab(rows)).toEqual(want)
    expect(rows.find((r) => r.pid === 31295)?.user).toBe('65534')
    expect(rows.find((r) => r.pid === 2)?.args).toEqual(['[kthreadd]'])
  })

  it('refuse text that is not their format', () => {
    for (const parse of [parsePsElfL, parsePsAlx, parsePsAuxm]) expect(() => parse('exec of "ps" failed: No such file or directory\n')).toThrow(ParseError)
  })
})
