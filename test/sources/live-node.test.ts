import {execFileSync} from 'node:child_process'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {execCapture, spawnCapture} from '../../src/sources/exec.js'
import {LiveNodeSource} from '../../src/sources/live-node.js'

const root = process.getuid?.() === 0
if (!root) console.warn('SKIPPING live namespace source tests: they need root to create network namespaces (CI runs them as root)')

const paths = {neutronConfigDir: '/nonexistent', novaConfig: '/nonexistent/nova.conf', socketPath: '/nonexistent/sock', statePath: '/nonexistent'}
const NS = 'qrouter-mdctl-t0-live-source'

describe('LiveNodeSource', () => {
  beforeAll(() => {
    if (!root) return
    execFileSync('ip', ['netns', 'add', NS])
    execFileSync('nsenter', [`--net=/run/netns/${NS}`, 'iptables', '-t', 'nat', '-A', 'PREROUTING', '-d', '169.254.169.254/32', '-p', 'tcp', '--dport', '80', '-j', 'REDIRECT', '--to-ports', '9697'])
  })
  afterAll(() => {
    if (root) execFileSync('ip', ['netns', 'delete', NS])
  })

  it.skipIf(!root)('splits one nsenter process tree back into iptables, listener and address captures', async () => {
    const [ipt, ls, addr] = await new LiveNodeSource().netns(NS, paths)
    expect(ipt?.key).toBe('netns.iptables')
    expect(ipt?.exitCode).toBe(0)
    expect(ipt?.stdout).toContain('--to-ports 9697')
    expect(ipt?.argv).toEqual(['iptables-save'])
    expect(ls?.key).toBe('netns.listeners')
    expect(ls?.exitCode).toBe(0)
    expect(addr?.stdout).toMatch(/"ifname":"lo"/)
    expect(addr?.stdout).not.toContain('@@mdctl')
  })

  it.skipIf(!root)('reports a namespace that vanished during the scan as "vanished", not as an empty namespace', async () => {
    const caps = await new LiveNodeSource().netns('qrouter-mdctl-t0-never-existed', paths)
    expect(caps).toHaveLength(3)
    for (const c of caps) {
      expect(c.failure).toBe('vanished')
      expect(c.stderr).toMatch(/vanished during the scan/)
    }
  })

  it('records a missing file as exit 1 "No such file", which the checks read as "absent"', async () => {
    const c = await new LiveNodeSource().get('node.agent-ini', paths)
    expect(c.exitCode).toBe(1)
    expect(c.stderr).toMatch(/No such file or directory/)
  })
})

describe('process runners', () => {
  it('turns a hung command into a timeout capture, killing it', async () => {
    const t = performance.now()
    const c = await spawnCapture('x', undefined, ['sleep', '30'], 'test', {timeoutMs: 300})
    expect(c.failure).toBe('timeout')
    expect(performance.now() - t).toBeLessThan(5000)
  })

  it('turns a missing binary into a not-found capture (both runners)', async () => {
    const a = await spawnCapture('x', undefined, ['mdctl-no-such-binary'], 'test', {timeoutMs: 1000})
    const b = await execCapture('x', undefined, ['mdctl-no-such-binary'], 'test')
    expect(a.failure).toBe('not-found')
    expect(b.failure).toBe('not-found')
    expect(b.stderr).toMatch(/not found|ENOENT/)
  })

  it('keeps a non-zero exit as evidence with its stderr', async () => {
    const c = await execCapture('x', undefined, ['sh', '-c', 'echo oops >&2; exit 3'], 'test')
    expect(c.exitCode).toBe(3)
    expect(c.stderr.trim()).toBe('oops')
    expect(c.failure).toBeUndefined()
  })
})
