import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {type DnsmasqOpt, metadataRoutes, parseDnsmasqOpts, routersByTag} from '../../../src/parsers/dnsmasq-opts.js'
import {ParseError} from '../../../src/parsers/errors.js'
import {SAMPLES, sample, samplesOf} from './samples.js'

const S1 = 'subnet-6f046aae-2158-4882-a818-c56d81bc8074'

describe('parseDnsmasqOpts on neutron opts files', () => {
  it('reads the Ussuri+ file dnsmasq was started with in the lab', () => {
    const opts = parseDnsmasqOpts(sample('dnsmasq-opts--neutron-ussuri-plus-isolated.txt'))
    expect(opts.map((o) => [o.tag, o.option, o.values.length, o.line])).toEqual([
      [S1, 'dns-server', 1, 1],
      [S1, 'classless-static-route', 4, 2],
      [S1, '249', 4, 3],
      [S1, 'router', 1, 4],
    ])
    expect(metadataRoutes(opts)).toEqual([
      {dst: '169.254.169.254/32', gateway: '10.0.0.66', option: 'classless-static-route', tag: S1},
      {dst: '169.254.169.254/32', gateway: '10.0.0.66', option: '249', tag: S1},
    ])
    expect(routersByTag(opts)).toEqual({[S1]: ['10.0.0.126']})
    expect(opts.warnings).toEqual([])
  })

  it('reads the pre-Ussuri tag0/tag1 form: one routed subnet, one isolated without a router', () => {
    const opts = parseDnsmasqOpts(sample('dnsmasq-opts--neutron-pre-ussuri-tag0.txt'))
    expect(metadataRoutes(opts).map((r) => `${r.tag} ${r.option} via ${r.gateway}`)).toEqual([
      'tag0 classless-static-route via 10.0.0.1',
      'tag0 249 via 10.0.0.1',
      'tag1 classless-static-route via 10.0.1.2',
      'tag1 249 via 10.0.1.2',
    ])
    expect(routersByTag(opts)).toEqual({tag0: ['10.0.0.1'], tag1: []})
  })

  it("reads neutron's unit-test lines, with option6 lines marked ipv6 and kept out of the IPv4 routes", () => {
    const opts = parseDnsmasqOpts(sample('dnsmasq-opts--neutron-master-two-subnets-v6.txt'))
    expect(metadataRoutes(opts).map((r) => r.gateway)).toEqual(['192.168.0.1', '192.168.0.1', '192.168.1.1', '192.168.1.1'])
    expect(opts.filter((o) => o.ipv6).map((o) => [o.option, o.values])).toEqual([
      ['dns-server', ['[2001:db8::1]']],
      ['domain-search', ['openstacklocal']],
    ])
  })

  it('finds no metadata route in a hand-edited file and warns about the odd value count', () => {
    const opts = parseDnsmasqOpts(sample('dnsmasq-opts--hand-edited-no-metadata-route-odd-values.txt'))
    expect(metadataRoutes(opts)).toEqual([])
    expect(opts.warnings).toEqual(['line 2: classless-static-route has an odd number of values; they must be destination,gateway pairs'])
  })

  it('stops at the first line without an option and keeps the lines before', () => {
    const opts = parseDnsmasqOpts(sample('dnsmasq-opts--cut-after-garbage.txt'))
    expect(opts).toHaveLength(1)
    expect(opts.warnings).toEqual([expect.stringMatching(/^line 2: no DHCP option/)])
  })

  it('refuses error text', () => {
    expect(() => parseDnsmasqOpts(sample('dnsmasq-opts--error-cat-missing.txt'))).toThrow(ParseError)
  })

  it('has an expectation for every dnsmasq-opts sample', () => {
    expect(samplesOf('dnsmasq-opts')).toEqual([
      'dnsmasq-opts--cut-after-garbage.txt',
      'dnsmasq-opts--error-cat-missing.txt',
      'dnsmasq-opts--hand-edited-no-metadata-route-odd-values.txt',
      'dnsmasq-opts--neutron-master-two-subnets-v6.txt',
      'dnsmasq-opts--neutron-pre-ussuri-tag0.txt',
      'dnsmasq-opts--neutron-ussuri-plus-isolated.txt',
    ])
  })
})

describe('metadataRoutes', () => {
  const opt = (values: string[], option = 'classless-static-route'): DnsmasqOpt => ({line: 1, option, raw: '', values})

  it('reads destination,gateway pairs only at even positions', () => {
    expect(metadataRoutes([opt(['10.0.0.0/8', '169.254.169.254/32', '0.0.0.0/0', '10.0.0.1'])])).toEqual([])
  })

  it('also reports a wider route that still covers 169.254.169.254, never the default route', () => {
    const got = metadataRoutes([opt(['169.254.0.0/16', '10.0.0.2', '169.254.169.254/16', '10.0.0.3', '0.0.0.0/0', '10.0.0.1', '169.0.0.0/8', '10.0.0.4'], '121')])
    expect(got).toEqual([
      {dst: '169.254.0.0/16', gateway: '10.0.0.2', option: 'classless-static-route'},
      {dst: '169.254.169.254/16', gateway: '10.0.0.3', option: 'classless-static-route'},
    ])
  })
})

describe('dnsmasq itself agrees with the parser about which lines are options', () => {
  const dnsmasq = spawnSync('dnsmasq', ['--version'], {encoding: 'utf8'})
  const canRun = dnsmasq.status === 0 && process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0
  if (!canRun) console.warn('SKIPPING the dnsmasq cross-check: needs root, iproute2 and dnsmasq (apt-get install dnsmasq-base)')
  const ns = `mdnp-dm-${process.pid}`
  const dir = mkdtempSync(path.join(tmpdir(), 'mdnp-dnsmasq-'))
  afterAll(() => {
    spawnSync('ip', ['netns', 'del', ns])
    rmSync(dir, {force: true, recursive: true})
  })

  /** Start dnsmasq on the file in a fresh namespace with DHCP but no DNS, collect its log for a moment, stop it. */
  async function dnsmasqLog(file: string): Promise<string> {
    const child = spawn('ip', ['netns', 'exec', ns, 'dnsmasq', '--keep-in-foreground', '--no-hosts', '--no-resolv', '--conf-file=/dev/null', '--port=0', '--log-facility=-', `--pid-file=${path.join(dir, 'pid')}`, `--dhcp-leasefile=${path.join(dir, 'leases')}`, '--dhcp-range=127.0.0.0,static,255.0.0.0', `--dhcp-optsfile=${file}`])
    let log = ''
    child.stdout.on('data', (d: Buffer) => (log += d.toString()))
    child.stderr.on('data', (d: Buffer) => (log += d.toString()))
    const started = Date.now()
    while (!log.includes(`read ${file}`) && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 50))
    child.kill('SIGTERM')
    await new Promise((r) => child.once('exit', r))
    return log
  }

  it.skipIf(!canRun)('dnsmasq reads every neutron sample without complaint and rejects the garbage line the parser stops at', async () => {
    spawnSync('ip', ['netns', 'add', ns])
    spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up'])
    for (const name of samplesOf('dnsmasq-opts').filter((f) => !f.includes('--error-'))) {
      const file = path.join(SAMPLES, name)
      const log = await dnsmasqLog(file)
      expect(log, name).toContain(`read ${file}`)
      const bad = [...log.matchAll(/bad dhcp-option at line (\d+)/g)].map((m) => Number(m[1]))
      const stoppedAt = parseDnsmasqOpts(sample(name)).warnings.map((w) => /^line (\d+): no DHCP option/.exec(w)?.[1]).filter(Boolean).map(Number)
      expect(bad, name).toEqual(stoppedAt)
    }
  })
})
