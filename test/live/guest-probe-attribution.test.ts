import {execFile, type ChildProcess} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {renderNeutronHaproxyConfig} from '../../src/lib/neutron-haproxy-template.js'
import type {Report} from '../../src/report/types.js'
import {cannotRun, sh, startIn} from './netns-kit.js'

// A guest and the qdhcp-like namespace of its network: 169.254.169.254 on the port, a host route
// to it, and behind it either real haproxy whose agent is gone (its socket file left behind, as
// after a crash: haproxy answers 503) or a listener that accepts and never answers (a stuck
// agent as the guest sees it). mdctl guest runs in the guest twice: as a cirros-like guest with
// busybox applets only (wget, nc), and as a full guest (curl).
const why = cannotRun(['busybox', 'nsenter', 'haproxy', 'python3', 'curl'])
if (why) console.warn(`SKIPPING guest probe attribution tests: ${why} (CI installs busybox and haproxy and runs them as root)`)

const repo = new URL('../../', import.meta.url).pathname
const G = 'mdpa-guest'
const P = 'mdpa-port'
let dir = ''
const children: ChildProcess[] = []

async function guestRun(busyboxOnly: boolean): Promise<{code: number; report: Report}> {
  const nsenter = sh('command -v nsenter').trim()
  const env = busyboxOnly ? {HOME: dir, NO_COLOR: '1', PATH: join(dir, 'bin')} : {...process.env, NO_COLOR: '1'}
  try {
    const r = await promisify(execFile)(nsenter, [`--net=/run/netns/${G}`, process.execPath, join(repo, 'bin/run.js'), 'guest', '--json'], {env})
    return {code: 0, report: JSON.parse(r.stdout) as Report}
  } catch (error) {
    const e = error as {code: number; stdout: string}
    return {code: e.code, report: JSON.parse(e.stdout) as Report}
  }
}

async function waitListening(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (sh(`nsenter --net=/run/netns/${P} ss -Hltn 'sport = :${port}'`).trim()) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`nothing listens on ${port} in ${P}`)
}

function stopChildren(): void {
  for (const c of children.splice(0)) c.kill('SIGKILL')
}

const failed = (r: Report) => r.findings.filter((f) => f.severity === 'fail')

describe.skipIf(why !== undefined)('mdctl guest names the hop from what the metadata address answered', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mdctl-probe-attr-'))
    mkdirSync(join(dir, 'bin'))
    const busybox = sh('command -v busybox').trim()
    for (const applet of ['sh', 'ip', 'route', 'wget', 'nc', 'cat', 'tail', 'env', 'ls', 'blkid', 'printf', 'sleep', 'kill']) symlinkSync(busybox, join(dir, 'bin', applet))
    sh(`ip netns add ${G}; ip netns add ${P}`)
    sh(`ip link add mdpa-a type veth peer name mdpa-b && ip link set mdpa-a netns ${G} && ip link set mdpa-b netns ${P}`)
    sh(`ip -n ${G} link set lo up; ip -n ${P} link set lo up; ip -n ${G} link set mdpa-a name eth0; ip -n ${G} link set eth0 up; ip -n ${P} link set mdpa-b up`)
    sh(`ip -n ${G} addr add 10.254.93.5/24 dev eth0; ip -n ${P} addr add 10.254.93.2/24 dev mdpa-b; ip -n ${P} addr add 169.254.169.254/32 dev mdpa-b`)
    sh(`ip -n ${G} route add 169.254.169.254/32 via 10.254.93.2 dev eth0; ip -n ${G} route add default via 10.254.93.1 dev eth0`)
  }, 60_000)

  afterAll(() => {
    stopChildren()
    sh(`ip netns del ${G} 2>/dev/null; ip netns del ${P} 2>/dev/null; true`)
    if (dir) rmSync(dir, {force: true, recursive: true})
  })

  describe('agent down: haproxy answers 503 because its socket has no listener', () => {
    beforeAll(async () => {
      // the agent's socket file, left behind by a crash: a socket nobody listens on
      const socket = join(dir, 'metadata_proxy')
      sh(`python3 -c "import socket; s = socket.socket(socket.AF_UNIX); s.bind('${socket}')"`)
      const conf = join(dir, 'haproxy.conf')
      writeFileSync(conf, renderNeutronHaproxyConfig({bind: '169.254.169.254:80', daemon: false, id: '1ab01ab0-0000-4000-8000-000000000093', kind: 'network', pidfile: join(dir, 'haproxy.pid'), socketPath: socket}))
      children.push(startIn(P, ['haproxy', '-db', '-f', conf]))
      await waitListening(80)
    }, 30_000)
    afterAll(stopChildren)

    it('busybox-only guest: names socket, from the page nc fetched when wget kept no body; nothing at guest-route', async () => {
      const {code, report} = await guestRun(true)
      expect(code).toBe(1)
      expect(report.verdict.firstFailingHop).toBe('socket')
      expect(new Set(failed(report).map((f) => f.hop))).toEqual(new Set(['socket']))
      const probes = report.findings.filter((f) => f.check === 'guest-http-probe')
      expect(probes.map((f) => f.code)).toEqual(Array(3).fill('PROXY_NO_SERVER'))
      expect(probes[0]?.subject).toMatch(/\(wget, body read with nc\)$/)
      expect(JSON.stringify(report)).not.toContain('--content-on-error')
    }, 60_000)

    it('full guest with curl: names socket as well', async () => {
      const {report} = await guestRun(false)
      expect(report.verdict.firstFailingHop).toBe('socket')
      expect(new Set(failed(report).map((f) => f.hop))).toEqual(new Set(['socket']))
    }, 60_000)
  })

  describe('a listener that accepts and never answers (a stuck agent, as the guest sees it)', () => {
    beforeAll(async () => {
      children.push(startIn(P, ['python3', '-c', "import socket,time\ns=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('169.254.169.254', 80)); s.listen(64)\nkeep=[]\nwhile True: keep.append(s.accept())"]))
      await waitListening(80)
    }, 30_000)
    afterAll(stopChildren)

    it('full guest with curl: no hop is blamed; the verdict is unknown and says the connection was accepted', async () => {
      const {code, report} = await guestRun(false)
      expect(failed(report)).toEqual([])
      expect(report.verdict.status).toBe('unknown')
      expect(code).toBe(3)
      expect(report.checks.find((c) => c.id === 'guest-http-probe')?.reason).toMatch(/accepted/)
    }, 60_000)

    it('busybox-only guest: wget cannot tell, nc can; no hop is blamed either', async () => {
      const {report} = await guestRun(true)
      expect(failed(report)).toEqual([])
      expect(report.verdict.status).toBe('unknown')
      expect(report.checks.find((c) => c.id === 'guest-http-probe')?.reason).toMatch(/accepted/)
    }, 60_000)
  })
})
