import {execFile} from 'node:child_process'
import {chmod, readdir} from 'node:fs/promises'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {labDown, labUp, type LabInfo} from '../../src/lab/index.js'
import type {Report} from '../../src/report/types.js'
import {labPrerequisites} from '../lab/helpers.js'
import {expectValidReport} from '../report-schema.js'
import {cannotRun, sh} from './netns-kit.js'

// doctor run by an unprivileged user on a node with a router namespace: what needs root is
// reported as not evaluated, with the reason, and the run still completes with a report.
const why = cannotRun(['setpriv', 'nsenter'])
if (why) console.warn(`SKIPPING not-root doctor test: ${why}`)
const repo = new URL('../../', import.meta.url).pathname
const NS = 'qrouter-mdctl-t1-not-root'

async function asNobody(args: string[]): Promise<{code: number; stdout: string; stderr: string}> {
  try {
    const r = await promisify(execFile)('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, join(repo, 'bin/run.js'), ...args], {env: {HOME: '/tmp', NO_COLOR: '1', PATH: process.env.PATH ?? ''}, maxBuffer: 32 * 1024 * 1024})
    return {code: 0, stderr: r.stderr, stdout: r.stdout}
  } catch (error) {
    const e = error as {code: number; stdout: string; stderr: string}
    return {code: e.code, stderr: e.stderr, stdout: e.stdout}
  }
}

describe.skipIf(why !== undefined)('mdctl doctor as a normal user', () => {
  beforeAll(() => {
    sh(`ip netns add ${NS}`)
  })
  afterAll(() => {
    sh(`ip netns del ${NS} 2>/dev/null || true`)
  })

  it('marks the namespace scan not evaluated with the reason, and says root is needed', async () => {
    const args = ['doctor', '--passive', '--router', 'mdctl-t1-not-root', '--neutron-config-dir', '/nonexistent', '--nova-config', '/nonexistent/nova.conf']
    const json = await asNobody([...args, '--json'])
    expect(json.stderr).not.toMatch(/\n\s+at /)
    const report = JSON.parse(json.stdout) as Report
    expectValidReport(report)
    const redirect = report.checks.find((c) => c.id === 'router-redirect')
    expect(redirect?.status).toBe('not-evaluated')
    expect(redirect?.reason).toMatch(/not permitted|Permission denied/i)
    const human = await asNobody(args)
    expect(human.stderr).toMatch(/not root: namespace scans .* need root/)
    expect(human.stdout).toMatch(/not evaluated/)
  }, 60_000)
})

// A healthy router node, its configs 0640 as the Debian packages ship them: a normal user can read
// neither the secret nor another process's namespace. Nothing may fail; what needs root is not
// evaluated and says so, and the verdict is unknown (exit 3).
const labWhy = why ?? (await labPrerequisites())
if (labWhy) console.warn(`SKIPPING not-root doctor on the healthy lab: ${labWhy} (CI runs it as root)`)

describe.skipIf(labWhy !== undefined)('mdctl doctor as a normal user on a healthy router node', () => {
  let lab: LabInfo
  beforeAll(async () => {
    lab = await labUp({scenario: 'healthy-router'})
    const etc = lab.paths.neutronConfigDir
    for (const f of await readdir(etc)) await chmod(join(etc, f), 0o640)
    await chmod(lab.paths.novaConfig, 0o640)
  }, 120_000)
  afterAll(async () => {
    await labDown()
  }, 120_000)

  it('names no failure, marks what needs root as not evaluated, and answers unknown (exit 3)', async () => {
    const args = lab.commands.doctor.replace(/^mdctl doctor /, '').split(' ').filter(Boolean)
    const r = await asNobody(['doctor', ...args, '--json'])
    expect(r.stderr).not.toMatch(/\n\s+at /)
    const report = JSON.parse(r.stdout) as Report
    expectValidReport(report)
    expect(report.findings.filter((f) => f.severity === 'fail').map((f) => `${f.code}: ${f.summary}`)).toEqual([])
    expect(report.verdict.status, report.verdict.summary).toBe('unknown')
    expect(r.code).toBe(3)
    const notEvaluated = report.checks.filter((c) => c.status === 'not-evaluated')
    expect(notEvaluated.map((c) => c.id)).toEqual(expect.arrayContaining(['router-redirect', 'proxy-listener', 'agent-config', 'secret-fingerprint', 'signed-probe', 'agent-probe']))
    for (const c of notEvaluated) expect(c.reason, c.id).toMatch(/run doctor as root/)
  }, 120_000)
})
