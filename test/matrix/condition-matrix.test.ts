// The guard against a wrong hop: every lab scenario, on every path it applies to, diagnosed by
// doctor as root and as an unprivileged user, by guest with full tools (curl, ip -json) and with
// busybox only (wget, nc, `ip route` text), and by doctor joined with the guest over ssh. Each
// verdict must name the scenario's hop, or be `unknown` with its reasons, or (for a side that
// cannot see the fault) say the path it sees is fine; it must never name another hop, and never
// fail a hop that works. The joined view sees everything and must name the hop. One lab per cell
// serves every side, a capture of it that must replay to the live findings, a check that the
// secret leaks nowhere, and a check that nothing on the host changed. The table is printed.
import {execFile} from 'node:child_process'
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Hop} from '../../src/hops.js'
import {labDown, labUp, LAB_TOOLS, missingTools, SCENARIOS, SSH_TOOLS} from '../../src/lab/index.js'
import {scenarioPaths, type LabPath} from '../../src/lab/scenarios.js'
import type {Report} from '../../src/report/types.js'
import {hostSnapshot, sh} from '../live/netns-kit.js'
import {goldenOf} from '../replay/golden.js'
import {expectValidReport} from '../report-schema.js'

const missing = process.getuid?.() === 0 ? (await missingTools({...LAB_TOOLS, ...SSH_TOOLS, busybox: 'busybox', setpriv: 'util-linux', ssh: 'openssh-client'})).map((m) => `${m.tool} (${m.pkg})`) : ['root']
if (missing.length) console.warn(`SKIPPING the condition matrix: missing ${missing.join(', ')} (CI runs it as root with the Debian packages installed)`)

const repo = new URL('../../', import.meta.url).pathname
const GUEST_HOPS: readonly Hop[] = ['guest-route', 'guest-arp']

/**
 * The hops each fault really breaks, decided from the scenario definitions (src/lab/scenarios.ts):
 * a `fail` anywhere else is a failure reported on a hop that works.
 */
const BROKEN: Record<string, Partial<Record<LabPath, readonly Hop[]>>> = {
  'agent-down': {dhcp: ['socket', 'agent'], router: ['socket', 'agent']},
  'healthy-dhcp': {dhcp: []},
  'healthy-router': {router: []},
  // no router on the network: no 169.254 route, nothing on the tap, no haproxy in qdhcp, and the
  // subnet's gateway address answers nobody
  'isolated-metadata-disabled': {dhcp: ['dhcp-route', 'guest-route', 'guest-arp', 'intercept', 'proxy']},
  'nova-down': {dhcp: ['nova'], router: ['nova']},
  'proxy-dead': {dhcp: ['proxy'], router: ['proxy']},
  'proxy-stale-id': {dhcp: ['proxy'], router: ['proxy']},
  'redirect-missing': {router: ['intercept']},
  'secret-mismatch': {dhcp: ['signature'], router: ['signature']},
  'socket-mismatch': {dhcp: ['socket'], router: ['socket']},
  'unknown-guest-ip': {dhcp: ['instance'], router: ['instance']},
  // the agent points at an address where nothing listens; nova itself is fine
  'wrong-nova-host': {dhcp: ['agent'], router: ['agent']},
  // on a routed network nothing answers ARP for 169.254.169.254; on an isolated one the DHCP port does
  zeroconf: {dhcp: [], router: ['guest-route', 'guest-arp']},
}

type Side = 'doctor root' | 'doctor unprivileged' | 'guest full' | 'guest busybox' | 'doctor + guest'
const SIDES: readonly Side[] = ['doctor root', 'doctor unprivileged', 'guest full', 'guest busybox', 'doctor + guest']

interface Cell {
  scenario: string
  path: LabPath
  side: Side
  expected: Hop | null
  verdict: string
  verdictOk: boolean
  problems: string[]
}

const cells: Cell[] = []
let busyboxBin = ''
let tmp = ''
let nsenter = 'nsenter'

async function mdctl(argv: string[], env: NodeJS.ProcessEnv): Promise<Report> {
  let stdout: string
  try {
    stdout = (await promisify(execFile)(argv[0]!, argv.slice(1), {env: {...env, NO_COLOR: '1'}, maxBuffer: 64 * 1024 * 1024, timeout: 120_000})).stdout
  } catch (error) {
    const e = error as {code?: number; stdout?: string; stderr?: string}
    if (![1, 3].includes(e.code ?? -1) || !e.stdout) throw new Error(`${argv.join(' ')} exited ${e.code}: ${e.stderr ?? ''}`)
    stdout = e.stdout
  }
  const r = JSON.parse(stdout) as Report
  expectValidReport(r)
  return r
}

/** What a verdict means for this scenario: right, an honest unknown, or wrong (with why). */
function judgeCell(r: Report, expected: Hop | null, broken: readonly Hop[], side: Side): {verdict: string; ok: boolean; problems: string[]} {
  const problems: string[] = []
  const v = r.verdict
  const verdict = v.status === 'broken' ? `broken at ${v.firstFailingHop}` : v.status
  for (const f of r.findings) if (f.severity === 'fail' && !broken.includes(f.hop)) problems.push(`fail on a working hop: ${f.hop} ${f.code}`)
  if (v.status === 'broken' && v.firstFailingHop !== expected) problems.push(`names ${v.firstFailingHop}, the fault is at ${expected ?? 'no hop'}`)
  if (v.status === 'unknown' && v.summary.trim() === '') problems.push('unknown without a reason')
  const blind = side.startsWith('doctor') && expected !== null && GUEST_HOPS.includes(expected)
  if ((v.status === 'ok' || v.status === 'degraded') && expected !== null && !blind) problems.push(`says ${v.status} while ${expected} is broken`)
  // node and guest evidence together leave nothing to guess
  if (side === 'doctor + guest' && (v.status === 'unknown' || v.firstFailingHop !== expected)) problems.push(`the joined view says ${verdict}, the fault is at ${expected ?? 'no hop'}`)
  return {ok: problems.length === 0, problems, verdict}
}

const plan = SCENARIOS.flatMap((s) => scenarioPaths(s).map((p) => ({expected: p.expectedHop, path: p.path, scenario: s.name})))

describe.skipIf(missing.length > 0)('the condition matrix: never a wrong hop', () => {
  beforeAll(async () => {
    await labDown().catch(() => undefined)
    tmp = mkdtempSync(join(tmpdir(), 'mdctl-matrix-'))
    busyboxBin = join(tmp, 'bin')
    mkdirSync(busyboxBin)
    const busybox = sh('command -v busybox').trim()
    nsenter = sh('command -v nsenter').trim()
    for (const applet of ['sh', 'ip', 'route', 'wget', 'nc', 'cat', 'tail', 'env', 'ls', 'blkid', 'printf']) symlinkSync(busybox, join(busyboxBin, applet))
  })

  afterAll(async () => {
    await labDown().catch(() => undefined)
    if (tmp) rmSync(tmp, {force: true, recursive: true})
    const w = Math.max(...plan.map((c) => `${c.scenario} (${c.path})`.length))
    const lines = [`${'scenario (path)'.padEnd(w)}  ${'fault at'.padEnd(11)}  ${SIDES.map((s) => s.padEnd(24)).join('')}`]
    for (const p of plan) {
      const row = SIDES.map((side) => {
        const c = cells.find((x) => x.scenario === p.scenario && x.path === p.path && x.side === side)
        return (c ? `${c.verdictOk ? '✓' : '✗'} ${c.verdict}` : '· not run').padEnd(24)
      })
      lines.push(`${`${p.scenario} (${p.path})`.padEnd(w)}  ${(p.expected ?? '-').padEnd(11)}  ${row.join('')}`)
    }
    const bad = cells.filter((c) => !c.verdictOk)
    lines.push('', `${cells.length - bad.length} of ${cells.length} cells right${bad.length ? '; wrong:' : ''}`, ...bad.map((c) => `  ${c.scenario} (${c.path}) ${c.side}: ${c.problems.join('; ')}`))
    console.log(`\ncondition matrix\n${lines.join('\n')}\n`)
  })

  for (const p of plan) {
    it(`${p.scenario} on the ${p.path} path: every side names ${p.expected ?? 'no hop'} or says what it cannot see`, async () => {
      const lab = await labUp({path: p.path, scenario: p.scenario, ssh: true})
      try {
        const names = [lab.namespaces.guest, lab.namespaces.dhcp, ...(lab.namespaces.router ? [lab.namespaces.router] : [])]
        const before = hostSnapshot(names, 'mdlab')
        const doctorArgs = lab.commands.doctor.replace(/^mdctl doctor /, '').split(' ')
        const ssh = lab.ssh!
        const sshArgs = ['--identity', ssh.identity, '--ssh-option', `UserKnownHostsFile=${ssh.knownHosts}`, '--ssh-option', 'StrictHostKeyChecking=accept-new']
        const node = [process.execPath, join(repo, 'bin/run.js')]
        // absolute: the busybox guest's PATH holds busybox applets only
        const guestNs = [nsenter, `--net=/run/netns/${lab.namespaces.guest}`]
        const guestArgs = ['guest', '--lease-file', lab.paths.dhclientLeases, '--json']
        const runs: Record<Side, () => Promise<Report>> = {
          'doctor root': () => mdctl([...node, 'doctor', ...doctorArgs, '--json'], process.env),
          'doctor unprivileged': () => mdctl(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...node, 'doctor', ...doctorArgs, '--json'], {HOME: '/tmp', PATH: process.env.PATH}),
          'guest busybox': () => mdctl([...guestNs, ...node, ...guestArgs], {HOME: tmp, PATH: busyboxBin}),
          'guest full': () => mdctl([...guestNs, ...node, ...guestArgs], process.env),
          'doctor + guest': () => mdctl([...node, 'doctor', ...doctorArgs, '--guest', `${ssh.user}@${ssh.host}`, ...sshArgs, '--lease-file', lab.paths.dhclientLeases, '--json'], process.env),
        }
        // the four only read: run them side by side
        const reports = await Promise.allSettled(SIDES.map((side) => runs[side]()))
        const broken = BROKEN[p.scenario]?.[p.path]
        expect(broken, `the matrix lists the broken hops of ${p.scenario} on ${p.path}`).toBeDefined()
        SIDES.forEach((side, i) => {
          const r = reports[i]!
          const j = r.status === 'fulfilled' ? judgeCell(r.value, p.expected, broken ?? [], side) : {ok: false, problems: [`no report: ${String(r.reason).split('\n')[0]}`], verdict: 'error'}
          cells.push({expected: p.expected, path: p.path, problems: j.problems, scenario: p.scenario, side, verdict: j.verdict, verdictOk: j.ok})
        })
        const wrong = cells.filter((c) => c.scenario === p.scenario && c.path === p.path && !c.verdictOk)
        expect(wrong.map((c) => `${c.side}: ${c.problems.join('; ')}`)).toEqual([])
        const live = reports[0]!.status === 'fulfilled' ? reports[0].value : undefined
        // a failure names its fix, with commands to paste
        const first = live?.findings.find((f) => f.severity === 'fail' && f.hop === live.verdict.firstFailingHop)
        if (live?.verdict.firstFailingHop) expect(first?.fix?.commands?.length, JSON.stringify(first)).toBeGreaterThan(0)

        // a capture of the node replays to the live findings
        const bundle = join(tmp, `${p.scenario}-${p.path}`)
        const cap = await promisify(execFile)(process.execPath, [join(repo, 'bin/run.js'), 'capture', '--out', bundle, ...doctorArgs])
        expect(cap.stdout).toMatch(/wrote \d+ item/)
        const replay = await mdctl([...node, 'doctor', '--from', bundle, '--json'], process.env)
        expect(goldenOf(replay)).toEqual(goldenOf(live!))

        // the shared secret is nowhere in the bundle, nor in any report; only its fingerprint is
        const secret = /^\s*metadata_proxy_shared_secret\s*=\s*(\S+)/m.exec(readFileSync(lab.paths.metadataAgentIni, 'utf8'))?.[1] ?? ''
        expect(secret.length).toBeGreaterThan(8)
        const files = (d: string): string[] => readdirSync(d, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? files(join(d, e.name)) : [join(d, e.name)]))
        expect(files(bundle).filter((f) => readFileSync(f, 'utf8').includes(secret)), 'files holding the secret').toEqual([])
        for (const r of reports) if (r.status === 'fulfilled') expect(JSON.stringify(r.value).includes(secret)).toBe(false)
        expect(readFileSync(join(bundle, 'items', 'node.agent-ini.txt'), 'utf8')).toMatch(/metadata_proxy_shared_secret = <fingerprint hmac-sha256:[0-9a-f]{16}>/)

        // doctor and guest only read
        expect(hostSnapshot(names, 'mdlab')).toBe(before)
      } finally {
        await labDown()
      }
    }, 300_000)
  }
})
