import {execFile} from 'node:child_process'
import {cpSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {runCommand} from '@oclif/test'
import {afterAll, afterEach, describe, expect, it} from 'vitest'

import {HOPS} from '../../src/hops.js'
import {expectValidReport} from '../report-schema.js'
import type {Report} from '../../src/report/types.js'

const repo = new URL('../../', import.meta.url).pathname
const fixture = (n: string): string => join(repo, 'fixtures', n)
const tmp: string[] = []
afterAll(() => tmp.forEach((d) => rmSync(d, {force: true, recursive: true})))
afterEach(() => {
  process.exitCode = undefined
})

/** The real CLI (built by `pretest`) in a child process: exit code and both streams, as a user sees them. */
async function cli(...args: string[]): Promise<{code: number; stdout: string; stderr: string}> {
  try {
    // the built CLI, as installed: dev mode would print oclif's stack traces on purpose
    const r = await promisify(execFile)('node', [join(repo, 'bin/run.js'), ...args], {env: {...process.env, NO_COLOR: '1'}})
    return {code: 0, stderr: r.stderr, stdout: r.stdout}
  } catch (error) {
    const e = error as {code: number; stdout: string; stderr: string}
    return {code: e.code, stderr: e.stderr, stdout: e.stdout}
  }
}

function checkShape(r: Report): void {
  expectValidReport(r)
  expect(r.schemaVersion).toBe(1)
  expect(r.tool.name).toBe('mdctl')
  expect(r.hops.map((h) => h.hop)).toEqual([...HOPS])
  for (const f of r.findings) {
    expect(HOPS).toContain(f.hop)
    expect(f.code).toMatch(/^[A-Z][A-Z0-9_]*$/)
    expect(f.summary).not.toMatch(/\u001B\[/)
    if (f.severity === 'fail') expect(f.fix?.text).toBeTruthy()
  }
  for (const c of r.checks) if (c.status === 'not-evaluated') expect(c.reason).toBeTruthy()
  if (r.verdict.firstFailingHop) expect(r.findings.some((f) => f.severity === 'fail' && f.hop === r.verdict.firstFailingHop)).toBe(true)
}

describe('mdctl doctor / guest (commands)', () => {
  it('--json prints one report document and nothing else on stdout', async () => {
    const {stdout} = await runCommand(['doctor', '--from', fixture('seed-havana-router'), '--json'])
    const r = JSON.parse(stdout) as Report
    checkShape(r)
    expect(r.source).toMatchObject({capturedAt: '2014-03-25T00:00:00.000Z', kind: 'bundle'})
  })

  it('exits 1 on a broken verdict, 0 on ok and 3 on unknown, in --json mode too', async () => {
    const broken = await cli('guest', '--from', fixture('seed-zeroconf-guest'), '--json')
    expect(broken.code).toBe(1)
    expect((JSON.parse(broken.stdout) as Report).verdict.firstFailingHop).toBe('guest-route')
    const ok = await cli('doctor', '--from', fixture('lab-healthy-router'))
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(/^OK: /m)
    // seed 000 was pasted without probes and without the agent's config: several hops cannot be judged
    const unknown = await cli('doctor', '--from', fixture('seed-havana-router'))
    expect(unknown.code).toBe(3)
    expect(unknown.stdout).toMatch(/^UNKNOWN: no failure seen, but \d+ hop\(s\) could not be judged: /m)
  })

  it('human output carries the fix under the failure', async () => {
    const {stdout} = await runCommand(['guest', '--from', fixture('seed-zeroconf-guest')])
    expect(stdout).toMatch(/\[✗\] guest-route: .*GUEST_ZEROCONF_ROUTE/)
    expect(stdout).toContain("$ echo 'NOZEROCONF=yes' >> /etc/sysconfig/network")
  })

  const usage: Array<[string, string[], RegExp]> = [
    ['an unknown flag', ['doctor', '--nope'], /Nonexistent flag: --nope/],
    ['a directory that is not a bundle', ['doctor', '--from', '/tmp'], /not an mdctl bundle/],
    ['a guest bundle given to doctor', ['doctor', '--from', 'fixtures/seed-zeroconf-guest'], /is a guest bundle: replay it with `mdctl guest --from`/],
    ['a hostile router id', ['doctor', '--router', '$(reboot)'], /--router "\$\(reboot\)" is not a valid id/],
    ['a malformed ssh target', ['guest', '--ssh', '-oProxyCommand=sh'], /invalid ssh target|ssh/],
  ]
  for (const [what, args, msg] of usage) {
    it(`rejects ${what} with exit 2 and a one-line error, no stack trace`, async () => {
      const r = await cli(...args)
      expect(r.code).toBe(2)
      // oclif wraps long messages at the terminal width behind " ›   " markers: read them as one line
      expect(r.stderr.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')).toMatch(msg)
      expect(r.stderr).not.toMatch(/\n\s+at /)
      expect(r.stdout).toBe('')
    })
  }

  it('exits 3 (unknown) when nothing at all could be evaluated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mdctl-empty-'))
    tmp.push(dir)
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({format: 'mdctl-bundle', formatVersion: 1, items: [], kind: 'node', options: {passive: true}}))
    const r = await cli('doctor', '--from', dir, '--json')
    expect(r.code).toBe(3)
    expect((JSON.parse(r.stdout) as Report).verdict.status).toBe('unknown')
  })
})

describe('hostile captures never crash a replay', () => {
  const garbage: Array<[string, Buffer | string]> = [
    ['binary', Buffer.from(Array.from({length: 4096}, (_, i) => (i * 7919) % 256))],
    ['empty', ''],
    ['truncated', '*nat\n:PREROUTING ACCEPT [0:0]\n-A neutron-l3-agent-PREROUTING -d 169.254.1'],
    ['error text', 'sh: 1: iptables-save: not found\n'],
    ['a 2 MB line', 'x'.repeat(2 * 1024 * 1024)],
  ]
  for (const [what, bytes] of garbage) {
    it(`replays a bundle whose every item is ${what}: not evaluated with reasons, no crash`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mdctl-garbage-'))
      tmp.push(dir)
      cpSync(fixture('seed-havana-router'), dir, {recursive: true})
      const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]))
      for (const f of walk(join(dir, 'items'))) writeFileSync(f, bytes)
      const r = await cli('doctor', '--from', dir, '--json')
      expect([0, 1, 3]).toContain(r.code)
      expect(r.stderr).not.toMatch(/\n\s+at /)
      const report = JSON.parse(r.stdout) as Report
      checkShape(report)
      expect(report.checks.some((c) => c.status === 'crashed')).toBe(false)
      expect(report.checks.filter((c) => c.status === 'not-evaluated').length).toBeGreaterThan(3)
    })
  }
})

describe('mdctl checks', () => {
  it('lists every check with its hop and evidence, in path order', async () => {
    const {stdout} = await runCommand(['checks', '--json'])
    const list = JSON.parse(stdout) as Array<{id: string; hop: string; evidence: unknown[]}>
    expect(list.length).toBeGreaterThan(25)
    expect(new Set(list.map((c) => c.id)).size).toBe(list.length)
    const order = list.map((c) => HOPS.indexOf(c.hop as (typeof HOPS)[number]))
    expect(order).toEqual([...order].sort((a, b) => a - b))
    for (const h of HOPS) expect(list.some((c) => c.hop === h)).toBe(true)
  })
})
