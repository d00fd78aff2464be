import {execFile} from 'node:child_process'
import {cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {missingTools} from '../../src/lab/preflight.js'
import {ovnLabDown} from '../../src/lab/ovn/down.js'
import {setFault} from '../../src/lab/ovn/faults.js'
import {ovnLabPaths} from '../../src/lab/ovn/plan.js'
import {OVN_SCENARIOS} from '../../src/lab/ovn/scenarios.js'
import {type OvnLabInfo, ovnLabUp, OVN_TOOLS} from '../../src/lab/ovn/up.js'
import type {Report} from '../../src/report/types.js'
import {goldenOf} from '../replay/golden.js'

// The ML2/OVN path on real OVN 23.03, Open vSwitch 3.1 and Debian's neutron-ovn-metadata-agent:
// one lab is built, and every scenario is made on it and undone again, since building costs the
// agent's ~20 s start. For each: doctor on the chassis and guest in the guest namespace name the
// scenario's hop (or say unknown), a capture replays to the same findings, and neither changes
// anything. MDCTL_RECORD_FIXTURES=1 also writes fixtures/lab-ovn-<scenario>[-guest].
const missing = process.getuid?.() === 0 ? (await missingTools({...OVN_TOOLS, curl: 'curl'})).map((m) => `${m.tool} (${m.pkg})`) : ['root']
if (missing.length) console.warn(`SKIPPING OVN lab tests: missing ${missing.join(', ')} (CI runs them as root with ovn-central, ovn-host, openvswitch-switch and neutron-ovn-metadata-agent installed)`)

const repo = new URL('../../', import.meta.url).pathname
const tmp = mkdtempSync(join(tmpdir(), 'mdctl-ovn-lab-'))
const stateDir = join(tmp, 'lab')
const record = process.env.MDCTL_RECORD_FIXTURES === '1'
const pexec = promisify(execFile)

async function mdctl(args: string[], ns?: string): Promise<{code: number; report: Report; stdout: string}> {
  const argv = [...(ns ? ['nsenter', `--net=/run/netns/${ns}`] : []), 'node', join(repo, 'bin/run.js'), ...args]
  try {
    const r = await pexec(argv[0]!, argv.slice(1), {env: {...process.env, NO_COLOR: '1'}, maxBuffer: 32 * 1024 * 1024})
    return {code: 0, report: (args.includes('--json') ? JSON.parse(r.stdout) : undefined) as Report, stdout: r.stdout}
  } catch (error) {
    const e = error as {code: number; stdout: string; stderr: string}
    if (!args.includes('--json')) return {code: e.code, report: undefined as unknown as Report, stdout: e.stdout}
    try {
      return {code: e.code, report: JSON.parse(e.stdout) as Report, stdout: e.stdout}
    } catch {
      throw new Error(`mdctl ${args.join(' ')} exited ${e.code}: ${e.stderr}`)
    }
  }
}

/** What doctor and guest must leave as they found it: namespaces, OVS ports, the namespace's rules and addresses, SB bindings. */
async function snapshot(lab: OvnLabInfo): Promise<string> {
  const p = ovnLabPaths(lab.stateDir)
  const run = async (argv: string[]): Promise<string> => (await pexec(argv[0]!, argv.slice(1)).catch((e: {stdout?: string}) => ({stdout: e.stdout ?? ''}))).stdout
  const ns = lab.namespaces.metadata
  return [
    await run(['ip', 'netns', 'list']),
    await run(['ovs-vsctl', `--db=unix:${p.ovsSock}`, '--columns=name,external_ids', 'list', 'Interface']),
    await run(['ovn-sbctl', '--db=tcp:127.0.0.1:6642', '--columns=logical_port,chassis', 'list', 'Port_Binding']),
    await run(['nsenter', `--net=/run/netns/${ns}`, 'iptables-save']).then((t) => t.replace(/^#.*$/gm, '').replace(/\[\d+:\d+\]/g, '')),
    await run(['nsenter', `--net=/run/netns/${ns}`, 'ip', '-o', 'addr']),
    await run(['nsenter', `--net=/run/netns/${lab.namespaces.guest}`, 'ip', 'route']),
  ].join('\n')
}

/** Proportional set size of every process naming the lab directory (OVS, OVN, agent, privsep, haproxy, nova). */
async function labPssMb(dir: string): Promise<number> {
  let kb = 0
  for (const e of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(`${dir}/`)) continue
      kb += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${e}/smaps_rollup`, 'utf8'))?.[1] ?? 0)
    } catch {
      // exited meanwhile
    }
  }
  return Math.round(kb / 1024)
}

let lab: OvnLabInfo
const timings: string[] = []

describe.skipIf(missing.length > 0)('ML2/OVN on the real agent: every scenario named at its hop', () => {
  beforeAll(async () => {
    await ovnLabDown({stateDir}).catch(() => undefined)
    const t = performance.now()
    lab = await ovnLabUp({stateDir})
    timings.push(`up ${((performance.now() - t) / 1000).toFixed(1)} s`, `memory ${await labPssMb(stateDir)} MB PSS`)
  }, 240_000)

  afterAll(async () => {
    const t = performance.now()
    await ovnLabDown({stateDir}).catch(() => undefined)
    timings.push(`down ${((performance.now() - t) / 1000).toFixed(1)} s`)
    console.log(`OVN lab: ${timings.join(', ')}`)
    rmSync(tmp, {force: true, recursive: true})
  }, 60_000)

  for (const s of OVN_SCENARIOS) {
    it(`${s.name}: doctor names ${s.expectedHop ?? 'nothing'}, guest ${s.guestHop ?? (s.expectedHop ? 'unknown or its own view' : 'nothing')}`, async () => {
      const t = performance.now()
      if (s.name !== 'healthy') await setFault(ovnLabPaths(stateDir), s.name, true)
      try {
        const doctorArgs = lab.commands.doctor.replace(/^mdctl doctor /, '').split(' ')
        const guestArgs = ['--lease-file', ovnLabPaths(stateDir).dhclientLeases]
        const before = await snapshot(lab)
        // the guest first: its requests are what the agent log holds when doctor reads it
        const guest = await mdctl(['guest', ...guestArgs, '--json'], lab.namespaces.guest)
        const node = await mdctl(['doctor', ...doctorArgs, '--json'])
        console.log(`${s.name}: doctor ${node.report.verdict.status} ${node.report.verdict.firstFailingHop ?? ''} | ${node.report.verdict.summary}\n${s.name}: guest ${guest.report.verdict.status} ${guest.report.verdict.firstFailingHop ?? ''} | ${guest.report.verdict.summary}`)
        const nodeBundle = join(tmp, `lab-ovn-${s.name}`)
        const guestBundle = `${nodeBundle}-guest`
        await mdctl(['capture', '--out', nodeBundle, ...doctorArgs])
        await mdctl(['capture', '--guest', '--out', guestBundle, ...guestArgs], lab.namespaces.guest)
        if (record) {
          for (const [from, side] of [
            [nodeBundle, 'node'],
            [guestBundle, 'guest'],
          ] as const) {
            if (side === 'guest' && s.guestFixture === false) continue
            const to = join(repo, 'fixtures', `lab-ovn-${s.name}${side === 'guest' ? '-guest' : ''}`)
            rmSync(to, {force: true, recursive: true})
            cpSync(from, to, {recursive: true})
            const want = side === 'guest' ? s.guestHop : s.expectedHop
            writeFileSync(
              join(to, 'README.md'),
              `# lab-ovn-${s.name}${side === 'guest' ? '-guest' : ''}\n\n${s.description}.\n\nCaptured on \`mdctl lab up --backend ovn --scenario ${s.name}\` (real OVN 23.03, Open vSwitch 3.1, Debian's neutron-ovn-metadata-agent 21.0.0) with:\n\n    ${side === 'guest' ? `ip netns exec mdovn-guest mdctl capture --guest --out … ${guestArgs.join(' ')}` : `mdctl capture --out … ${doctorArgs.join(' ')}`}\n\nExpected: ${want ? `broken at ${want}` : side === 'guest' && s.expectedHop ? 'not ok; the guest cannot tell which node-side hop' : 'ok'}. Secrets are salted fingerprints.\n`,
            )
          }
        }
        expect(node.report.verdict.firstFailingHop, node.report.verdict.summary).toBe(s.expectedHop)
        expect(node.report.verdict.status).toBe(s.expectedHop ? 'broken' : 'ok')
        const fail = node.report.findings.find((f) => f.severity === 'fail' && f.hop === s.expectedHop)
        if (s.expectedHop) expect(fail?.fix?.commands.length, JSON.stringify(fail)).toBeGreaterThan(0)
        // on an OVN chassis nothing speaks of ML2/OVS's agent or its file
        expect(JSON.stringify(node.report.findings)).not.toMatch(/(^|[^_])metadata_agent\.ini|AGENT_CONFIG_MISSING/)
        if (s.name === 'healthy') {
          // as a new user first ran it: only the agent's config dir and state path (no nova.conf on a chassis)
          const plain = await mdctl(['doctor', '--neutron-config-dir', doctorArgs[1]!, '--state-path', lab.statePath, '--nova-config', join(tmp, 'no-nova.conf'), '--json'])
          expect(plain.report.verdict.status, plain.report.verdict.summary).toBe('ok')
          expect(plain.report.findings.find((f) => f.code === 'SIGNATURE_ACCEPTED')).toBeDefined()
        }

        if (s.guestHop !== null || s.expectedHop === null) expect(guest.report.verdict.firstFailingHop, guest.report.verdict.summary).toBe(s.guestHop)
        else expect(guest.report.verdict.status, guest.report.verdict.summary).not.toBe('ok')

        const replay = await mdctl(['doctor', '--from', nodeBundle, '--json'])
        expect(goldenOf(replay.report)).toEqual(goldenOf(node.report))
        // the guest capture is a second look: where the guest cannot know the cause, its neighbour
        // cache may age in between (a timeout first, a failed ARP later), so only the verdict is pinned then
        const guestReplay = await mdctl(['guest', '--from', guestBundle, '--json'])
        if (s.guestHop !== null || s.expectedHop === null) expect(guestReplay.report.verdict.firstFailingHop).toBe(s.guestHop)
        else expect(guestReplay.report.verdict.status).not.toBe('ok')
        // the shared secret is in no bundle file and no report
        const secret = /^metadata_proxy_shared_secret = (\S+)/m.exec(readFileSync(lab.agentIni, 'utf8'))?.[1] ?? ''
        expect(secret.length).toBeGreaterThan(8)
        const files = (d: string): string[] => readdirSync(d, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? files(join(d, e.name)) : [join(d, e.name)]))
        expect(files(nodeBundle).filter((f) => readFileSync(f, 'utf8').includes(secret))).toEqual([])
        expect(JSON.stringify(node.report).includes(secret)).toBe(false)

        expect(await snapshot(lab)).toBe(before)
      } finally {
        // the last fault goes with the lab
        if (s.name !== 'healthy' && s !== OVN_SCENARIOS.at(-1)) await setFault(ovnLabPaths(stateDir), s.name, false)
        timings.push(`${s.name} ${((performance.now() - t) / 1000).toFixed(1)} s`)
      }
    }, 240_000)
  }
})
