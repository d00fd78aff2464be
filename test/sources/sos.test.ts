import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, relative} from 'node:path'

import {runCommand} from '@oclif/test'
import tar from 'tar-stream'
import {afterAll, afterEach, describe, expect, it} from 'vitest'

import {runDoctor} from '../../src/engine/doctor.js'
import type {Report} from '../../src/report/types.js'
import {SosSource} from '../../src/sources/sos.js'
import {DEFAULT_LIMITS, detectFrom, SosError, type SosLimits} from '../../src/sources/sos-tree.js'

const FIXTURES = new URL('../../fixtures/', import.meta.url).pathname
const tmp = mkdtempSync(join(tmpdir(), 'mdctl-sos-test-'))
afterAll(() => rmSync(tmp, {force: true, recursive: true}))
afterEach(() => {
  process.exitCode = undefined
})

const OPTS = {neutronConfigDir: '/etc/neutron', novaConfig: '/etc/nova/nova.conf', passive: false}

async function doctor(path: string, limits?: SosLimits): Promise<{report: Report; source: SosSource}> {
  const source = await SosSource.open(path, await detectFrom(path), limits)
  return {report: (await runDoctor(source, OPTS)).report, source}
}

const files = (d: string): string[] => readdirSync(d, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? files(join(d, e.name)) : [join(d, e.name)]))

type Member = {name: string; type?: 'file' | 'symlink' | 'character-device' | 'directory'; text?: string; linkname?: string}

/** A tar built with tar-stream, in memory. */
async function tarOf(members: Member[]): Promise<Buffer> {
  const pack = tar.pack()
  const chunks: Buffer[] = []
  pack.on('data', (c: Buffer) => chunks.push(c))
  const done = new Promise<void>((res) => pack.on('end', res))
  for (const m of members) {
    const type = m.type ?? 'file'
    if (type === 'file') pack.entry({name: m.name}, m.text ?? '')
    else pack.entry({name: m.name, type, ...(m.linkname ? {linkname: m.linkname} : {}), ...(type === 'character-device' ? {devmajor: 1, devminor: 3} : {})})
  }
  pack.finalize()
  await done
  return Buffer.concat(chunks)
}

/** A fixture directory as a sosreport archive: top directory `sosreport-…/`, compressed by the system tool. */
async function archiveOf(dir: string, compression: 'none' | 'xz' | 'gzip' | 'bzip2', name: string, withTop = true): Promise<string> {
  const top = withTop ? 'sosreport-node1-2025-03-04-abcdef/' : ''
  const raw = await tarOf([...(withTop ? [{name: top, type: 'directory' as const}] : []), ...files(dir).map((f) => ({name: `${top}${relative(dir, f)}`, text: readFileSync(f, 'utf8')}))])
  const out = join(tmp, name)
  writeFileSync(out, compression === 'none' ? raw : execFileSync(compression, ['-c'], {input: raw}))
  return out
}

const codes = (r: Report): string[] => r.findings.filter((f) => f.severity === 'fail' || f.severity === 'warn').map((f) => `${f.hop} ${f.code}`)
const comparable = (r: Report): unknown => ({...r, checks: r.checks.map(({durationMs: _d, ...c}) => c), source: {...r.source, origin: ''}})

// Expected verdicts decided by reading each fixture (see its README), not by running mdctl.
describe('field-shaped sosreports replay to their reviewed verdicts', () => {
  it('sos 4.3+ namespaces/ layout, masked secrets: nothing fails, the signature is not judged because the secrets are masked', async () => {
    const {report} = await doctor(join(FIXTURES, 'sos-4.3-namespaces-masked'))
    expect(report.source.kind).toBe('sosreport')
    expect(report.verdict.status).toBe('unknown')
    expect(codes(report)).toEqual([])
    const pass = report.findings.filter((f) => f.severity === 'pass').map((f) => f.code)
    expect(pass).toEqual(expect.arrayContaining(['REDIRECT_PRESENT', 'PROXY_LISTENING', 'PROXY_PROCESS_OK', 'PROXY_PIDFILE_OK', 'SOCKET_OWNED_BY_AGENT', 'AGENT_RUNNING', 'NOVA_METADATA_PROXY_ENABLED']))
    const secret = report.checks.find((c) => c.id === 'secret-fingerprint')
    expect(secret?.status).toBe('not-evaluated')
    expect(secret?.reason).toMatch(/masked.*metadata_agent\.ini and \/etc\/nova\/nova\.conf.*mdctl capture/)
    expect(report.hops.find((h) => h.hop === 'signature')?.status).toBe('not-evaluated')
    expect(report.verdict.summary).toMatch(/signature \(metadata_proxy_shared_secret is masked/)
    // the namespace files came from the 4.3+ directories
    const proxy = report.findings.find((f) => f.code === 'PROXY_LISTENING')
    expect(proxy?.evidence[0]?.origin).toBe('sosreport:sos_commands/networking/namespaces/qrouter-9f3c2a1e-5b7d-4c8e-a1f0-2b3c4d5e6f70/ip_netns_exec_qrouter-9f3c2a1e-5b7d-4c8e-a1f0-2b3c4d5e6f70_netstat_-W_-neopa')
  })

  it('TripleO, sos 4.2 flat layout, RHEL ps variants: broken at proxy, configs from puppet-generated', async () => {
    const {report} = await doctor(join(FIXTURES, 'sos-tripleo-flat-proxy-dead'))
    expect(report.verdict.firstFailingHop).toBe('proxy')
    expect(codes(report)).toEqual(['proxy PROXY_NOT_LISTENING', 'proxy PROXY_DEAD'])
    const agent = report.findings.find((f) => f.code === 'AGENT_CONFIG_OK')
    expect(agent?.summary).toMatch(/172\.17\.1\.20:8775/)
    expect(agent?.evidence[0]?.origin).toBe('sosreport:var/lib/config-data/puppet-generated/neutron/etc/neutron/metadata_agent.ini')
    // no ps auxwww/auxwwwm in this report: the process list is ps -elfL
    expect(report.findings.find((f) => f.code === 'PROXY_DEAD')?.evidence[1]?.origin).toBe('sosreport:sos_commands/process/ps_-elfL')
  })

  it('DVR node with an HA router in backup whose proxy runs, no net-tools: no failure invented, nova and the signature not judged', async () => {
    const {report} = await doctor(join(FIXTURES, 'sos-dvr-ha-backup-no-netstat'))
    expect(report.verdict.status).toBe('unknown')
    expect(report.findings.filter((f) => f.severity === 'fail')).toEqual([])
    // keepalived says backup: no proxy is expected here, so a running one is no fault
    expect(report.checks.find((c) => c.id === 'proxy-listener')?.reason).toBe('no namespace in scope is expected to run a metadata proxy')
    expect(report.checks.find((c) => c.id === 'nova-config')?.reason).toMatch(/openstack_nova plugin did not run/)
    expect(JSON.stringify(report)).not.toContain('Zx81kqL0')
  })
})

describe('archives and directories', () => {
  for (const c of ['none', 'xz', 'gzip', 'bzip2'] as const) {
    it(`a ${c === 'none' ? 'plain tar' : `${c} tar`} named without an extension gives the very report of the directory`, async () => {
      const dir = join(FIXTURES, 'sos-tripleo-flat-proxy-dead')
      const file = await archiveOf(dir, c, `report-${c}.bin`)
      expect((await detectFrom(file)).kind).toBe('sos-archive')
      const [a, d] = await Promise.all([doctor(file), doctor(dir)])
      expect(comparable(a.report)).toEqual(comparable(d.report))
      expect(a.source.notes).toEqual([])
    })
  }

  it('an archive packed without the top directory reads the same', async () => {
    const dir = join(FIXTURES, 'sos-4.3-namespaces-masked')
    const [a, d] = await Promise.all([doctor(await archiveOf(dir, 'gzip', 'flat.tgz', false)), doctor(dir)])
    expect(comparable(a.report)).toEqual(comparable(d.report))
  })

  it('a directory holding one unpacked sosreport is read as that sosreport', async () => {
    const outer = join(tmp, 'outer')
    mkdirSync(outer)
    execFileSync('cp', ['-r', join(FIXTURES, 'sos-4.3-namespaces-masked'), join(outer, 'sosreport-x')])
    expect(await detectFrom(outer)).toEqual({kind: 'sos-dir', root: join(outer, 'sosreport-x')})
  })

  it('a namespace command that failed in sos yields to the next candidate, and is the reason when none is left', async () => {
    const d = join(tmp, 'fallthrough')
    execFileSync('cp', ['-r', join(FIXTURES, 'sos-dvr-ha-backup-no-netstat'), d])
    const ns = 'qrouter-5e7a9b1c-3d2f-4a6b-9c8d-7e6f5a4b3c2d'
    const paths = {neutronConfigDir: '/etc/neutron', novaConfig: '/etc/nova/nova.conf', socketPath: '', statePath: '/var/lib/neutron'}
    const s = await SosSource.open(d, await detectFrom(d))
    const failed = await s.get('netns.listeners', paths, ns)
    expect(failed).toMatchObject({exitCode: 127, failure: 'not-found'})
    expect(failed.stderr).toMatch(/netstat_-W_-neopa: exec of "netstat" failed/)
    writeFileSync(join(d, `sos_commands/networking/ip_netns_exec_${ns}_netstat_-neopa`), readFileSync(join(FIXTURES, 'sos-tripleo-flat-proxy-dead/sos_commands/networking/netstat_-W_-neopa'), 'utf8'))
    const again = await (await SosSource.open(d, await detectFrom(d))).get('netns.listeners', paths, ns)
    expect(again).toMatchObject({argv: ['netstat', '-neopa'], exitCode: 0, origin: `sosreport:sos_commands/networking/ip_netns_exec_${ns}_netstat_-neopa`})
  })

  it('finds kolla config copies when the real paths are absent', async () => {
    const d = join(tmp, 'kolla')
    mkdirSync(join(d, 'etc/kolla/neutron-metadata-agent'), {recursive: true})
    mkdirSync(join(d, 'sos_commands'))
    writeFileSync(join(d, 'etc/kolla/neutron-metadata-agent/metadata_agent.ini'), '[DEFAULT]\nnova_metadata_host = 192.0.2.7\n')
    const s = await SosSource.open(d, await detectFrom(d))
    const c = await s.get('node.agent-ini', {neutronConfigDir: '/etc/neutron', novaConfig: '/etc/nova/nova.conf', socketPath: '', statePath: '/var/lib/neutron'})
    expect(c.origin).toBe('sosreport:etc/kolla/neutron-metadata-agent/metadata_agent.ini')
    expect(c.stdout).toContain('192.0.2.7')
  })

  it('a secret sos left in clear text is compared by fingerprint and printed nowhere', async () => {
    const d = join(tmp, 'clear')
    execFileSync('cp', ['-r', join(FIXTURES, 'sos-4.3-namespaces-masked'), d])
    const agentSecret = 'Kq8s9DFa0lWm2xYzC4v'
    const novaSecret = 'Pw7hT3nB8cR1sUe6yQ0'
    writeFileSync(join(d, 'etc/neutron/metadata_agent.ini'), `[DEFAULT]\nnova_metadata_host = 172.17.1.20\nmetadata_proxy_shared_secret = ${agentSecret}\n`)
    writeFileSync(join(d, 'etc/nova/nova.conf'), readFileSync(join(d, 'etc/nova/nova.conf'), 'utf8').replace('metadata_proxy_shared_secret = *********', `metadata_proxy_shared_secret = ${novaSecret}`))
    const {report} = await doctor(d)
    expect(report.verdict.firstFailingHop).toBe('signature')
    expect(codes(report)).toEqual(['signature SECRET_MISMATCH'])
    const json = await runCommand(['doctor', '--from', d, '--json'])
    const text = await runCommand(['doctor', '--from', d, '-v'])
    for (const out of [JSON.stringify(report), json.stdout, json.stderr, text.stdout, text.stderr]) {
      expect(out).not.toContain(agentSecret)
      expect(out).not.toContain(novaSecret)
    }
    expect(json.stdout).toMatch(/metadata_agent.ini \[DEFAULT\] metadata_proxy_shared_secret: <fingerprint hmac-sha256:[0-9a-f]{16}>/)
  })
})

/** A plain tar whose only regular member claims `size` bytes: header patched, data cut short. */
function claimingTar(name: string, size: number): Buffer {
  const header = Buffer.alloc(512)
  header.write(name, 0, 'utf8')
  header.write('0000644\0', 100)
  header.write('0000000\0', 108)
  header.write('0000000\0', 116)
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124)
  header.write('00000000000\0', 136)
  header.write('0', 156)
  header.write('ustar\x0000', 257, 'latin1')
  header.fill(' ', 148, 156)
  let sum = 0
  for (const b of header) sum += b
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1')
  return Buffer.concat([header, Buffer.alloc(4096, 'x')])
}

describe('hostile archives', () => {
  const top = 'sosreport-evil-2025'
  const marker = [{name: `${top}/version.txt`, text: 'sosreport: 4.0\n'}]

  async function hostile(name: string, members: Member[], compression: 'none' | 'xz' = 'xz'): Promise<string> {
    const raw = await tarOf(members)
    const out = join(tmp, name)
    writeFileSync(out, compression === 'none' ? raw : execFileSync('xz', ['-c'], {input: raw}))
    return out
  }

  it('skips members with .. or absolute paths, links out of the report and device files, each with a one-line note, and writes nothing', async () => {
    const before = readdirSync(tmp).sort()
    const file = await hostile('evil.tar.xz', [
      ...marker,
      {name: '../escaped.txt', text: 'x'},
      {name: '/tmp/absolute-evil.txt', text: 'x'},
      {linkname: '../../../../../etc/shadow', name: `${top}/etc/neutron/metadata_agent.ini`, type: 'symlink'},
      {linkname: '/etc/passwd', name: `${top}/etc/nova/nova.conf`, type: 'symlink'},
      {name: `${top}/etc/neutron/neutron.conf`, type: 'character-device'},
    ])
    const {source, report} = await doctor(file)
    expect(source.notes).toHaveLength(5)
    for (const n of source.notes) expect(n).not.toContain('\n')
    expect(source.notes.join('\n')).toMatch(/absolute path or '\.\.': skipped[\s\S]*leaves the sosreport: not followed[\s\S]*character-device skipped/)
    // the links were not followed: nothing of /etc/shadow or /etc/passwd reached the report
    expect(JSON.stringify(report)).not.toMatch(/root:[x*!]:0:0|root:\$/)
    expect(readdirSync(tmp).sort()).toEqual([...before, 'evil.tar.xz'].sort())
    for (const p of ['/tmp/absolute-evil.txt', join(tmp, '..', 'escaped.txt')]) expect(() => statSync(p)).toThrow()
  })

  it('refuses a member that claims 10 GB, in one line', async () => {
    const file = join(tmp, 'claims-10g.tar')
    writeFileSync(file, Buffer.concat([await tarOf(marker).then((b) => b.subarray(0, 1024)), claimingTar(`${top}/var/log/huge.log`, 10 * 1024 ** 3)]))
    const started = performance.now()
    await expect(doctor(file)).rejects.toThrow(SosError)
    await expect(doctor(file)).rejects.toThrow(/^[^\n]*(truncated|refused)[^\n]*$/)
    expect(performance.now() - started).toBeLessThan(10_000)
  })

  it('refuses a tar bomb: too many members, or more bytes than the limit', async () => {
    const many = await hostile('many.tar.xz', [...marker, ...Array.from({length: 300}, (_, i) => ({name: `${top}/f${i}`, text: ''}))])
    await expect(doctor(many, {...DEFAULT_LIMITS, members: 200})).rejects.toThrow(/more than 200 members: refused as a tar bomb/)
    const big = await hostile('big.tar.xz', [...marker, {name: `${top}/sos_commands/process/ps_auxwww`, text: 'x'.repeat(3_000_000)}])
    await expect(doctor(big, {...DEFAULT_LIMITS, totalBytes: 1_000_000})).rejects.toThrow(/unpacks to more than .*refused as a tar bomb/)
  })

  it('skips a useful member larger than the per-file limit instead of holding it in memory', async () => {
    const file = await hostile('bigps.tar.xz', [...marker, {name: `${top}/sos_commands/process/ps_auxwww`, text: 'USER PID\n'.repeat(200_000)}])
    const {source, report} = await doctor(file, {...DEFAULT_LIMITS, memberBytes: 100_000})
    expect(source.notes[0]).toMatch(/ps_auxwww claims .* over the .* read per file: skipped/)
    expect(report.checks.find((c) => c.id === 'agent-process')?.reason).toMatch(/skipped while reading the archive/)
  })

  it('refuses a truncated or corrupt stream in one line', async () => {
    const good = await archiveOf(join(FIXTURES, 'sos-tripleo-flat-proxy-dead'), 'xz', 'good.tar.xz')
    const bytes = readFileSync(good)
    const cut = join(tmp, 'cut.tar.xz')
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)))
    await expect(doctor(cut)).rejects.toThrow(/^[^\n]*(truncated|corrupt)[^\n]*$/)
    const junk = join(tmp, 'junk.tar.xz')
    writeFileSync(junk, Buffer.concat([bytes.subarray(0, 64), Buffer.alloc(4096, 0x5a)]))
    await expect(doctor(junk)).rejects.toThrow(/corrupt|truncated/)
    const gz = join(tmp, 'junk.tgz')
    writeFileSync(gz, Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(512, 1)]))
    await expect(doctor(gz)).rejects.toThrow(/corrupt|truncated/)
  })

  it('a tar that is not a sosreport is refused', async () => {
    const file = await hostile('plain.tar', [{name: 'notes/readme.txt', text: 'hello'}], 'none')
    await expect(doctor(file)).rejects.toThrow(/not a sosreport/)
  })

  it('doctor --from a hostile archive exits 2 with a one-line error and no stack trace', async () => {
    const cut = join(tmp, 'cli-cut.tar.xz')
    writeFileSync(cut, Buffer.concat([Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), Buffer.alloc(100, 7)]))
    const {error, stdout} = await runCommand(['doctor', '--from', cut])
    expect(error?.oclif?.exit).toBe(2)
    expect(error?.message).toMatch(/corrupt|truncated/)
    expect(error?.message).not.toContain('\n')
    expect(error?.stack ?? '').not.toMatch(/sos-tree/)
    expect(stdout).toBe('')
  })
})
