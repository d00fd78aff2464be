import {execFile, type ChildProcess} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync, mkdirSync, chmodSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Report} from '../../src/report/types.js'
import {expectValidReport} from '../report-schema.js'
import {goldenOf} from '../replay/golden.js'
import {cannotRun, hostSnapshot, sh, startIn} from './netns-kit.js'

// A real guest: a namespace with a real sshd, the RHEL zeroconf route and no /32 host route, so
// 169.254.169.254 is on-link and nobody answers ARP for it (seed 003). mdctl reaches it over ssh
// from an "operator" namespace, runs inside it locally, and replays a capture of it.
const why = cannotRun(['sshd', 'ssh', 'ssh-keygen', 'nsenter', 'curl'])
if (why) console.warn(`SKIPPING live guest tests: ${why} (CI runs them as root with openssh-server installed)`)

const repo = new URL('../../', import.meta.url).pathname
const G = 'mdgt-guest'
const OP = 'mdgt-op'
const GUEST_IP = '10.254.91.5'
let dir = ''
let sshd: ChildProcess | undefined

async function mdctlIn(ns: string, args: string[]): Promise<{code: number; stdout: string; stderr: string}> {
  try {
    const r = await promisify(execFile)('nsenter', [`--net=/run/netns/${ns}`, 'node', join(repo, 'bin/run.js'), ...args], {env: {...process.env, NO_COLOR: '1'}, maxBuffer: 16 * 1024 * 1024})
    return {code: 0, stderr: r.stderr, stdout: r.stdout}
  } catch (error) {
    const e = error as {code: number; stdout: string; stderr: string}
    return {code: e.code, stderr: e.stderr, stdout: e.stdout}
  }
}

const sshArgs = (): string[] => ['--ssh', `root@${GUEST_IP}`, '-i', join(dir, 'client'), '--ssh-option', 'StrictHostKeyChecking=no', '--ssh-option', `UserKnownHostsFile=${join(dir, 'known_hosts')}`]

describe.skipIf(why !== undefined)('mdctl guest against a real sshd guest with the zeroconf route', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mdctl-guest-'))
    sh(`ip netns add ${G}; ip netns add ${OP}`)
    sh(`ip link add mdgt-a type veth peer name mdgt-b && ip link set mdgt-a netns ${G} && ip link set mdgt-b netns ${OP}`)
    sh(`ip -n ${G} link set lo up; ip -n ${OP} link set lo up; ip -n ${G} link set mdgt-a name eth0; ip -n ${G} link set eth0 up; ip -n ${OP} link set mdgt-b up`)
    sh(`ip -n ${G} addr add ${GUEST_IP}/24 dev eth0; ip -n ${OP} addr add 10.254.91.1/24 dev mdgt-b`)
    sh(`ip -n ${G} route add default via 10.254.91.1; ip -n ${G} route add 169.254.0.0/16 dev eth0 scope link metric 1002`)
    sh(`ssh-keygen -q -t ed25519 -N '' -f ${dir}/host && ssh-keygen -q -t ed25519 -N '' -f ${dir}/client`)
    mkdirSync(join(dir, 'auth'))
    writeFileSync(join(dir, 'auth', 'authorized_keys'), sh(`cat ${dir}/client.pub`))
    chmodSync(join(dir, 'auth', 'authorized_keys'), 0o600)
    writeFileSync(
      join(dir, 'sshd_config'),
      [`ListenAddress ${GUEST_IP}`, 'Port 22', `HostKey ${dir}/host`, `AuthorizedKeysFile ${dir}/auth/authorized_keys`, `PidFile ${dir}/sshd.pid`, 'PermitRootLogin prohibit-password', 'PasswordAuthentication no', 'UsePAM no', 'StrictModes no', ''].join('\n'),
    )
    sh('mkdir -p /run/sshd') // privilege separation directory the Debian package normally creates
    sshd = startIn(G, ['/usr/sbin/sshd', '-D', '-e', '-f', join(dir, 'sshd_config')])
    for (let i = 0; i < 50; i++) {
      try {
        sh(`nsenter --net=/run/netns/${OP} sh -c 'echo | nc -w 1 ${GUEST_IP} 22' | grep -q SSH`)
        break
      } catch {
        await new Promise((r) => setTimeout(r, 100))
      }
    }
  }, 60_000)

  afterAll(() => {
    sshd?.kill('SIGTERM')
    sh(`ip netns del ${G} 2>/dev/null; ip netns del ${OP} 2>/dev/null; true`)
    if (dir) rmSync(dir, {force: true, recursive: true})
  })

  it('over ssh: names guest-route with the NOZEROCONF fix, and the failed ARP for 169.254.169.254', async () => {
    const before = hostSnapshot([G])
    const r = await mdctlIn(OP, ['guest', ...sshArgs(), '--json'])
    expect(r.code).toBe(1)
    const report = JSON.parse(r.stdout) as Report
    expectValidReport(report)
    expect(report.source.kind).toBe('ssh')
    expect(report.verdict.firstFailingHop).toBe('guest-route')
    const zc = report.findings.find((f) => f.code === 'GUEST_ZEROCONF_ROUTE')
    expect(zc?.fix?.commands?.join('\n')).toContain('NOZEROCONF=yes')
    const arp = report.findings.find((f) => f.hop === 'guest-arp')
    expect(arp).toMatchObject({code: 'GUEST_ARP_FAILED', severity: 'fail'})
    expect(report.findings.some((f) => f.check === 'guest-http-probe' && f.severity === 'fail')).toBe(true)
    expect(hostSnapshot([G])).toBe(before)
  }, 120_000)

  it('local, over ssh and from a captured bundle: the same findings', async () => {
    const local = await mdctlIn(G, ['guest', '--json', '--passive'])
    const viaSsh = await mdctlIn(OP, ['guest', ...sshArgs(), '--json', '--passive'])
    const bundle = join(dir, 'bundle')
    const cap = await mdctlIn(OP, ['capture', '--out', bundle, ...sshArgs(), '--passive'])
    expect(cap.code).toBe(0)
    const replay = await mdctlIn(OP, ['guest', '--from', bundle, '--json'])
    const g = (s: string) => goldenOf(JSON.parse(s) as Report)
    expect(g(viaSsh.stdout)).toEqual(g(local.stdout))
    expect(g(replay.stdout)).toEqual(g(local.stdout))
    expect(g(local.stdout).findings).toContain('fail guest-route GUEST_ZEROCONF_ROUTE guest eth0')
  }, 120_000)

  it('says clearly when the guest cannot be reached over ssh', async () => {
    const r = await mdctlIn(OP, ['guest', '--ssh', 'root@10.254.91.77', '-i', join(dir, 'client'), '--connect-timeout', '2', '--json'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/cannot reach the guest over ssh/)
    // under --json the error is the one document on stdout
    expect((JSON.parse(r.stdout) as {error: {message: string}}).error.message).toMatch(/cannot reach the guest over ssh/)
  }, 30_000)
})
