// neutron-metadata-agent, through a temp unix socket: raw template answers, dropped connections,
// what it forwards to nova, status pass-through, socket handling, faults.
import {lstat, stat, writeFile} from 'node:fs/promises'
import net from 'node:net'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {parseFault, parseReferenceConfig, type RunningServer, startAgent, startApi} from '../../src/reference/index.js'
import type {AgentOptions, ApiOptions} from '../../src/reference/index.js'
import {freePort, logCollector, NETWORK, PROJECT, rawExchange, rawInstances, request, ROUTER, SECRET, tempDir, viaRouter, VM, VM2} from './helpers.js'

const instances = parseReferenceConfig({instances: rawInstances(), secret: SECRET}).instances
let dir: string
let cleanup: () => Promise<void>
const started: RunningServer[] = []
beforeEach(async () => {
  ;({dir, cleanup} = await tempDir())
})
afterEach(async () => {
  while (started.length > 0) await started.pop()?.close()
  await cleanup()
})

async function chain(agent: Partial<AgentOptions> = {}, api: Partial<ApiOptions> = {}): Promise<{agent: RunningServer; api: RunningServer; log: ReturnType<typeof logCollector>}> {
  const log = logCollector()
  const a = await startApi({instances, listen: '127.0.0.1:0', log: false, secret: SECRET, ...api})
  started.push(a)
  const port = Number(/:(\d+)$/.exec(a.address)?.[1])
  const ag = await startAgent({instances, log: log.sink, novaPort: port, secret: SECRET, socket: join(dir, 'metadata_proxy'), ...agent})
  started.push(ag)
  return {agent: ag, api: a, log}
}

const rawGet = (headers: string): string => `GET /openstack HTTP/1.1\r\nHost: 169.254.169.254\r\n${headers}\r\n`

describe('answers of its own', () => {
  it('sends the raw 2025.x 404 template (LF line endings) when no port matches on the router', async () => {
    const {agent} = await chain()
    const r = await rawExchange(agent, rawGet(`X-Forwarded-For: 10.9.9.9\r\nX-Neutron-Router-ID: ${ROUTER}\r\n`))
    const msg = `Instance was not found on router ${ROUTER}.`
    expect(r.data.toString()).toBe(
      `HTTP/1.1 404 Not Found\nContent-Type: text/plain; charset=UTF-8\nConnection: close\nContent-Length: ${95 + 26 + msg.length}\n\n` +
        `<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n  ${msg}<br /><br />\n\n\n </body>\n</html>`,
    )
    expect(r.closedBy).toBe('peer')
  })

  it('names the network in the 404 on the DHCP path', async () => {
    const {agent} = await chain()
    const r = await request(agent, '/openstack', {headers: {'X-Forwarded-For': '10.9.9.9', 'X-Neutron-Network-ID': NETWORK}})
    expect(r.status).toBe(404)
    expect(r.body).toContain(`Instance was not found on network ${NETWORK}.<br /><br />`)
  })

  it('answers 400 "Both network ... and router ... defined." when both ids arrive', async () => {
    const {agent, log} = await chain()
    const r = await request(agent, '/openstack', {headers: viaRouter(VM.ip, {'X-Neutron-Network-ID': NETWORK})})
    expect(r.status).toBe(400)
    expect(r.body).toContain(`Both network ${NETWORK} and router ${ROUTER} defined.<br /><br />`)
    expect(log.records().some((l) => l.event === 'both-ids')).toBe(true)
  })

  it.each([
    ['no X-Forwarded-For', `X-Neutron-Router-ID: ${ROUTER}\r\n`],
    ['two X-Forwarded-For values (a guest-sent one kept by haproxy)', `X-Forwarded-For: 6.6.6.6\r\nX-Neutron-Router-ID: ${ROUTER}\r\nX-Forwarded-For: ${VM.ip}\r\n`],
    ['neither router nor network id', `X-Forwarded-For: ${VM.ip}\r\n`],
  ])('drops the connection without a reply for %s', async (_name, headers) => {
    const {agent, log} = await chain()
    const r = await rawExchange(agent, rawGet(headers))
    expect([r.closedBy, r.data.length]).toEqual(['peer', 0])
    expect(log.records().some((l) => l.msg === 'Error while receiving data.')).toBe(true)
  })

  it('answers 404 when two ports share the address on the network', async () => {
    const twins = parseReferenceConfig({
      instances: [...rawInstances(), {fixed_ips: [VM.ip], network_id: NETWORK, project_id: PROJECT, router_id: ROUTER, uuid: 'dddddddd-0000-4000-8000-000000000001'}],
      secret: SECRET,
    }).instances
    const {agent} = await chain({instances: twins})
    expect((await request(agent, '/openstack', {headers: viaRouter()})).status).toBe(404)
  })
})

describe('what reaches nova', () => {
  it('sends only X-Forwarded-For, X-Instance-ID, X-Tenant-ID, the signature, User-Agent and Accept', async () => {
    const {agent} = await chain({}, {echoHeaders: true})
    const r = await request(agent, '/openstack/latest/meta_data.json?x=1', {
      headers: viaRouter(VM.ip, {Authorization: 'Bearer guest', Cookie: 'a=b', 'X-Custom': 'guest', 'X-Instance-ID': 'spoofed'}),
    })
    const echo = JSON.parse(r.body) as {headers: [string, string][]; method: string; path: string}
    expect(echo.path).toBe('/openstack/latest/meta_data.json?x=1')
    expect(echo.headers.map(([k]) => k.toLowerCase()).sort()).toEqual(['accept', 'connection', 'host', 'user-agent', 'x-forwarded-for', 'x-instance-id', 'x-instance-id-signature', 'x-tenant-id'])
    const h = Object.fromEntries(echo.headers.map(([k, v]) => [k.toLowerCase(), v]))
    expect(h).toMatchObject({accept: '*/*', 'x-forwarded-for': VM.ip, 'x-instance-id': VM.uuid, 'x-instance-id-signature': '<hidden: valid>', 'x-tenant-id': PROJECT})
  })

  it('forwards the method and body (password POST) and resolves IPv4-mapped and link-local addresses', async () => {
    const {agent} = await chain()
    const post = await request(agent, '/openstack/2013-10-17/password', {body: 'q'.repeat(100), headers: viaRouter(`::ffff:${VM.ip}`), method: 'POST'})
    expect(post.status).toBe(200)
    expect((await request(agent, '/openstack/2013-10-17/password', {headers: viaRouter()})).body).toBe('q'.repeat(100))
    const mac = instances[0]?.macAddress.split(':').map((b) => Number.parseInt(b, 16)) as number[]
    const hex = (a: number, b: number): string => ((a << 8) | b).toString(16)
    const ll = `fe80::${hex((mac[0] as number) ^ 2, mac[1] as number)}:${hex(mac[2] as number, 0xff)}:${hex(0xfe, mac[3] as number)}:${hex(mac[4] as number, mac[5] as number)}`
    expect((await request(agent, '/latest/meta-data/instance-id', {headers: viaRouter(ll)})).body).toBe('i-00000001')
  })

  it('finds the port on the DHCP path by network id', async () => {
    const {agent} = await chain()
    const r = await request(agent, '/latest/meta-data/instance-id', {headers: {'X-Forwarded-For': VM2.ip, 'X-Neutron-Network-ID': NETWORK}})
    expect(r.body).toBe('i-00000002')
  })
})

describe("nova's answers", () => {
  it.each([409, 500, 502, 503, 504])('passes nova %i through with its body', async (status) => {
    const {agent} = await chain({}, {faults: [parseFault(`status=${status}`, 'api', 't')]})
    const r = await request(agent, '/openstack', {headers: viaRouter()})
    expect(r.status).toBe(status)
    // the agent asks nova with Accept: */*, so nova's error body is HTML whatever the guest sent
    expect(r.body).toMatch(new RegExp(`^<html>\\n <head>\\n  <title>${status} `))
  })

  it('passes a 403 through and logs the shared-secret warning', async () => {
    const {agent, log} = await chain({faults: [parseFault('wrong-secret', 'agent', 't')]})
    const r = await request(agent, '/openstack', {headers: viaRouter()})
    expect(r.status).toBe(403)
    expect(r.body).toContain('Invalid proxy request signature.')
    expect(log.records().some((l) => l.msg === 'The remote metadata server responded with Forbidden. This response usually occurs when shared secrets do not match.')).toBe(true)
  })

  it('drops the connection when nova answers a code it does not pass (429)', async () => {
    const {agent} = await chain({}, {faults: [parseFault('status=429', 'api', 't')]})
    const r = await rawExchange(agent, rawGet(`X-Forwarded-For: ${VM.ip}\r\nX-Neutron-Router-ID: ${ROUTER}\r\n`))
    expect([r.closedBy, r.data.length]).toEqual(['peer', 0])
  })

  it('answers the raw 503 template when nova is unreachable', async () => {
    const log = logCollector()
    const agent = await startAgent({instances, log: log.sink, novaPort: await freePort(), secret: SECRET, socket: join(dir, 'metadata_proxy')})
    started.push(agent)
    const r = await rawExchange(agent, rawGet(`X-Forwarded-For: ${VM.ip}\r\nX-Neutron-Router-ID: ${ROUTER}\r\n`))
    expect(r.data.toString()).toMatch(/^HTTP\/1.1 503 Service Unavailable\nContent-Type: text\/plain; charset=UTF-8\nConnection: close\n/)
    expect(r.data.toString()).toContain('The remote metadata server is temporarily unavailable. Please try again later.<br /><br />')
  })

  it('drops the connection when nova is slower than the agent timeout', async () => {
    const {agent} = await chain({novaTimeoutMs: 200}, {faults: [parseFault('delay=2000', 'api', 't')]})
    const r = await rawExchange(agent, rawGet(`X-Forwarded-For: ${VM.ip}\r\nX-Neutron-Router-ID: ${ROUTER}\r\n`))
    expect([r.closedBy, r.data.length]).toEqual(['peer', 0])
  })
})

describe('the socket', () => {
  it('applies the socket mode after listen (default 0644, deduce/user) and removes the socket on close', async () => {
    const {agent} = await chain()
    expect((await stat(agent.address)).mode & 0o777).toBe(0o644)
    await agent.close()
    await expect(lstat(agent.address)).rejects.toMatchObject({code: 'ENOENT'})
  })

  it('applies an explicit mode', async () => {
    const {agent} = await chain({socketMode: 0o600})
    expect((await stat(agent.address)).mode & 0o777).toBe(0o600)
  })

  it('replaces a stale socket file nobody listens on', async () => {
    const path = join(dir, 'metadata_proxy')
    const {agent: first} = await chain({faults: [parseFault('refuse', 'agent', 't')]})
    expect((await lstat(path)).isSocket()).toBe(true)
    started.splice(started.indexOf(first), 1)
    const second = await startAgent({instances, log: false, secret: SECRET, socket: path})
    started.push(second)
    const r = await request(second, '/openstack', {headers: {'X-Forwarded-For': '10.9.9.9', 'X-Neutron-Router-ID': ROUTER}})
    expect(r.status).toBe(404)
  })

  it('refuses to start when another process listens on the socket, or the path is not a socket', async () => {
    const path = join(dir, 'metadata_proxy')
    const other = net.createServer().listen(path)
    await new Promise((r) => other.once('listening', r))
    await expect(startAgent({instances, log: false, secret: SECRET, socket: path})).rejects.toThrow(`agent.socket: another process is listening on ${path}`)
    await new Promise((r) => other.close(r))
    const file = join(dir, 'plain-file')
    await writeFile(file, 'x')
    await expect(startAgent({instances, log: false, secret: SECRET, socket: file})).rejects.toThrow('exists and is not a socket')
  })
})

describe('faults', () => {
  it('refuse leaves a socket file that refuses connections', async () => {
    const {agent} = await chain({faults: [parseFault('refuse', 'agent', 't')]})
    await expect(request(agent, '/')).rejects.toMatchObject({code: 'ECONNREFUSED'})
  })

  it('close drops every connection without a reply', async () => {
    const {agent} = await chain({faults: [parseFault('close', 'agent', 't')]})
    const r = await rawExchange(agent, rawGet(`X-Forwarded-For: ${VM.ip}\r\nX-Neutron-Router-ID: ${ROUTER}\r\n`))
    expect([r.closedBy, r.data.length]).toEqual(['peer', 0])
  })

  it('status=500 answers the raw template with that status', async () => {
    const {agent} = await chain({faults: [parseFault('status=500', 'agent', 't')]})
    const r = await request(agent, '/openstack', {headers: viaRouter()})
    expect(r.status).toBe(500)
    expect(r.body).toContain('<h1>500 Internal Server Error</h1>')
  })

  it('drop-header=X-Tenant-ID makes nova answer its 400, passed through', async () => {
    const {agent} = await chain({faults: [parseFault('drop-header=X-Tenant-ID', 'agent', 't')]})
    const r = await request(agent, '/openstack', {headers: viaRouter()})
    expect(r.status).toBe(400)
    expect(r.body).toContain('X-Tenant-ID header is missing from request.')
  })
})
