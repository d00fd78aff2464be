// The lab, live: every scenario is built with real namespaces, iptables, haproxy, dnsmasq and
// dhclient, the break is observed from the guest and on the node, then `lab down` must leave the
// host exactly as it was. Needs root; CI runs it as root with all tools installed.
import {createHash} from 'node:crypto'
import {access, lstat, readdir, readFile, stat} from 'node:fs/promises'
import {connect} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {labDown, labStatus, labUp, SCENARIOS, type LabInfo} from '../../src/lab/index.js'
import {guestGet, hostPicture, inNs, labPrerequisites, leftoverProcesses, netnsInode, sh, type HostPicture} from './helpers.js'

const missing = await labPrerequisites()
if (missing) console.warn(`test/lab/lab.test.ts: SKIPPED, the live lab needs root and its tools: ${missing}`)

const dir = join(tmpdir(), `mdlab-test-${process.pid}`)

const read = (p: string): Promise<string> => readFile(p, 'utf8')
const exists = (p: string): Promise<boolean> =>
  access(p).then(
    () => true,
    () => false,
  )
const iniValue = (text: string, key: string): string | undefined => new RegExp(`^${key}\\s*=\\s*(.*)$`, 'm').exec(text)?.[1]?.trim()
const digest = (s: string | undefined): string => createHash('sha256').update(s ?? '').digest('hex')

async function proxyConf(lab: LabInfo, id: string): Promise<string> {
  return read(join(lab.paths.statePath, 'ns-metadata-proxy', `${id}.conf`))
}

async function guestRoutes(): Promise<string> {
  return (await inNs('mdlab-guest', ['ip', '-4', 'route'])).stdout
}

function connectUnix(path: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(path)
    s.once('connect', () => {
      s.destroy()
      resolve('connected')
    })
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'))
  })
}

/** What each scenario must really have broken (or, for the healthy ones, not). */
const ASSERT: Record<string, (lab: LabInfo) => Promise<void>> = {
  async 'healthy-router'(lab) {
    const r = await guestGet('/openstack/latest/meta_data.json')
    expect(r.status).toBe(200)
    expect(JSON.parse(r.body).uuid).toBe(lab.ids.instance)
    expect(await guestRoutes()).toContain('169.254.169.254 via 10.254.77.1 dev eth0')
    const rules = (await inNs(lab.namespaces.router!, ['iptables-save'])).stdout
    expect(rules).toContain('-A neutron-l3-agent-PREROUTING -d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 9697')
    expect(rules).toContain('-A neutron-l3-agent-PREROUTING -d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j MARK --set-xmark 0x1/0xffff')
    expect(rules).toContain('-A neutron-l3-agent-INPUT -m mark --mark 0x1/0xffff -j ACCEPT')
    expect(rules).toContain('-A neutron-l3-agent-INPUT -p tcp -m tcp --dport 9697 -j DROP')
    // processing the router port rewrites the filter scope chain (neutron 21): the mark DROP is gone
    expect(rules).not.toContain('-A neutron-l3-agent-scope -m mark --mark 0x1/0xffff -j DROP')
    expect(rules).toMatch(/-A neutron-l3-agent-scope -o qr-\S+ -m mark ! --mark 0x4000000\/0xffff0000 -j DROP/)
    const conf = await proxyConf(lab, lab.ids.router)
    expect(conf).toContain(`    server metadata ${lab.paths.statePath}/metadata_proxy\n`)
    expect(conf).toContain(`    http-request set-header X-Neutron-Router-ID ${lab.ids.router}\n`)
    expect(conf).toMatch(/\n {4}bind (:::9697|0\.0\.0\.0:9697)\n/)
    // neutron's liveness test: the pid in the pid file runs haproxy with the router id in its argv
    const pid = (await read(join(lab.paths.statePath, 'external', 'pids', `${lab.ids.router}.pid.haproxy`))).trim()
    expect((await read(`/proc/${pid}/cmdline`)).split('\0')).toContain(join(lab.paths.statePath, 'ns-metadata-proxy', `${lab.ids.router}.conf`))
    // the guest got its address and routes from real dnsmasq via real dhclient
    expect(await read(lab.paths.dhclientLeases)).toContain('option rfc3442-classless-static-routes 32,169,254,169,254,10,254,77,1,0,10,254,77,1;')
    // the shared secret: only in the two files that hold it on a real node, both 0600, and equal
    const ini = await read(lab.paths.metadataAgentIni)
    const nova = await read(lab.paths.novaConfig)
    const secret = iniValue(ini, 'metadata_proxy_shared_secret')
    expect(secret?.length).toBeGreaterThanOrEqual(16)
    expect(digest(iniValue(nova, 'metadata_proxy_shared_secret'))).toBe(digest(secret))
    expect((await stat(lab.paths.metadataAgentIni)).mode & 0o777).toBe(0o600)
    expect((await stat(lab.paths.novaConfig)).mode & 0o777).toBe(0o600)
    const files = (await readdir(lab.stateDir, {recursive: true, withFileTypes: true})).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name))
    const holding = []
    for (const f of files) if ((await read(f)).includes(secret ?? '\u0000')) holding.push(f)
    expect(holding.sort()).toEqual([lab.paths.metadataAgentIni, lab.paths.novaConfig].sort())
    expect(JSON.stringify(lab)).not.toContain(secret)
  },

  async 'healthy-dhcp'(lab) {
    const r = await guestGet('/openstack/latest/meta_data.json')
    expect(r.status).toBe(200)
    expect(JSON.parse(r.body).uuid).toBe(lab.ids.instance)
    expect(await guestRoutes()).toContain('169.254.169.254 via 10.254.77.2 dev eth0')
    expect(lab.namespaces.router).toBeUndefined()
    expect((await inNs(lab.namespaces.dhcp, ['ip', '-4', '-o', 'addr'])).stdout).toContain('inet 169.254.169.254/32')
    const conf = await proxyConf(lab, lab.ids.network)
    expect(conf).toContain('    bind 169.254.169.254:80\n')
    expect(conf).toContain(`    http-request set-header X-Neutron-Network-ID ${lab.ids.network}\n`)
  },

  async zeroconf(lab) {
    const routes = await guestRoutes()
    expect(routes).toContain('169.254.0.0/16 dev eth0 scope link metric 1002')
    expect(routes).not.toContain('169.254.169.254')
    // no ARP answer: curl's -m 3 and the kernel's ARP give-up (3 probes, 1 s apart) race: 28 or 7
    const r = await guestGet('/openstack', 3)
    expect([7, 28]).toContain(r.curl)
    expect(r.ms).toBeGreaterThanOrEqual(2500)
    const neigh = (await inNs('mdlab-guest', ['ip', 'neigh', 'show', '169.254.169.254'])).stdout
    expect(neigh).toMatch(/169\.254\.169\.254 dev eth0 +(INCOMPLETE|FAILED)/)
    // the DHCP side offered the route; the guest never asked for option 121
    expect(await read(lab.paths.dhcpOpts)).toContain('169.254.169.254/32,10.254.77.1')
    expect(await read(lab.paths.dhclientLeases)).not.toContain('rfc3442')
  },

  async 'isolated-metadata-disabled'(lab) {
    expect(await read(lab.paths.dhcpOpts)).not.toContain('169.254')
    expect(await guestRoutes()).not.toContain('169.254')
    expect((await inNs(lab.namespaces.dhcp, ['ip', '-4', '-o', 'addr'])).stdout).not.toContain('169.254.169.254')
    expect(await exists(join(lab.paths.statePath, 'ns-metadata-proxy', `${lab.ids.network}.conf`))).toBe(false)
    expect((await inNs(lab.namespaces.dhcp, ['ss', '-Hltn'])).stdout).toBe('')
    expect((await guestGet('/openstack', 3)).status).toBe(0)
  },

  async 'redirect-missing'(lab) {
    const rules = (await inNs(lab.namespaces.router!, ['iptables-save'])).stdout
    expect(rules).not.toContain('REDIRECT')
    expect(rules).toContain('-j MARK --set-xmark 0x1/0xffff')
    const r = await guestGet('/openstack', 3)
    expect(r.status).toBe(0)
    expect(r.curl).not.toBe(0)
  },

  async 'proxy-dead'(lab) {
    const pidFile = join(lab.paths.statePath, 'external', 'pids', `${lab.ids.router}.pid.haproxy`)
    const pid = (await read(pidFile)).trim()
    expect(await exists(`/proc/${pid}`).then(async (e) => e && !/\) [ZX] /.test(await read(`/proc/${pid}/stat`)))).toBe(false)
    expect((await inNs(lab.namespaces.router!, ['ss', '-Hltn'])).stdout).not.toContain(':9697')
    const r = await guestGet('/openstack', 3)
    expect(r.curl).toBe(7)
  },

  async 'proxy-stale-id'(lab) {
    const conf = await proxyConf(lab, lab.ids.router)
    const id = /set-header X-Neutron-Router-ID (\S+)/.exec(conf)?.[1]
    expect(id).toBeDefined()
    expect(id).not.toBe(lab.ids.router)
    const r = await guestGet('/openstack')
    expect(r.status).toBe(404)
    expect(r.body).toContain(`Instance was not found on router ${id}.`)
  },

  async 'agent-down'(lab) {
    expect((await lstat(lab.paths.agentSocket)).isSocket()).toBe(true)
    expect(await connectUnix(lab.paths.agentSocket)).toBe('ECONNREFUSED')
    const r = await guestGet('/openstack')
    expect(r.status).toBe(503)
    expect(r.body).toContain('No server is available to handle this request.')
  },

  async 'socket-mismatch'(lab) {
    const conf = await proxyConf(lab, lab.ids.router)
    expect(conf).toContain(`server metadata ${lab.paths.proxySocket}\n`)
    expect(iniValue(await read(lab.paths.metadataAgentIni), 'metadata_proxy_socket')).toBe(lab.paths.agentSocket)
    expect(lab.paths.agentSocket).not.toBe(lab.paths.proxySocket)
    expect(await connectUnix(lab.paths.agentSocket)).toBe('connected')
    expect(await exists(lab.paths.proxySocket)).toBe(false)
    const r = await guestGet('/openstack')
    expect(r.status).toBe(503)
    expect(r.body).toContain('No server is available to handle this request.')
  },

  async 'nova-down'(lab) {
    const api = await sh(['curl', '-s', '-m', '2', `http://${lab.api.host}:${lab.api.port}/`])
    expect(api.code).toBe(7)
    const r = await guestGet('/openstack')
    expect(r.status).toBe(503)
    expect(r.body).toContain('The remote metadata server is temporarily unavailable. Please try again later.')
  },

  async 'wrong-nova-host'(lab) {
    expect(iniValue(await read(lab.paths.metadataAgentIni), 'nova_metadata_host')).toBe('127.0.0.2')
    // nova itself is fine where nova.conf says it listens
    const api = await sh(['curl', '-s', '-m', '2', `http://${lab.api.host}:${lab.api.port}/`])
    expect(api.stdout).toContain('2009-04-04')
    const r = await guestGet('/openstack')
    expect(r.status).toBe(503)
    expect(r.body).toContain('The remote metadata server is temporarily unavailable.')
  },

  async 'secret-mismatch'(lab) {
    const a = iniValue(await read(lab.paths.metadataAgentIni), 'metadata_proxy_shared_secret')
    const n = iniValue(await read(lab.paths.novaConfig), 'metadata_proxy_shared_secret')
    expect(digest(a)).not.toBe(digest(n))
    const r = await guestGet('/openstack')
    expect(r.status).toBe(403)
    expect(r.body).toContain('Invalid proxy request signature.')
  },

  async 'unknown-guest-ip'(lab) {
    expect(await read(lab.paths.inventory)).not.toContain(`"${lab.addresses.guest}"`)
    const r = await guestGet('/openstack')
    expect(r.status).toBe(404)
    expect(r.body).toContain(`Instance was not found on router ${lab.ids.router}.`)
  },
}

describe.skipIf(missing !== undefined)('mdctl lab, live (root)', () => {
  let before: HostPicture

  beforeAll(async () => {
    await labDown({stateDir: dir})
    before = await hostPicture()
    expect(before.labNetns).toEqual([])
  })

  afterAll(async () => {
    await labDown({stateDir: dir})
  })

  /** up → assert → down, then the host must be as before and nothing of the lab may run. */
  async function cycle(scenario: string, check: (lab: LabInfo) => Promise<void>, ssh = false): Promise<void> {
    let inodes = new Set<string>()
    try {
      const lab = await labUp({scenario, ssh, stateDir: dir})
      expect(lab.scenario).toBe(scenario)
      inodes = new Set((await Promise.all(Object.values(lab.namespaces).map((n) => netnsInode(n)))).filter((i): i is string => i !== undefined))
      await check(lab)
    } finally {
      await labDown({stateDir: dir})
    }
    expect(await leftoverProcesses(dir, inodes)).toEqual([])
    expect(await exists(dir)).toBe(false)
    expect(await hostPicture()).toEqual(before)
  }

  for (const s of SCENARIOS) {
    it(`${s.name}: ${s.expectedHop === null ? 'the guest gets its meta_data.json' : `the ${s.expectedHop} break is really there`}; down restores the host`, async () => {
      await cycle(s.name, ASSERT[s.name]!)
    })
  }

  it('--ssh: sshd in the guest answers from the host over the mdlab-host veth, and down removes veth, route and sshd', async () => {
    await cycle(
      'healthy-router',
      async (lab) => {
        expect(lab.ssh).toBeDefined()
        const ssh = await sh(['ssh', '-i', lab.ssh!.identity, '-o', `UserKnownHostsFile=${lab.ssh!.knownHosts}`, '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-T', `root@${lab.addresses.guest}`, 'ip -4 -o addr show dev eth0; curl -s -m 5 http://169.254.169.254/openstack/latest/meta_data.json'])
        expect(ssh.stderr).toBe('')
        expect(ssh.stdout).toContain('inet 10.254.77.10/24')
        expect(ssh.stdout).toContain(lab.ids.instance)
        expect(lab.commands.guest).toBe(`mdctl guest --ssh root@10.254.77.10 --identity ${lab.ssh!.identity} --ssh-option UserKnownHostsFile=${lab.ssh!.knownHosts} --lease-file ${lab.paths.dhclientLeases}`)
        expect((await sh(['ip', '-o', '-4', 'addr', 'show', 'dev', 'mdlab-host'])).stdout).toContain('inet 10.254.77.254/32')
      },
      true,
    )
  })

  it('down is idempotent: a second run finds nothing to remove', async () => {
    await labUp({scenario: 'healthy-dhcp', stateDir: dir})
    const first = await labDown({stateDir: dir})
    expect(first.removed).toEqual(expect.arrayContaining([`netns mdlab-guest`, `netns mdlab-net`, dir]))
    expect((await labDown({stateDir: dir})).removed).toEqual([])
    expect(await hostPicture()).toEqual(before)
  })

  it('down given a directory without a lab tears down the one lab that runs, wherever it lives', async () => {
    await labUp({scenario: 'nova-down', stateDir: dir})
    const {removed} = await labDown({stateDir: join(tmpdir(), `mdlab-nothing-here-${process.pid}`)})
    expect(removed).toEqual(expect.arrayContaining(['netns mdlab-guest', join(dir, 'lab.json'), dir]))
    expect(await exists(dir)).toBe(false)
    expect(await hostPicture()).toEqual(before)
  })

  it('status reports a built lab as up with its scenario, and nothing once it is down', async () => {
    const lab = await labUp({scenario: 'agent-down', stateDir: dir})
    try {
      const st = await labStatus({stateDir: dir})
      expect(st.up).toBe(true)
      expect(st.lab?.scenario).toBe('agent-down')
      expect(st.processes.find((p) => p.role === 'agent')?.running).toBe(false)
      expect(st.namespaces.map((n) => n.name).sort()).toEqual(Object.values(lab.namespaces).sort())
    } finally {
      await labDown({stateDir: dir})
    }
    const st = await labStatus({stateDir: dir})
    expect(st.up).toBe(false)
    expect(st.lab).toBeUndefined()
  })

  it('a second up while a lab exists is refused with one line and changes nothing', async () => {
    await labUp({scenario: 'healthy-dhcp', stateDir: dir})
    try {
      await expect(labUp({scenario: 'healthy-router', stateDir: join(dir, 'other')})).rejects.toThrow(/^a lab is already up \(namespace mdlab-\w+ exists\): run `mdctl lab down` first$/)
      expect((await labStatus({stateDir: dir})).up).toBe(true)
    } finally {
      await labDown({stateDir: dir})
    }
    expect(await hostPicture()).toEqual(before)
  })

  it('up refuses a state directory that is not empty, and leaves it as it was', async () => {
    const {mkdir, writeFile, rm} = await import('node:fs/promises')
    const busy = join(tmpdir(), `mdlab-busy-${process.pid}`)
    await mkdir(join(busy, 'etc'), {recursive: true})
    await writeFile(join(busy, 'etc', 'keep.conf'), 'x')
    try {
      await expect(labUp({stateDir: busy})).rejects.toThrow(`--state-dir ${busy} is not empty: give a new or empty directory (lab down deletes what the lab puts there)`)
      expect((await labDown({stateDir: busy})).removed).toEqual([])
      expect(await read(join(busy, 'etc', 'keep.conf'))).toBe('x')
    } finally {
      await rm(busy, {force: true, recursive: true})
    }
    expect(await hostPicture()).toEqual(before)
  })

  it('a half-built lab (up killed with SIGKILL after its daemons started) is cleaned by down', async () => {
    const {spawn} = await import('node:child_process')
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/dev.js', 'lab', 'up', '--scenario', 'healthy-router', '--state-dir', dir], {cwd: join(import.meta.dirname, '..', '..'), stdio: 'ignore'})
    const deadline = Date.now() + 20_000
    while (!(await exists(join(dir, 'run', 'agent.pid'))) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
    const st = await labStatus({stateDir: dir})
    expect(st.lab?.complete).toBe(false)
    const inodes = new Set((await Promise.all(st.namespaces.map((n) => netnsInode(n.name)))).filter((i): i is string => i !== undefined))
    expect(inodes.size).toBeGreaterThan(0)
    const {removed} = await labDown({stateDir: dir})
    expect(removed).toEqual(expect.arrayContaining([expect.stringMatching(/^process lab agent \(pid \d+\)$/), expect.stringMatching(/^process lab api \(pid \d+\)$/)]))
    expect(await leftoverProcesses(dir, inodes)).toEqual([])
    expect(await exists(dir)).toBe(false)
    expect(await hostPicture()).toEqual(before)
  })
})
