import {execFile} from 'node:child_process'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Report} from '../../src/report/types.js'
import {expectValidReport} from '../report-schema.js'
import {cannotRun, sh} from './netns-kit.js'

// doctor run by an unprivileged user on a node with a router namespace: what needs root is
// reported as not evaluated, with the reason, and the run still completes with a report.
const why = cannotRun(['setpriv', 'nsenter'])
if (why) console.warn(`SKIPPING not-root doctor test: ${why}`)
const repo = new URL('../../', import.meta.url).pathname
const NS = 'qrouter-mdctl-t1-not-root'

describe.skipIf(why !== undefined)('mdctl doctor as a normal user', () => {
  beforeAll(() => {
    sh(`ip netns add ${NS}`)
  })
  afterAll(() => {
    sh(`ip netns del ${NS} 2>/dev/null || true`)
  })

  async function asNobody(args: string[]): Promise<{code: number; stdout: string; stderr: string}> {
    try {
      const r = await promisify(execFile)('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, join(repo, 'bin/run.js'), ...args], {env: {HOME: '/tmp', NO_COLOR: '1', PATH: process.env.PATH ?? ''}})
      return {code: 0, stderr: r.stderr, stdout: r.stdout}
    } catch (error) {
      const e = error as {code: number; stdout: string; stderr: string}
      return {code: e.code, stderr: e.stderr, stdout: e.stdout}
    }
  }

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
