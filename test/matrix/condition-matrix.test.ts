// The guard against a wrong hop: every lab scenario, on every path it applies to, diagnosed by
// doctor as root and as an unprivileged user, and by guest with full tools (curl, ip -json) and
// with busybox only (wget, nc, `ip route` text). Each verdict must name the scenario's hop, or be
// `unknown` with its reasons, or (for a side that cannot see the fault) say the path it sees is
// fine; it must never name another hop, and never fail a hop that works. The table is printed.
import {execFile} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Hop} from '../../src/hops.js'
import {labDown, labUp, LAB_TOOLS, missingTools, SCENARIOS} from '../../src/lab/index.js'
import {scenarioPaths, type LabPath} from '../../src/lab/scenarios.js'
import type {Report} from '../../src/report/types.js'
import {sh} from '../live/netns-kit.js'
import {expectValidReport} from '../report-schema.js'

const missing = process.getuid?.() === 0 ? (await missingTools({...LAB_TOOLS, busybox: 'busybox', setpriv: 'util-linux'})).map((m) => `${m.tool} (${m.pkg})`) : ['root']
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

type Side = 'doctor root' | 'doctor unprivileged' | 'guest full' | 'guest busybox'
const SIDES: readonly Side[] = ['doctor root', 'doctor unprivileged', 'guest full', 'guest busybox']

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
    for (const applet of ['sh', 'ip', 'route', 'wget', 'nc', 'cat', 'tail', 'env', 'ls', 'blkid', 'printf']) symlinkSync(busybox, join(busyboxBin, applet))
  })

  afterAll(async () => {
    await labDown().catch(() => undefined)
    if (tmp) rmSync(tmp, {force: true, recursive: true})
    const w = Math.max(...cells.map((c) => `${c.scenario} (${c.path})`.length), 20)
    const lines = [`${'scenario (path)'.padEnd(w)}  ${'fault at'.padEnd(11)}  ${SIDES.map((s) => s.padEnd(22)).join('')}`]
    for (const p of plan) {
      const row = SIDES.map((side) => {
        const c = cells.find((x) => x.scenario === p.scenario && x.path === p.path && x.side === side)
        return (c ? `${c.verdictOk ? '✓' : '✗'} ${c.verdict}` : '· not run').padEnd(22)
      })
      lines.push(`${`${p.scenario} (${p.path})`.padEnd(w)}  ${(p.expected ?? '-').padEnd(11)}  ${row.join('')}`)
    }
    const bad = cells.filter((c) => !c.verdictOk)
    lines.push('', `${cells.length - bad.length} of ${cells.length} cells right${bad.length ? '; wrong:' : ''}`, ...bad.map((c) => `  ${c.scenario} (${c.path}) ${c.side}: ${c.problems.join('; ')}`))
    console.log(`\ncondition matrix\n${lines.join('\n')}\n`)
  })

  for (const p of plan) {
    it(`${p.scenario} on the ${p.path} path: every side names ${p.expected ?? 'no hop'} or says what it cannot see`, async () => {
      const lab = await labUp({path: p.path, scenario: p.scenario})
      try {
        const doctorArgs = lab.commands.doctor.replace(/^mdctl doctor /, '').split(' ')
        const node = [process.execPath, join(repo, 'bin/run.js')]
        const guestNs = ['nsenter', `--net=/run/netns/${lab.namespaces.guest}`]
        const guestArgs = ['guest', '--lease-file', lab.paths.dhclientLeases, '--json']
        const runs: Record<Side, () => Promise<Report>> = {
          'doctor root': () => mdctl([...node, 'doctor', ...doctorArgs, '--json'], process.env),
          'doctor unprivileged': () => mdctl(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...node, 'doctor', ...doctorArgs, '--json'], {HOME: '/tmp', PATH: process.env.PATH}),
          'guest busybox': () => mdctl([...guestNs, ...node, ...guestArgs], {HOME: tmp, PATH: busyboxBin}),
          'guest full': () => mdctl([...guestNs, ...node, ...guestArgs], process.env),
        }
        // the four only read: run them side by side
        const reports = await Promise.all(SIDES.map(async (side) => [side, await runs[side]()] as const))
        const broken = BROKEN[p.scenario]?.[p.path]
        expect(broken, `the matrix lists the broken hops of ${p.scenario} on ${p.path}`).toBeDefined()
        for (const [side, r] of reports) {
          const j = judgeCell(r, p.expected, broken ?? [], side)
          cells.push({expected: p.expected, path: p.path, problems: j.problems, scenario: p.scenario, side, verdict: j.verdict, verdictOk: j.ok})
        }
        const wrong = cells.filter((c) => c.scenario === p.scenario && c.path === p.path && !c.verdictOk)
        expect(wrong.map((c) => `${c.side}: ${c.problems.join('; ')}`)).toEqual([])
      } finally {
        await labDown()
      }
    }, 240_000)
  }
})
