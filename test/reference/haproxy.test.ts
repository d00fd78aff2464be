// Debian's real haproxy, configured exactly as neutron renders it, in front of the reference
// agent and API: the chain works end to end, and the reference proxy's own answers match
// haproxy's byte for byte.
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {
  parseFault,
  parseReferenceConfig,
  renderNeutronHaproxyConfig,
  type RunningServer,
  startAgent,
  startApi,
  startProxy,
} from '../../src/reference/index.js'
import {freePort, rawInstances, type Reply, request, ROUTER, SECRET, sleep, tempDir, VM} from './helpers.js'

const hasHaproxy = spawnSync('haproxy', ['-v'], {stdio: 'ignore'}).status === 0
if (!hasHaproxy) console.warn('haproxy.test: haproxy is not installed: the real-haproxy tests are skipped (apt-get install haproxy)')

const instances = parseReferenceConfig({instances: rawInstances(), secret: SECRET}).instances

// facts §6.2, neutron master, with the router id, pid file, socket and bind of a real node
const NEUTRON_MASTER = `
global
    log         /dev/log local0 info
    log-tag     haproxy-metadata-proxy-${ROUTER}
    user        neutron
    group       neutron
    maxconn     1024
    nbthread    2
    pidfile     /var/lib/neutron/external/pids/${ROUTER}.pid.haproxy
    daemon

defaults
    log global
    mode http
    option httplog
    option dontlognull
    option http-server-close
    option forwardfor
    retries                 3
    timeout http-request    30s
    timeout connect         30s
    timeout client          32s
    timeout server          32s
    timeout http-keep-alive 30s

listen listener
    bind :::9697
    
    server metadata /var/lib/neutron/metadata_proxy

    http-request del-header X-Neutron-Network-ID
    http-request set-header X-Neutron-Router-ID ${ROUTER}
`

describe('renderNeutronHaproxyConfig', () => {
  it("renders neutron master's config byte for byte", () => {
    const cfg = renderNeutronHaproxyConfig({
      bind: ':::9697',
      daemon: true,
      group: 'neutron',
      kind: 'router',
      id: ROUTER,
      pidfile: `/var/lib/neutron/external/pids/${ROUTER}.pid.haproxy`,
      socketPath: '/var/lib/neutron/metadata_proxy',
      user: 'neutron',
    })
    expect(cfg).toBe(NEUTRON_MASTER)
  })
})

describe.skipIf(!hasHaproxy)('real haproxy in front of the reference agent and api', () => {
  let dir: string
  let cleanup: () => Promise<void>
  const procs: ChildProcess[] = []
  const servers: RunningServer[] = []

  beforeAll(async () => {
    ;({dir, cleanup} = await tempDir())
  })
  afterAll(async () => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM')
    await Promise.all(procs.map((p) => (p.exitCode === null && p.signalCode === null ? new Promise((r) => p.once('exit', r)) : null)))
    while (servers.length > 0) await servers.pop()?.close()
    await cleanup()
  })

  /** haproxy with neutron's config (loopback bind, temp pid file, no user/group/daemon: root, foreground). */
  async function haproxy(name: string, socketPath: string, timeouts: {server?: number} = {}): Promise<string> {
    const port = await freePort()
    const cfg = join(dir, `${name}.conf`)
    await writeFile(cfg, renderNeutronHaproxyConfig({bind: `127.0.0.1:${port}`, daemon: false, id: ROUTER, kind: 'router', pidfile: join(dir, `${name}.pid.haproxy`), socketPath, timeouts}))
    const check = spawnSync('haproxy', ['-c', '-f', cfg], {encoding: 'utf8'})
    expect(check.status, check.stderr).toBe(0)
    const p = spawn('haproxy', ['-f', cfg], {stdio: 'ignore'})
    procs.push(p)
    for (let i = 0; i < 100; i++) {
      try {
        await request(`127.0.0.1:${port}`, '/healthz-never')
        break
      } catch {
        await sleep(50)
      }
    }
    return `127.0.0.1:${port}`
  }

  async function backend(name: string, faults: {agent?: string[]; api?: string[]} = {}): Promise<string> {
    const api = await startApi({faults: (faults.api ?? []).map((f) => parseFault(f, 'api', 't')), instances, listen: '127.0.0.1:0', log: false, secret: SECRET})
    servers.push(api)
    const socket = join(dir, `${name}.sock`)
    const agent = await startAgent({
      faults: (faults.agent ?? []).map((f) => parseFault(f, 'agent', 't')),
      instances,
      log: false,
      novaPort: Number(/:(\d+)$/.exec(api.address)?.[1]),
      secret: SECRET,
      socket,
    })
    servers.push(agent)
    return socket
  }

  it('serves the instance its metadata through haproxy -> unix socket -> agent -> api', async () => {
    const h = await haproxy('ok', await backend('ok'))
    expect((await request(h, '/latest/meta-data/local-ipv4')).body).toBe(VM.ip)
    expect((await request(h, '/openstack/latest/meta_data.json')).body).toContain(`"uuid": "${VM.uuid}"`)
    const pw = 'z'.repeat(100)
    expect((await request(h, '/openstack/2013-10-17/password', {body: pw, method: 'POST'})).status).toBe(200)
    expect((await request(h, '/openstack/2013-10-17/password')).body).toBe(pw)
  })

  it("relays the agent's bare-LF 404 template to a guest no port belongs to", async () => {
    const h = await haproxy('notfound', await backend('notfound'))
    const r = await request(h, '/openstack', {localAddress: '127.0.0.9'})
    expect(r.status).toBe(404)
    expect(r.body).toContain(`Instance was not found on router ${ROUTER}.<br /><br />`)
  })

  it("keeps a guest-sent X-Forwarded-For (option forwardfor appends), which the agent cannot parse: 502; the reference proxy strips it: 200", async () => {
    const socket = await backend('spoof')
    const h = await haproxy('spoof', socket)
    expect((await request(h, '/latest/meta-data/local-ipv4', {headers: {'X-Forwarded-For': '10.0.0.6'}})).status).toBe(502)
    const ours = await startProxy({listen: '127.0.0.1:0', log: false, routerId: ROUTER, socket})
    servers.push(ours)
    expect((await request(ours, '/latest/meta-data/local-ipv4', {headers: {'X-Forwarded-For': '10.0.0.6'}})).body).toBe(VM.ip)
  })

  const same = (ours: Reply, theirs: Reply): void => {
    expect([ours.status, ours.reason, ours.body]).toEqual([theirs.status, theirs.reason, theirs.body])
    expect([ours.headers['content-type'], ours.headers['cache-control']]).toEqual([theirs.headers['content-type'], theirs.headers['cache-control']])
  }

  it('answers 503 exactly as haproxy when the socket is missing', async () => {
    const socket = join(dir, 'missing.sock')
    const h = await haproxy('missing', socket)
    const ours = await startProxy({listen: '127.0.0.1:0', log: false, routerId: ROUTER, socket})
    servers.push(ours)
    const theirs = await request(h, '/openstack')
    expect(theirs.status).toBe(503)
    same(await request(ours, '/openstack'), theirs)
  })

  it('answers 502 exactly as haproxy when the agent closes without a reply', async () => {
    const socket = await backend('dropper', {agent: ['close']})
    const h = await haproxy('dropper', socket)
    const ours = await startProxy({listen: '127.0.0.1:0', log: false, routerId: ROUTER, socket})
    servers.push(ours)
    const theirs = await request(h, '/openstack')
    expect(theirs.status).toBe(502)
    same(await request(ours, '/openstack'), theirs)
  })

  it('answers 504 exactly as haproxy when the backend is slower than timeout server', async () => {
    const socket = await backend('slow', {api: ['delay=2500']})
    const h = await haproxy('slow', socket, {server: 1})
    const ours = await startProxy({listen: '127.0.0.1:0', log: false, routerId: ROUTER, socket, timeoutServerMs: 1000})
    servers.push(ours)
    const [theirs, mine] = await Promise.all([request(h, '/openstack'), request(ours, '/openstack')])
    expect(theirs.status).toBe(504)
    same(mine, theirs)
  })
})
