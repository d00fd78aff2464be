import {execFile, type ChildProcess} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Report} from '../../src/report/types.js'
import {expectValidReport} from '../report-schema.js'
import {cannotRun, sh, startIn} from './netns-kit.js'

// A cirros-like guest: only busybox applets on PATH (no `ip -json`, no curl), behind a gateway
// that serves 169.254.169.254. mdctl guest must fall back and say which tools it used.
const why = cannotRun(['busybox', 'nsenter', 'python3'])
if (why) console.warn(`SKIPPING minimal guest test: ${why} (CI installs busybox and runs it as root)`)

const repo = new URL('../../', import.meta.url).pathname
const G = 'mdmg-guest'
const GW = 'mdmg-gw'
let dir = ''
let server: ChildProcess | undefined

describe.skipIf(why !== undefined)('mdctl guest on a busybox-only guest', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mdctl-busybox-'))
    mkdirSync(join(dir, 'bin'))
    const busybox = sh('command -v busybox').trim()
    for (const applet of ['sh', 'ip', 'route', 'wget', 'nc', 'cat', 'tail', 'env', 'ls', 'blkid', 'printf']) symlinkSync(busybox, join(dir, 'bin', applet))
    sh(`ip netns add ${G}; ip netns add ${GW}`)
    sh(`ip link add mdmg-a type veth peer name mdmg-b && ip link set mdmg-a netns ${G} && ip link set mdmg-b netns ${GW}`)
    sh(`ip -n ${G} link set lo up; ip -n ${GW} link set lo up; ip -n ${G} link set mdmg-a name eth0; ip -n ${G} link set eth0 up; ip -n ${GW} link set mdmg-b up`)
    sh(`ip -n ${G} addr add 10.254.92.5/24 dev eth0; ip -n ${GW} addr add 10.254.92.1/24 dev mdmg-b; ip -n ${GW} addr add 169.254.169.254/32 dev lo`)
    sh(`ip -n ${G} route add default via 10.254.92.1`)
    // a stand-in for the metadata service: the three paths the guest GETs answer 200
    mkdirSync(join(dir, 'www', 'latest', 'meta-data'), {recursive: true})
    writeFileSync(join(dir, 'www', 'openstack'), 'latest\n')
    writeFileSync(join(dir, 'www', 'latest', 'meta-data', 'index.html'), 'instance-id\n')
    server = startIn(GW, ['python3', '-m', 'http.server', '80', '--bind', '169.254.169.254', '--directory', join(dir, 'www')])
    for (let i = 0; i < 50; i++) {
      try {
        sh(`nsenter --net=/run/netns/${G} curl -s -m 1 -o /dev/null http://169.254.169.254/`)
        break
      } catch {
        await new Promise((r) => setTimeout(r, 100))
      }
    }
  }, 60_000)

  afterAll(() => {
    server?.kill('SIGTERM')
    sh(`ip netns del ${G} 2>/dev/null; ip netns del ${GW} 2>/dev/null; true`)
    if (dir) rmSync(dir, {force: true, recursive: true})
  })

  it('falls back to ip route text and wget, says so in the evidence, and finds the path working', async () => {
    const nsenter = sh('command -v nsenter').trim()
    let stdout: string
    try {
      stdout = (await promisify(execFile)(nsenter, [`--net=/run/netns/${G}`, process.execPath, join(repo, 'bin/run.js'), 'guest', '--json', '--verbose'], {env: {HOME: dir, NO_COLOR: '1', PATH: join(dir, 'bin')}})).stdout
    } catch (error) {
      // a broken verdict exits 1: the asserts below say what broke
      stdout = (error as {stdout: string}).stdout
    }
    const report = JSON.parse(stdout) as Report
    expectValidReport(report)
    if (process.env.MDCTL_DEBUG) console.log(report.findings.map((f) => `${f.code} ${f.subject} ${f.summary}`).join('\n'))
    expect(report.verdict.status).not.toBe('broken')
    const route = report.findings.find((f) => f.code === 'GUEST_ROUTE_VIA_GATEWAY')
    expect(route?.summary).toMatch(/via 10\.254\.92\.1/)
    expect(route?.evidence.map((e) => e.excerpt).join(' ')).toContain('read with `ip route show`')
    const probes = report.findings.filter((f) => f.check === 'guest-http-probe')
    expect(probes.length).toBe(3)
    for (const p of probes) {
      expect(p.code).toBe('PROBE_OK')
      expect(p.subject).toMatch(/\(wget\)$/)
    }
    expect(report.checks.find((c) => c.id === 'guest-metadata-route')?.status).toBe('ran')
  }, 60_000)
})
