// The `mdctl lab` commands as a user runs them: flags, --json shapes, exit codes, one-line errors.
import {execFile} from 'node:child_process'
import {access} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, describe, expect, it} from 'vitest'

import {labDown, SCENARIOS} from '../../src/lab/index.js'
import {labPrerequisites} from './helpers.js'

const pexec = promisify(execFile)
const ROOT = join(import.meta.dirname, '..', '..')

async function mdctl(args: string[], opts: {asNobody?: boolean} = {}): Promise<{code: number; stdout: string; stderr: string}> {
  const node = [process.execPath, '--import', 'tsx', join(ROOT, 'bin', 'dev.js'), ...args]
  const argv = opts.asNobody ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...node] : node
  try {
    const r = await pexec(argv[0]!, argv.slice(1), {cwd: ROOT, encoding: 'utf8', env: {...process.env, HOME: tmpdir(), NO_COLOR: '1'}, timeout: 60_000})
    return {code: 0, stderr: r.stderr, stdout: r.stdout}
  } catch (error) {
    const e = error as {code?: number; stdout?: string; stderr?: string}
    return {code: typeof e.code === 'number' ? e.code : -1, stderr: e.stderr ?? '', stdout: e.stdout ?? ''}
  }
}

/** oclif's error line, without the module-load warnings other commands may print while loading. */
const errorLine = (stderr: string): string | undefined => stderr.split('\n').find((l) => l.startsWith('Error: ') && !l.includes('EACCES'))

describe('mdctl lab scenarios', () => {
  it('--json lists every scenario with its path and CONTRACT hop', async () => {
    const r = await mdctl(['lab', 'scenarios', '--json'])
    expect(r.code).toBe(0)
    const list = JSON.parse(r.stdout) as Array<{name: string; path: string; expectedHop: string | null}>
    expect(list.map((s) => [s.name, s.path, s.expectedHop])).toEqual(SCENARIOS.map((s) => [s.name, s.path, s.expectedHop]))
  })

  it('lab up with an unknown scenario is a usage error naming the valid ones', async () => {
    const r = await mdctl(['lab', 'up', '--scenario', 'no-such-fault'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('Expected --scenario=no-such-fault to be one of: healthy-router, healthy-dhcp, zeroconf')
  })
})

const missing = await labPrerequisites()
if (missing) console.warn(`test/lab/commands.test.ts: live command tests SKIPPED: ${missing}`)

describe.skipIf(missing !== undefined)('mdctl lab up / status / down (root)', () => {
  const dir = join(tmpdir(), `mdlab-cmd-${process.pid}`)
  afterAll(async () => {
    await labDown({stateDir: dir})
  })

  it('without root, up stops with one line and builds nothing', async () => {
    const r = await mdctl(['lab', 'up', '--state-dir', dir], {asNobody: true})
    expect(r.code).toBe(1)
    expect(errorLine(r.stderr)).toBe('Error: mdctl lab needs root (network namespaces, iptables, daemons): run it with sudo')
    expect(await access(dir).then(() => true, () => false)).toBe(false)
  })

  it('up --json describes the lab, status --json sees it up, down --json removes it, a second down has nothing to do', async () => {
    const up = await mdctl(['lab', 'up', '--scenario', 'healthy-dhcp', '--state-dir', dir, '--json'])
    expect(up.code).toBe(0)
    const lab = JSON.parse(up.stdout) as {scenario: string; ids: {network: string}; namespaces: Record<string, string>; commands: {doctor: string; guest: string}}
    expect(lab.scenario).toBe('healthy-dhcp')
    expect(lab.commands.doctor).toBe(
      `mdctl doctor --neutron-config-dir ${dir}/etc/neutron --nova-config ${dir}/etc/nova/nova.conf --state-path ${dir}/state --network ${lab.ids.network} --instance-ip 10.254.77.10`,
    )
    expect(lab.commands.guest).toBe(`nsenter --net=/run/netns/mdlab-guest mdctl guest --lease-file ${lab.paths.dhclientLeases}`)

    const status = await mdctl(['lab', 'status', '--state-dir', dir, '--json'])
    expect(status.code).toBe(0)
    expect(JSON.parse(status.stdout)).toMatchObject({lab: {scenario: 'healthy-dhcp'}, up: true})

    const human = await mdctl(['lab', 'status', '--state-dir', dir])
    expect(human.stdout.split('\n')[0]).toBe(`up: scenario healthy-dhcp (dhcp path, healthy) in ${dir}`)

    const down = await mdctl(['lab', 'down', '--state-dir', dir, '--json'])
    expect(down.code).toBe(0)
    expect((JSON.parse(down.stdout) as {removed: string[]}).removed).toEqual(expect.arrayContaining([`netns ${lab.namespaces.dhcp}`, 'netns mdlab-guest', dir]))

    const again = await mdctl(['lab', 'down', '--state-dir', dir])
    expect(again.code).toBe(0)
    expect(again.stdout.trim()).toBe('nothing to remove')
  })

  it('up refuses a state directory too long for the agent socket, before building anything', async () => {
    const long = join(tmpdir(), 'x'.repeat(100))
    const r = await mdctl(['lab', 'up', '--state-dir', long])
    expect(r.code).toBe(1)
    expect(errorLine(r.stderr)).toMatch(/^Error: --state-dir \S+ is too long: the agent's unix socket path would exceed 107 bytes$/)
    const st = await mdctl(['lab', 'status', '--state-dir', long, '--json'])
    expect(JSON.parse(st.stdout)).toMatchObject({up: false})
  })
})
