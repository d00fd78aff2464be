import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {type NeutronHaproxyOptions, renderNeutronHaproxyConfig} from '../../../src/lib/neutron-haproxy-template.js'
import {ParseError} from '../../../src/parsers/errors.js'
import {type HaproxyConfig, metadataIdentity, parseHaproxyConfig} from '../../../src/parsers/haproxy-config.js'
import {sample, samplesOf} from './samples.js'

const R = '5a3c3b4e-1111-2222-3333-444455556666'
const N = '2c4b658c-f2a0-4a17-9ad2-c07e45e13a8a'
const SOCK = '/var/lib/neutron/metadata_proxy'
const pid = (id: string, suffix = '.pid.haproxy'): string => `/var/lib/neutron/external/pids/${id}${suffix}`

describe('renderNeutronHaproxyConfig renders byte for byte what neutron renders', () => {
  // Goldens: neutron's own template strings filled by samples/render-golden.py.
  const goldens: Record<string, NeutronHaproxyOptions> = {
    'haproxy-config--golden-master-dhcp-v6.txt': {bind: '169.254.169.254:80', bindV6Line: 'bind [fe80::a9fe:a9fe]:80 interface tap1332271e-0d', group: 'neutron', id: N, kind: 'network', pidfile: pid(N), socketPath: SOCK, user: 'neutron'},
    'haproxy-config--golden-master-ovn.txt': {bind: '169.254.169.254:80', group: 'neutron', id: N, kind: 'ovn-network', pidfile: pid(N), socketPath: SOCK, user: 'neutron'},
    'haproxy-config--golden-master-router.txt': {bind: ':::9697', group: 'neutron', id: R, kind: 'router', pidfile: pid(R), socketPath: SOCK, user: 'neutron'},
    'haproxy-config--golden-pike-network.txt': {bind: '0.0.0.0:80', group: 'neutron', id: N, kind: 'network', pidfile: pid(N, '.pid'), release: 'pike', socketPath: SOCK, user: 'neutron'},
  }
  for (const [file, opts] of Object.entries(goldens)) {
    it(`matches ${file}`, () => {
      expect(renderNeutronHaproxyConfig(opts)).toBe(sample(file))
    })
  }

  it('starts with an empty line and, with no IPv6 bind, leaves the 4-space line neutron leaves', () => {
    const text = renderNeutronHaproxyConfig(goldens['haproxy-config--golden-master-router.txt'] as NeutronHaproxyOptions)
    expect(text.startsWith('\nglobal\n')).toBe(true)
    expect(text).toContain('    bind :::9697\n    \n    server metadata')
  })

  it('leaves out user and group when not given', () => {
    const text = renderNeutronHaproxyConfig({bind: ':::9697', id: R, kind: 'router', pidfile: '/tmp/x.pid', socketPath: SOCK})
    expect(text).not.toMatch(/^\s+(user|group)\s/m)
  })

  it('refuses a value with a newline (it would inject directives) and combinations neutron never rendered', () => {
    expect(() => renderNeutronHaproxyConfig({bind: ':::9697', id: `${R}\n    server evil 1.2.3.4:80`, kind: 'router', pidfile: '/p', socketPath: SOCK})).toThrow(/single line/)
    expect(() => renderNeutronHaproxyConfig({bind: '0.0.0.0:80', id: N, kind: 'ovn-network', pidfile: '/p', release: 'pike', socketPath: SOCK})).toThrow(/no OVN/)
    expect(() => renderNeutronHaproxyConfig({bind: '0.0.0.0:80', bindV6Line: 'bind fe80::a9fe:a9fe:80 interface t', id: N, kind: 'network', pidfile: '/p', release: 'pike', socketPath: SOCK})).toThrow(/IPv6/)
  })
})

describe('parseHaproxyConfig across neutron template versions', () => {
  const cases: Record<string, (c: HaproxyConfig) => void> = {
    'haproxy-config--golden-2023.2-router-rate-limited.txt'(c) {
      expect(c.rateLimit).toBe(true)
      expect(c.binds).toEqual([{address: '::', port: 9697, raw: 'bind :::9697'}])
      expect(metadataIdentity(c)).toEqual({id: R, kind: 'router'})
    },
    'haproxy-config--golden-master-dhcp-v6.txt'(c) {
      expect(c.binds).toEqual([
        {address: '169.254.169.254', port: 80, raw: 'bind 169.254.169.254:80'},
        {address: 'fe80::a9fe:a9fe', iface: 'tap1332271e-0d', port: 80, raw: 'bind [fe80::a9fe:a9fe]:80 interface tap1332271e-0d'},
      ])
      expect(c.headers).toEqual([
        {action: 'del', name: 'X-Neutron-Router-ID'},
        {action: 'set', name: 'X-Neutron-Network-ID', value: N},
      ])
      expect(metadataIdentity(c)).toEqual({id: N, kind: 'network'})
    },
    'haproxy-config--golden-master-ovn.txt'(c) {
      expect(c.headers).toEqual([{action: 'add', name: 'X-OVN-Network-ID', value: N}])
      expect(metadataIdentity(c)).toEqual({id: N, kind: 'ovn-network'})
    },
    'haproxy-config--golden-master-router.txt'(c) {
      expect(c).toEqual({
        binds: [{address: '::', port: 9697, raw: 'bind :::9697'}],
        group: 'neutron',
        headers: [
          {action: 'del', name: 'X-Neutron-Network-ID'},
          {action: 'set', name: 'X-Neutron-Router-ID', value: R},
        ],
        logTag: `haproxy-metadata-proxy-${R}`,
        options: ['httplog', 'dontlognull', 'http-server-close', 'forwardfor'],
        pidfile: pid(R),
        rateLimit: false,
        servers: [{address: SOCK, name: 'metadata', raw: `server metadata ${SOCK}`}],
        timeouts: {client: '32s', connect: '30s', 'http-keep-alive': '30s', 'http-request': '30s', server: '32s'},
        user: 'neutron',
        warnings: [],
      })
      expect(metadataIdentity(c)).toEqual({id: R, kind: 'router'})
    },
    'haproxy-config--golden-pike-network.txt'(c) {
      expect(c.logTag).toBeUndefined()
      expect(c.binds).toEqual([{address: '0.0.0.0', port: 80, raw: 'bind 0.0.0.0:80'}])
      expect(c.headers).toEqual([{action: 'add', name: 'X-Neutron-Network-ID', value: N}])
      expect(metadataIdentity(c)).toEqual({id: N, kind: 'network'})
    },
    'haproxy-config--golden-queens-router.txt'(c) {
      expect(c.logTag).toBe(`haproxy-metadata-proxy-${R}`)
      expect(c.binds).toEqual([{address: '0.0.0.0', port: 9697, raw: 'bind 0.0.0.0:9697'}])
      expect(c.headers).toEqual([{action: 'add', name: 'X-Neutron-Router-ID', value: R}])
    },
    'haproxy-config--golden-victoria-dhcp-v6.txt'(c) {
      // unbracketed: haproxy splits at the last colon, so this is fe80::a9fe:a9fe port 80
      expect(c.binds[1]).toEqual({address: 'fe80::a9fe:a9fe', iface: 'tap1332271e-0d', port: 80, raw: 'bind fe80::a9fe:a9fe:80 interface tap1332271e-0d'})
      expect(metadataIdentity(c)).toEqual({id: N, kind: 'network'})
    },
    'haproxy-config--rendered-master-dhcp-v6.txt'(c) {
      expect(c.binds.map((b) => `${b.address}:${b.port}${b.iface ? `%${b.iface}` : ''}`)).toEqual(['169.254.169.254:80', 'fe80::a9fe:a9fe:80%tap1332271e-0d'])
      expect(c.servers[0]?.address).toMatch(/\/metadata_proxy$/)
      expect(c.user).toBe('root')
    },
    'haproxy-config--rendered-master-router.txt'(c) {
      expect(metadataIdentity(c)).toEqual({id: R, kind: 'router'})
      expect(c.pidfile).toMatch(new RegExp(`/external/pids/${R}\\.pid\\.haproxy$`))
    },
    'haproxy-config--seed002-fragment.txt'(c) {
      expect(c).toMatchObject({
        binds: [{address: '0.0.0.0', port: 80, raw: 'bind 0.0.0.0:80'}],
        servers: [{address: '/opt/stack/data/neutron/metadata_proxy', name: 'metadata'}],
        warnings: [],
      })
      expect(metadataIdentity(c)).toEqual({id: N, kind: 'network'})
    },
  }

  it('has an expectation for every haproxy-config sample', () => {
    expect(samplesOf('haproxy-config')).toEqual(Object.keys(cases).sort())
  })
  for (const [file, check] of Object.entries(cases)) {
    it(`reads ${file}`, () => check(parseHaproxyConfig(sample(file))))
  }
})

describe('parseHaproxyConfig details', () => {
  const bindsOf = (line: string): HaproxyConfig['binds'] => parseHaproxyConfig(`listen l\n    ${line}\n`).binds

  it('splits bind host and port at the last colon and normalises the wildcard forms', () => {
    expect(bindsOf('bind :::9697')[0]).toMatchObject({address: '::', port: 9697})
    expect(bindsOf('bind *:80')[0]).toMatchObject({address: '0.0.0.0', port: 80})
    expect(bindsOf('bind :80')[0]).toMatchObject({address: '0.0.0.0', port: 80})
    expect(bindsOf('bind ipv6@:::80')[0]).toMatchObject({address: '::', port: 80})
    expect(bindsOf('bind 169.254.169.254:80,[fe80::a9fe:a9fe]:80 interface tap1').map((b) => [b.address, b.port, b.iface])).toEqual([
      ['169.254.169.254', 80, 'tap1'],
      ['fe80::a9fe:a9fe', 80, 'tap1'],
    ])
    expect(bindsOf('bind /run/haproxy.sock')[0]).toMatchObject({address: '/run/haproxy.sock', port: 0})
  })

  it('warns about a bind without a usable port instead of guessing', () => {
    const c = parseHaproxyConfig('listen l\n    bind 0.0.0.0:80-81\n')
    expect(c.binds).toEqual([])
    expect(c.warnings).toEqual(['line 2: bind address "0.0.0.0:80-81" has no usable port'])
  })

  it('warns when the proxy sends two identity headers (the agent drops such requests)', () => {
    const c = parseHaproxyConfig(`listen l\n    http-request set-header X-Neutron-Router-ID ${R}\n    http-request add-header X-Neutron-Network-ID ${N}\n`)
    expect(metadataIdentity(c)).toEqual({id: R, kind: 'router'})
    expect(c.warnings).toEqual([expect.stringMatching(/more than one identity header/)])
  })

  it('returns no identity when only del-header lines or other headers exist', () => {
    expect(metadataIdentity(parseHaproxyConfig('listen l\n    http-request del-header X-Neutron-Router-ID\n'))).toBeUndefined()
    expect(metadataIdentity(parseHaproxyConfig('listen l\n    http-request set-header __proto__ x\n'))).toBeUndefined()
  })

  it('drops comments, honours quotes, records `no option` and notes directives outside a section', () => {
    const c = parseHaproxyConfig('bind 0.0.0.0:80 # a fragment\nlisten l # comment\n    no option http-server-close\n    http-request set-header X-Neutron-Router-ID "abc def"\n')
    expect(c.binds).toHaveLength(1)
    expect(c.options).toEqual(['no http-server-close'])
    expect(c.headers).toEqual([{action: 'set', name: 'X-Neutron-Router-ID', value: 'abc def'}])
    expect(c.warnings).toEqual(['1 directive(s) appear before any section header (a fragment?)'])
  })

  it('stops at an unterminated quote, keeping what came before', () => {
    const c = parseHaproxyConfig('listen l\n    bind 0.0.0.0:80\n    http-request set-header X "cut\n    bind 1.2.3.4:81\n')
    expect(c.binds).toHaveLength(1)
    expect(c.warnings[0]).toMatch(/unterminated quote/)
  })

  it('refuses text that is not haproxy config, and returns an empty config for empty text', () => {
    expect(() => parseHaproxyConfig('cat: /var/lib/neutron/ns-metadata-proxy/x.conf: No such file or directory\n')).toThrow(ParseError)
    expect(parseHaproxyConfig('').binds).toEqual([])
  })
})

describe('round trip: parse(render(x))', () => {
  const variants: NeutronHaproxyOptions[] = [
    {bind: ':::9697', id: R, kind: 'router', pidfile: pid(R), socketPath: SOCK},
    {bind: '0.0.0.0:9697', group: 'neutron', id: R, kind: 'router', pidfile: pid(R), socketPath: SOCK, user: 'neutron'},
    {bind: '169.254.169.254:80', bindV6Line: 'bind fe80::a9fe:a9fe:80 interface tapdeadbeef-00', id: N, kind: 'network', pidfile: pid(N), socketPath: '/run/neutron/metadata_proxy'},
    {bind: '169.254.169.254:80', bindV6Line: 'bind [fe80::a9fe:a9fe]:80 interface tap2c4b658cf1', id: N, kind: 'ovn-network', logLevel: 'debug', pidfile: pid(N), socketPath: SOCK},
    {bind: '0.0.0.0:80', id: N, kind: 'network', pidfile: pid(N, '.pid'), release: 'pike', socketPath: SOCK},
  ]
  for (const opts of variants) {
    it(`gives back bind, socket, pidfile and identity for ${opts.kind} ${opts.release ?? 'master'} ${opts.bind}`, () => {
      const c = parseHaproxyConfig(renderNeutronHaproxyConfig(opts))
      expect(c.warnings).toEqual([])
      expect(metadataIdentity(c)).toEqual({id: opts.id, kind: opts.kind})
      expect(c.binds[0]?.raw).toBe(`bind ${opts.bind}`)
      expect(c.binds.length).toBe(opts.bindV6Line ? 2 : 1)
      if (opts.bindV6Line) expect(c.binds[1]).toMatchObject({address: 'fe80::a9fe:a9fe', port: 80, raw: opts.bindV6Line})
      expect(c.servers).toEqual([{address: opts.socketPath, name: 'metadata', raw: `server metadata ${opts.socketPath}`}])
      expect(c.pidfile).toBe(opts.pidfile)
      expect(c.user).toBe(opts.user)
      expect(c.logTag).toBe(opts.release === 'pike' ? undefined : `haproxy-metadata-proxy-${opts.id}`)
    })
  }
})

describe('haproxy itself accepts the rendered configs', () => {
  const haproxy = spawnSync('haproxy', ['-v'], {encoding: 'utf8'})
  const canRun = haproxy.status === 0
  if (!canRun) console.warn('SKIPPING haproxy -c checks: the `haproxy` binary is not installed (apt-get install haproxy)')
  const dir = mkdtempSync(path.join(tmpdir(), 'mdnp-haproxy-'))
  afterAll(() => rmSync(dir, {force: true, recursive: true}))

  const check = (name: string, text: string): {status: number | null; out: string} => {
    const file = path.join(dir, name)
    writeFileSync(file, text)
    const r = spawnSync('haproxy', ['-c', '-f', file], {encoding: 'utf8'})
    return {out: `${r.stdout}${r.stderr}`, status: r.status}
  }

  it.skipIf(!canRun)('haproxy -c accepts every variant the renderer produces (user/group root, temp pidfile)', () => {
    for (const kind of ['router', 'network', 'ovn-network'] as const) {
      for (const release of ['master', 'pike'] as const) {
        if (release === 'pike' && kind === 'ovn-network') continue
        const text = renderNeutronHaproxyConfig({
          bind: kind === 'router' ? ':::9697' : '169.254.169.254:80',
          bindV6Line: release === 'master' && kind !== 'router' ? 'bind [fe80::a9fe:a9fe]:80 interface tap1332271e-0d' : undefined,
          group: 'root',
          id: kind === 'router' ? R : N,
          kind,
          pidfile: path.join(dir, `${kind}.pid`),
          release,
          socketPath: SOCK,
          user: 'root',
        })
        const r = check(`${kind}-${release}.conf`, text)
        expect(r.out, `${kind} ${release}`).toMatch(/Configuration file is valid/)
        expect(r.status).toBe(0)
      }
    }
  })

  it.skipIf(!canRun)('haproxy -c accepts every golden neutron config once user/group/pidfile are local', () => {
    for (const file of samplesOf('haproxy-config').filter((f) => f.includes('--golden-'))) {
      const text = sample(file)
        .replace(/^( {4}user {8})neutron$/m, '$1root')
        .replace(/^( {4}group {7})neutron$/m, '$1root')
        .replace(/^( {4}pidfile {5}).*$/m, `$1${path.join(dir, 'golden.pid')}`)
      const r = check(file, text)
      expect(r.out, file).toMatch(/Configuration file is valid/)
    }
  })

  it.skipIf(!canRun)('haproxy -c rejects a config whose bind has no port, which the parser also flags', () => {
    const text = 'listen listener\n    mode http\n    bind 169.254.169.254\n'
    expect(check('noport.conf', text).status).not.toBe(0)
    expect(parseHaproxyConfig(text).warnings).toEqual(['line 3: bind address "169.254.169.254" has no usable port'])
  })
})
