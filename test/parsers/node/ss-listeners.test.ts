import {describe, expect, it} from 'vitest'

import {ParseError} from '../../../src/parsers/errors.js'
import {type Listener, parseSsListeners} from '../../../src/parsers/ss-listeners.js'
import {isRefusedSample, sample, samplesOf} from './samples.js'

/** What capture.sh started in each namespace: `proto address[%iface]:port` → process name. */
const EXPECTED: Record<string, Record<string, string>> = {
  dhcp: {
    'tcp 10.0.0.66:53': 'dnsmasq',
    'tcp 127.0.0.1:53': 'dnsmasq',
    'tcp 127.0.0.53%lo:53': 'python3',
    'tcp 169.254.169.254:53': 'dnsmasq',
    'tcp 169.254.169.254:80': 'haproxy',
    'tcp ::1:53': 'dnsmasq',
    'tcp fe80::a9fe:a9fe%tap1332271e-0d:53': 'dnsmasq',
    'tcp fe80::a9fe:a9fe%tap1332271e-0d:80': 'haproxy',
    'tcp fe80::f816:3eff:feb3:e838%tap1332271e-0d:53': 'dnsmasq',
    'udp 0.0.0.0%tap1332271e-0d:67': 'dnsmasq',
    'udp 10.0.0.66:53': 'dnsmasq',
    'udp 127.0.0.1:53': 'dnsmasq',
    'udp 127.0.0.53%lo:53': 'python3',
    'udp 169.254.169.254:53': 'dnsmasq',
    'udp ::1:53': 'dnsmasq',
    'udp fe80::a9fe:a9fe%tap1332271e-0d:53': 'dnsmasq',
    'udp fe80::f816:3eff:feb3:e838%tap1332271e-0d:53': 'dnsmasq',
  },
  rtr: {
    // haproxy `bind :::9697` with v6only:0: ss 6.1 prints the dual-stack socket as `*`
    'tcp *:9697': 'haproxy',
    // an IPV6_V6ONLY socket on ::, printed [::]:8776
    'tcp :::8776': 'python3',
    'tcp 127.0.0.1:8775': 'python3',
    'udp 127.0.0.1:5353': 'nc',
    'unix <state>/run/metadata_proxy:0': 'python3',
  },
}

const keyOf = (l: Listener): string =>
  `${l.proto} ${l.address.replace(/^\/tmp\/mdnp-capture\.[^/]+\/state/, '<state>')}${l.iface ? `%${l.iface}` : ''}:${l.port}`

/** `ss-listeners--rtr-Hnltep.txt` → namespace rtr, flags {t, e, p}; `state listening` → t, e. */
function variant(file: string): {ns: string; flags: Set<string>} {
  const m = /^ss-listeners--(rtr|dhcp)-(.+)\.txt$/.exec(file)
  if (!m) throw new Error(file)
  return {flags: new Set((m[2] as string).replace('statelistening', '').replace('H', '')), ns: m[1] as string}
}

describe('parseSsListeners on ss output from lab namespaces', () => {
  const files = samplesOf('ss-listeners').filter((f) => /--(rtr|dhcp)-/.test(f))

  it('covers every ss variant mdctl and operators run, in both namespaces', () => {
    for (const v of ['Hntestatelistening', 'Hnlt', 'Hnltp', 'Hnlte', 'Hnltep', 'Hnlteu', 'Hnltu', 'Hnltup', 'Hnlu', 'Hnlup', 'Hxl', 'Hxlp', 'Hxlep', 'nltp']) {
      expect(files).toContain(`ss-listeners--rtr-${v}.txt`)
      expect(files).toContain(`ss-listeners--dhcp-${v}.txt`)
    }
  })

  for (const file of files) {
    const {flags, ns} = variant(file)
    const protos = new Set([flags.has('t') && 'tcp', flags.has('u') && 'udp', flags.has('x') && 'unix'].filter(Boolean))
    const expected = Object.entries(EXPECTED[ns] as Record<string, string>).filter(([k]) => protos.has(k.split(' ')[0] as string))

    it(`${file}: finds exactly the listeners that were started, with ${flags.has('p') ? '' : 'no '}processes and ${flags.has('e') ? '' : 'no '}-e details`, () => {
      const got = parseSsListeners(sample(file))
      expect(got.map(keyOf).sort()).toEqual(expected.map(([k]) => k).sort())
      for (const l of got) {
        const name = EXPECTED[ns]?.[keyOf(l)]
        if (flags.has('p')) expect(l.processes.map((p) => p.name)).toEqual([name])
        else expect(l.processes).toEqual([])
        if (l.proto === 'unix') {
          expect(l.inode).toBeGreaterThan(0)
          expect(l.fileInode !== undefined).toBe(flags.has('e'))
          expect(l.uid).toBeUndefined()
        } else {
          expect(l.inode !== undefined).toBe(flags.has('e'))
          expect(l.uid !== undefined).toBe(flags.has('e'))
        }
      }
      if (flags.has('x') && ns === 'dhcp') expect(got.warnings).toEqual(['skipped 1 unix datagram socket (not a listener)'])
      else expect(got.warnings).toEqual([])
    })
  }

  it('reads uid, v6only and the socket inode that -e adds', () => {
    const rtr = parseSsListeners(sample('ss-listeners--rtr-Hnltep.txt'))
    expect(rtr.find((l) => l.port === 8775)?.uid).toBe(65534)
    expect(rtr.find((l) => l.port === 9697)).toMatchObject({address: '*', uid: 0, v6only: false})
    expect(rtr.find((l) => l.port === 8776)).toMatchObject({address: '::', v6only: true})
    const dhcp = parseSsListeners(sample('ss-listeners--dhcp-Hnltep.txt'))
    expect(dhcp.find((l) => l.port === 80 && l.address === 'fe80::a9fe:a9fe')?.v6only).toBe(true)
  })

  it('gives the unix socket both inodes: the socket (port column) and, with -e, the file on disk', () => {
    const [withE] = parseSsListeners(sample('ss-listeners--rtr-Hxlep.txt'))
    const [plain] = parseSsListeners(sample('ss-listeners--rtr-Hxl.txt'))
    expect(withE?.inode).toBe(plain?.inode)
    expect(withE?.fileInode).not.toBe(withE?.inode)
  })

  it('parses the old python proxy listening on 0.0.0.0:9697', () => {
    expect(parseSsListeners(sample('ss-listeners--old-python-proxy-Hnltp.txt'))).toEqual([
      {address: '0.0.0.0', port: 9697, processes: [{fd: 3, name: 'python3', pid: expect.any(Number)}], proto: 'tcp'},
    ])
  })

  for (const file of samplesOf('ss-listeners').filter(isRefusedSample)) {
    it(`refuses ${file} with a ParseError naming the error`, () => {
      expect(() => parseSsListeners(sample(file))).toThrow(ParseError)
      expect(() => parseSsListeners(sample(file))).toThrow(/not ss output: ".*(Cannot open network namespace|nsenter: cannot open)/)
    })
  }
})

describe('parseSsListeners address forms', () => {
  const one = (line: string, proto?: 'tcp' | 'udp'): Listener => parseSsListeners(line, proto)[0] as Listener

  it('splits host and port at the last colon, drops brackets, keeps the %iface', () => {
    expect(one('LISTEN 0 4096 [::]:9697 [::]:*')).toMatchObject({address: '::', port: 9697})
    expect(one('LISTEN 0 4096 *:9697 *:*')).toMatchObject({address: '*', port: 9697})
    expect(one('LISTEN 0 4096 [fe80::a9fe:a9fe]%tap1:80 [::]:*')).toMatchObject({address: 'fe80::a9fe:a9fe', iface: 'tap1', port: 80})
    expect(one('UNCONN 0 0 127.0.0.53%lo:53 0.0.0.0:*')).toMatchObject({address: '127.0.0.53', iface: 'lo', port: 53, proto: 'udp'})
    // iproute2 3.x (CentOS 7) printed the IPv6 wildcard unbracketed
    expect(one('LISTEN 0 128 :::9697 :::*')).toMatchObject({address: '::', port: 9697})
  })

  it('uses defaultProto for lines without a Netid column and infers it otherwise', () => {
    expect(one('UNCONN 0 0 0.0.0.0:67 0.0.0.0:*').proto).toBe('udp')
    expect(one('0 5 0.0.0.0:9697 0.0.0.0:* ino:6998 sk:1 cgroup:/ <->').proto).toBe('tcp')
    expect(one('0 5 0.0.0.0:67 0.0.0.0:* ino:6998 sk:1 cgroup:/ <->', 'udp').proto).toBe('udp')
  })

  it('reads the example lines of the ss contract', () => {
    expect(one('0      5      0.0.0.0:9697 0.0.0.0:* ino:6998 sk:1 cgroup:/ <->')).toEqual({address: '0.0.0.0', inode: 6998, port: 9697, processes: [], proto: 'tcp', uid: 0})
    expect(one('u_str LISTEN 0 4096 /var/lib/neutron/metadata_proxy 123456 * 0 users:(("neutron-metadat",pid=1,fd=5))')).toEqual({
      address: '/var/lib/neutron/metadata_proxy',
      inode: 123456,
      port: 0,
      processes: [{fd: 5, name: 'neutron-metadat', pid: 1}],
      proto: 'unix',
    })
  })

  it('keeps a unix path with a blank and an abstract socket name', () => {
    expect(one('u_str LISTEN 0 5 /run/my dir/sock 77 * 0').address).toBe('/run/my dir/sock')
    expect(one('u_str LISTEN 0 5 @/tmp/.X11-unix/X0 78 * 0').address).toBe('@/tmp/.X11-unix/X0')
  })

  it('reads several processes sharing a socket and the pre-4.x users format', () => {
    expect(one('LISTEN 0 128 *:80 *:* users:(("haproxy",pid=10,fd=4),("haproxy",pid=11,fd=4))').processes.map((p) => p.pid)).toEqual([10, 11])
    expect(one('LISTEN 0 128 *:22 *:* users:(("sshd",1234,3))').processes).toEqual([{fd: 3, name: 'sshd', pid: 1234}])
  })

  it('skips connected sockets with a warning and stops at a cut line', () => {
    const got = parseSsListeners('tcp ESTAB 0 0 10.0.0.1:22 10.0.0.2:5555\ntcp LISTEN 0 5 0.0.0.0:9697 0.0.0.0:*\ntcp LISTEN 0 5 0.0.0.0:8\n')
    expect(got.map((l) => l.port)).toEqual([9697])
    expect(got.warnings).toEqual([expect.stringMatching(/^line 3: not an ss socket line/), 'skipped 1 ESTAB socket (not a listener)'])
  })

  it('returns an empty list for empty output (nothing listens)', () => {
    expect(parseSsListeners('')).toEqual([])
  })
})
