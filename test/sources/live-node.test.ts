import {execFileSync} from 'node:child_process'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {execCapture} from '../../src/sources/exec.js'
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

  it.skipIf(!root)('splits one process tree back into captures: rules and listeners for a router', async () => {
    const caps = await new LiveNodeSource().netns(NS, paths)
    expect(caps.map((c) => c.key)).toEqual(['netns.iptables', 'netns.listeners'])
    const [ipt, ls] = caps
    expect(ipt?.key).toBe('netns.iptables')
    expect(ipt?.exitCode).toBe(0)
    expect(ipt?.stdout).toContain('--to-ports 9697')
    expect(ipt?.argv).toEqual(['iptables-save'])
    expect(ls?.key).toBe('netns.listeners')
    expect(ls?.exitCode).toBe(0)
    expect(ls?.stdout).not.toContain('@@mdctl')
  })

  it.skipIf(!root)('reads listeners and addresses, not rules, in a DHCP namespace', async () => {
    execFileSync('ip', ['netns', 'add', 'qdhcp-mdctl-t0-live-source'])
    try {
      const caps = await new LiveNodeSource().netns('qdhcp-mdctl-t0-live-source', paths)
      expect(caps.map((c) => c.key)).toEqual(['netns.listeners', 'netns.addr'])
      expect(caps[1]?.stdout).toMatch(/"ifname":"lo"/)
    } finally {
      execFileSync('ip', ['netns', 'delete', 'qdhcp-mdctl-t0-live-source'])
    }
  })

  it.skipIf(!root)('gives the same captures through the python3 (setns) and the sh (nsenter) launchers', async () => {
    const strip = (cs: Awaited<ReturnType<LiveNodeSource['netns']>>) => cs.map((c) => ({argv: c.argv, exitCode: c.exitCode, key: c.key, stderr: c.stderr, stdout: c.stdout.replace(/ on .*\d{4}$/m, '')}))
    const py = new LiveNodeSource({python: true})
    const sh = new LiveNodeSource({python: false})
    try {
      expect(strip(await py.netns(NS, paths))).toEqual(strip(await sh.netns(NS, paths)))
      const [a, b] = [await py.netns('qrouter-mdctl-t0-gone', paths), await sh.netns('qrouter-mdctl-t0-gone', paths)]
      expect(a.map((c) => c.failure)).toEqual(['vanished', 'vanished'])
      expect(b.map((c) => c.failure)).toEqual(['vanished', 'vanished'])
    } finally {
      py.close()
      sh.close()
    }
  })

  it.skipIf(!root)('reports a namespace that vanished during the scan as "vanished", not as an empty namespace', async () => {
    const caps = await new LiveNodeSource().netns('qrouter-mdctl-t0-never-existed', paths)
    expect(caps).toHaveLength(2)
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
    const c = await execCapture('x', undefined, ['sleep', '30'], 'test', {timeoutMs: 300})
    expect(c.failure).toBe('timeout')
    expect(performance.now() - t).toBeLessThan(5000)
  })

  it('turns a missing binary into a not-found capture', async () => {
    const b = await execCapture('x', undefined, ['mdctl-no-such-binary'], 'test')
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
