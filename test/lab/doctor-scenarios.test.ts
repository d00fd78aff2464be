import {execFile} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, describe, expect, it} from 'vitest'

import type {Hop} from '../../src/hops.js'
import {labDown, labUp, missingTools, LAB_TOOLS, SCENARIOS, SSH_TOOLS, type LabInfo} from '../../src/lab/index.js'
import type {Report} from '../../src/report/types.js'
import {hostSnapshot} from '../live/netns-kit.js'
import {goldenOf} from '../replay/golden.js'
import {expectValidReport} from '../report-schema.js'

// Every lab scenario, diagnosed three ways: doctor on the node, guest inside the guest, and doctor
// joined with the guest over ssh. The node and the joined report must name the scenario's hop;
// the guest alone sees only what reaches it, noted per scenario below. Doctor and guest must
// change nothing, and a capture must replay to the same findings.
const missing = process.getuid?.() === 0 ? (await missingTools({...LAB_TOOLS, ...SSH_TOOLS, ssh: 'openssh-client'})).map((m) => `${m.tool} (${m.pkg})`) : ['root']
if (missing.length) console.warn(`SKIPPING lab scenario diagnosis tests: missing ${missing.join(', ')} (CI runs them as root with the Debian packages installed)`)

const repo = new URL('../../', import.meta.url).pathname
const tmp = mkdtempSync(join(tmpdir(), 'mdctl-lab-diag-'))
afterAll(async () => {
  await labDown().catch(() => undefined)
  rmSync(tmp, {force: true, recursive: true})
})

// What the guest can tell on its own: a stale id in the proxy config and a wrong nova host look,
// from inside, like an unknown instance and an unreachable nova; a guest-side fault leaves the
// node healthy.
const GUEST_VIEW: Record<string, Hop | null> = {'proxy-stale-id': 'instance', 'wrong-nova-host': 'nova'}
const NODE_VIEW: Record<string, Hop | null> = {zeroconf: null}

async function mdctl(args: string[], ns?: string): Promise<{code: number; report: Report; stderr: string}> {
  const argv = [...(ns ? ['nsenter', `--net=/run/netns/${ns}`] : []), 'node', join(repo, 'bin/run.js'), ...args]
  try {
    const r = await promisify(execFile)(argv[0]!, argv.slice(1), {env: {...process.env, NO_COLOR: '1'}, maxBuffer: 32 * 1024 * 1024})
    const report = JSON.parse(r.stdout) as Report
    expectValidReport(report)
    return {code: 0, report, stderr: r.stderr}
  } catch (error) {
    const e = error as {code: number; stdout: string; stderr: string}
    let report: Report
    try {
      report = JSON.parse(e.stdout) as Report
    } catch {
      throw new Error(`mdctl ${args.join(' ')} exited ${e.code}: ${e.stderr}`)
    }
    expectValidReport(report)
    return {code: e.code, report, stderr: e.stderr}
  }
}

const argsOf = (cmd: string): string[] => cmd.replace(/^(nsenter \S+ )?mdctl \w+ ?/, '').split(' ').filter(Boolean)
const first = (r: Report) => r.findings.find((f) => f.severity === 'fail' && f.hop === r.verdict.firstFailingHop)

describe.skipIf(missing.length > 0)('mdctl finds every lab scenario', () => {
  for (const s of SCENARIOS) {
    it(`${s.name}: breaks ${s.expectedHop ?? 'nothing'}`, async () => {
      const lab: LabInfo = await labUp({scenario: s.name, ssh: true})
      try {
        const names = [lab.namespaces.guest, lab.namespaces.dhcp, ...(lab.namespaces.router ? [lab.namespaces.router] : [])]
        const before = hostSnapshot(names, 'mdlab')
        const doctorArgs = argsOf(lab.commands.doctor)
        const guestArgs = ['--lease-file', lab.paths.dhclientLeases]
        const ssh = lab.ssh!
        const sshArgs = ['--identity', ssh.identity, '--ssh-option', `UserKnownHostsFile=${ssh.knownHosts}`, '--ssh-option', 'StrictHostKeyChecking=accept-new']

        const node = await mdctl(['doctor', ...doctorArgs, '--json'])
        const nodeHop = s.name in NODE_VIEW ? NODE_VIEW[s.name] : s.expectedHop
        expect(node.report.verdict.firstFailingHop, node.report.verdict.summary).toBe(nodeHop)
        expect(node.code).toBe(nodeHop ? 1 : 0)
        if (nodeHop) expect(first(node.report)?.fix?.commands?.length, JSON.stringify(first(node.report))).toBeGreaterThan(0)

        const guest = await mdctl(['guest', ...guestArgs, '--json'], lab.namespaces.guest)
        const guestHop = s.name in GUEST_VIEW ? GUEST_VIEW[s.name] : s.expectedHop
        expect(guest.report.verdict.firstFailingHop, guest.report.verdict.summary).toBe(guestHop)

        const joined = await mdctl(['doctor', ...doctorArgs, '--guest', `${ssh.user}@${ssh.host}`, ...sshArgs, ...guestArgs, '--json'])
        expect(joined.report.verdict.firstFailingHop, joined.report.verdict.summary).toBe(s.expectedHop)
        if (s.expectedHop) expect(first(joined.report)?.fix?.text).toBeTruthy()

        // a capture replays to the findings of a live run
        const bundle = join(tmp, s.name)
        const cap = await promisify(execFile)('node', [join(repo, 'bin/run.js'), 'capture', '--out', bundle, ...doctorArgs])
        expect(cap.stdout).toMatch(/wrote \d+ item/)
        const replay = await mdctl(['doctor', '--from', bundle, '--json'])
        expect(goldenOf(replay.report)).toEqual(goldenOf(node.report))
        // the shared secret is nowhere in the bundle, nor in any report; only its fingerprint is
        const secret = /^\s*metadata_proxy_shared_secret\s*=\s*(\S+)/m.exec(readFileSync(lab.paths.metadataAgentIni, 'utf8'))?.[1] ?? ''
        expect(secret.length).toBeGreaterThan(8)
        const files = (d: string): string[] => readdirSync(d, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? files(join(d, e.name)) : [join(d, e.name)]))
        const leaked = files(bundle).filter((f) => readFileSync(f, 'utf8').includes(secret))
        expect(leaked, 'files holding the secret').toEqual([])
        for (const r of [node.report, guest.report, joined.report]) expect(JSON.stringify(r).includes(secret)).toBe(false)
        expect(readFileSync(join(bundle, 'items', 'node.agent-ini.txt'), 'utf8')).toMatch(/metadata_proxy_shared_secret = <fingerprint hmac-sha256:[0-9a-f]{16}>/)

        expect(hostSnapshot(names, 'mdlab')).toBe(before)
      } finally {
        await labDown()
      }
    }, 180_000)
  }
})
