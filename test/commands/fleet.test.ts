import {expectValidReport} from '../report-schema.js'
import {execFile} from 'node:child_process'
import {cpSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, describe, expect, it} from 'vitest'

import type {Report} from '../../src/report/types.js'

const repo = new URL('../../', import.meta.url).pathname
const tmp: string[] = []
afterAll(() => tmp.forEach((d) => rmSync(d, {force: true, recursive: true})))

async function cli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{code: number; stdout: string; stderr: string}> {
  try {
    const r = await promisify(execFile)(process.execPath, [join(repo, 'bin/run.js'), ...args], {env: {...env, NO_COLOR: '1'}})
    return {code: 0, stderr: r.stderr, stdout: r.stdout}
  } catch (error) {
    const e = error as {code: number; stdout: string; stderr: string}
    return {code: e.code, stderr: e.stderr, stdout: e.stdout}
  }
}

/** A fleet directory from two recorded lab bundles (captured on different runs) and one host that was down. */
function fleetDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mdfl-cmd-'))
  tmp.push(dir)
  cpSync(join(repo, 'fixtures', 'lab-healthy-router'), join(dir, 'net1'), {recursive: true})
  cpSync(join(repo, 'fixtures', 'lab-agent-down'), join(dir, 'net2'), {recursive: true})
  const record = {
    ansible: {argv: ['ansible-playbook'], durationMs: 1000, exitCode: 4},
    capturedAt: '2026-11-23T19:00:00.000Z',
    durationMs: 1200,
    format: 'mdctl-fleet',
    formatVersion: 1,
    groups: {agents: [], nova: [], ovn: []},
    hosts: [
      {dir: 'net1', name: 'net1', status: 'captured'},
      {dir: 'net2', name: 'net2', status: 'captured'},
      {name: 'net3', reason: 'unreachable: ssh: connect to host 192.0.2.3 port 22: No route to host', status: 'unreachable'},
    ],
    inventories: ['inventory.ini'],
    salt: 'x',
    tool: {name: 'mdctl', version: '0.1.0'},
  }
  writeFileSync(join(dir, 'fleet.json'), JSON.stringify(record))
  return dir
}

describe('mdctl fleet', () => {
  it('says in one line to install ansible-core when ansible-playbook is missing', async () => {
    const out = mkdtempSync(join(tmpdir(), 'mdfl-cmd-'))
    tmp.push(out)
    const r = await cli(['fleet', 'capture', '-i', 'inventory.ini', '--out', join(out, 'x')], {...process.env, PATH: '/nonexistent'})
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain('ansible-playbook not found on PATH: install ansible-core')
  })

  it('refuses a directory that is not a fleet capture, in one line, exit 2', async () => {
    const r = await cli(['fleet', 'doctor', join(tmpdir(), 'mdfl-no-such-dir')])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/is not a fleet capture: no fleet\.json/)
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/)
  })

  it('judges each captured host, lists the one not captured, and says why the secrets could not be compared', async () => {
    const r = await cli(['fleet', 'doctor', fleetDir(), '--json'])
    const report = JSON.parse(r.stdout) as Report
    expectValidReport(report)
    expect(report.source.kind).toBe('fleet')
    expect(report.hosts?.map((h) => [h.name, h.status, h.report?.verdict.status ?? h.reason])).toEqual([
      ['net1', 'captured', 'ok'],
      ['net2', 'captured', 'broken'],
      ['net3', 'unreachable', 'unreachable: ssh: connect to host 192.0.2.3 port 22: No route to host'],
    ])
    expect(report.verdict.status).toBe('broken')
    expect(r.code).toBe(1)
    expect(report.verdict.summary).toMatch(/^net2: metadata path broken at /)
    expect(report.verdict.summary).toContain('1 not captured (net3: unreachable)')
    expect(report.checks.find((c) => c.id === 'fleet-secret-agreement')).toMatchObject({status: 'not-evaluated'})
  })

  it('prints one line per host and the cross-host findings as text', async () => {
    const r = await cli(['fleet', 'doctor', fleetDir()])
    expect(r.stdout).toMatch(/^ {2}net1 +ok +agent\+nova +packages /m)
    expect(r.stdout).toMatch(/^ {2}net3 +unreachable /m)
    expect(r.stdout).toContain('across hosts:')
    expect(r.stdout).toMatch(/^BROKEN: net2: /m)
  })
})
