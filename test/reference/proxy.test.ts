// The namespace proxy in front of a scripted backend on a temp unix socket: header rewriting,
// haproxy's own answers (503/504/502/400/408/413), keep-alive to the agent, faults.
import net from 'node:net'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {parseFault, type RunningServer, startProxy} from '../../src/reference/index.js'
import type {ProxyOptions} from '../../src/reference/index.js'
import {NETWORK, rawExchange, request, ROUTER, tempDir} from './helpers.js'

/** A stand-in agent: records each raw request and answers as told. */
interface Backend {
  requests: string[]
  connections: number
  close(): Promise<void>
}

type Behaviour = 'ok' | 'lf-404' | 'close' | 'hang' | 'one-per-connection'

function backend(path: string, behaviour: Behaviour = 'ok'): Promise<Backend> {
  const b: Backend = {close: async () => {}, connections: 0, requests: []}
  const server = net.createServer((sock) => {
    b.connections++
    let served = 0
    let buf = ''
    sock.on('data', (d) => {
      buf += d.toString('latin1')
      while (buf.includes('\r\n\r\n')) {
        const end = buf.indexOf('\r\n\r\n') + 4
        const head = buf.slice(0, end)
        const len = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0)
        if (buf.length < end + len) return
        b.requests.push(buf.slice(0, end + len))
        buf = buf.slice(end + len)
        if (behaviour === 'close' || (behaviour === 'one-per-connection' && served > 0)) sock.destroy()
        else if (behaviour === 'hang') {
          // never answer
        } else if (behaviour === 'lf-404') sock.end('HTTP/1.1 404 Not Found\nContent-Type: text/plain; charset=UTF-8\nConnection: close\nContent-Length: 5\n\nnope!')
        else sock.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok')
        served++
      }
    })
    sock.on('error', () => {})
  })
  return new Promise((resolve) => {
    server.listen(path, () => {
      b.close = () => new Promise((r) => server.close(() => r()))
      resolve(b)
    })
  })
}

let dir: string
let cleanup: () => Promise<void>
let socket: string
const toClose: {close(): Promise<void>}[] = []
beforeEach(async () => {
  ;({dir, cleanup} = await tempDir())
  socket = join(dir, 'metadata_proxy')
})
afterEach(async () => {
  while (toClose.length > 0) await toClose.pop()?.close()
  await cleanup()
})

async function proxy(opts: Partial<ProxyOptions> = {}): Promise<RunningServer> {
  const p = await startProxy({listen: '127.0.0.1:0', log: false, routerId: ROUTER, socket, ...opts})
  toClose.push(p)
  return p
}
async function agent(behaviour?: Behaviour): Promise<Backend> {
  const b = await backend(socket, behaviour)
  toClose.push(b)
  return b
}

const headerLines = (raw: string): string[] => raw.split('\r\n').slice(1).filter(Boolean)

describe('headers', () => {
  it("removes the guest's X-Forwarded-For and X-Neutron-*-ID and sets its own, last, like haproxy", async () => {
    const b = await agent()
    const p = await proxy()
    const r = await request(p, '/openstack', {
      headers: {'X-Forwarded-For': '6.6.6.6', 'X-NEUTRON-ROUTER-ID': 'spoofed', 'X-Neutron-Network-ID': 'spoofed-net', 'X-Other': 'kept'},
      localAddress: '127.0.0.5',
    })
    expect([r.status, r.body]).toEqual([200, 'ok'])
    const lines = headerLines(b.requests[0] as string)
    expect(lines.filter((l) => /^x-(forwarded-for|neutron)/i.test(l))).toEqual([`x-neutron-router-id: ${ROUTER}`, 'x-forwarded-for: 127.0.0.5'])
    expect(lines).toContain('x-other: kept')
    expect((b.requests[0] as string).startsWith('GET /openstack HTTP/1.1\r\n')).toBe(true)
  })

  it('listens on IPv6 and forwards the IPv6 client address', async () => {
    const b = await agent()
    const p = await proxy({listen: '[::1]:0'})
    expect(p.address).toMatch(/^\[::1\]:\d+$/)
    expect((await request(p, '/')).status).toBe(200)
    expect(headerLines(b.requests[0] as string)).toContain('x-forwarded-for: ::1')
  })

  it('sets X-Neutron-Network-ID in a DHCP namespace', async () => {
    const b = await agent()
    const p = await proxy({networkId: NETWORK, routerId: undefined})
    await request(p, '/', {headers: {'X-Neutron-Router-ID': 'spoofed'}})
    expect(headerLines(b.requests[0] as string).filter((l) => l.startsWith('x-neutron'))).toEqual([`x-neutron-network-id: ${NETWORK}`])
  })

  it('refuses to start without exactly one of router id and network id', async () => {
    await expect(startProxy({listen: '127.0.0.1:0', log: false, socket})).rejects.toThrow('exactly one')
    await expect(startProxy({listen: '127.0.0.1:0', log: false, networkId: 'n', routerId: 'r', socket})).rejects.toThrow('exactly one')
  })
})

describe('connections to the agent', () => {
  it('keeps one connection alive for consecutive requests', async () => {
    const b = await agent()
    const p = await proxy()
    for (let i = 0; i < 5; i++) expect((await request(p, '/')).status).toBe(200)
    expect([b.requests.length, b.connections]).toEqual([5, 1])
  })

  it('retries on a new connection when the agent drops a kept-alive one it had timed out', async () => {
    // the agent answers once per connection and resets the next request: the keep-alive race
    const b = await agent('one-per-connection')
    const p = await proxy()
    for (let i = 0; i < 5; i++) expect((await request(p, '/')).status).toBe(200)
    expect(b.connections).toBeGreaterThanOrEqual(5)
  })

  it("reads the agent's bare-LF answers and passes them on", async () => {
    await agent('lf-404')
    const p = await proxy()
    const r = await request(p, '/')
    expect([r.status, r.body, r.headers['content-type']]).toEqual([404, 'nope!', 'text/plain; charset=UTF-8'])
  })
})

describe("haproxy's own answers", () => {
  const page = (status: string, msg: string): string => `<html><body><h1>${status}</h1>\n${msg}\n</body></html>\n`

  it('answers 503 when the socket file is missing', async () => {
    const p = await proxy()
    const r = await request(p, '/')
    expect([r.status, r.reason, r.body]).toEqual([503, 'Service Unavailable', page('503 Service Unavailable', 'No server is available to handle this request.')])
    expect(r.headers).toMatchObject({'cache-control': 'no-cache', connection: 'close', 'content-type': 'text/html'})
  })

  it('answers 503 when the socket file refuses connections', async () => {
    const dead = net.createServer()
    await new Promise<void>((r) => dead.listen(`${socket}.tmp`, () => r()))
    const {rename} = await import('node:fs/promises')
    await rename(`${socket}.tmp`, socket)
    await new Promise((r) => dead.close(r))
    const p = await proxy()
    expect((await request(p, '/')).status).toBe(503)
  })

  it('answers 504 when the agent is slower than timeout server', async () => {
    await agent('hang')
    const p = await proxy({timeoutServerMs: 300})
    const r = await request(p, '/')
    expect([r.status, r.reason, r.body]).toEqual([504, 'Gateway Time-out', page('504 Gateway Time-out', "The server didn't respond in time.")])
  })

  it('answers 502 when the agent closes without a reply', async () => {
    await agent('close')
    const p = await proxy()
    const r = await request(p, '/')
    expect([r.status, r.body]).toEqual([502, page('502 Bad Gateway', 'The server returned an invalid or incomplete response.')])
  })

  it('answers 400 to a malformed request and to headers over 16 KiB', async () => {
    await agent()
    const p = await proxy()
    for (const bytes of ['NOT HTTP AT ALL\r\n\r\n', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]) {
      const r = await rawExchange(p, bytes)
      expect(r.data.toString()).toBe(
        'HTTP/1.1 400 Bad request\r\ncontent-length: 90\r\ncache-control: no-cache\r\nconnection: close\r\ncontent-type: text/html\r\n\r\n' +
          page('400 Bad request', 'Your browser sent an invalid request.'),
      )
    }
  })

  it('answers 408 and closes a slowloris connection after timeout http-request', async () => {
    await agent()
    const p = await proxy({timeoutHttpRequestMs: 500})
    const t0 = performance.now()
    const r = await rawExchange(p, 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ', 10_000)
    expect(r.data.toString()).toContain('HTTP/1.1 408 Request Time-out\r\n')
    expect(r.data.toString()).toContain("Your browser didn't send a complete request in time.")
    expect(r.closedBy).toBe('peer')
    expect(performance.now() - t0).toBeLessThan(5000)
  })

  it('answers 413 to a body over the limit', async () => {
    await agent()
    const p = await proxy({maxBodyBytes: 2048})
    const r = await request(p, '/openstack/latest/password', {body: 'x'.repeat(10_000), method: 'POST'})
    expect([r.status, r.reason]).toEqual([413, 'Payload Too Large'])
  })
})

describe('faults', () => {
  it('status=429 answers like haproxy rate limiting', async () => {
    await agent()
    const p = await proxy({faults: [parseFault('status=429', 'proxy', 't')]})
    const r = await request(p, '/')
    expect([r.status, r.body]).toEqual([429, '<html><body><h1>429 Too Many Requests</h1>\nYou have sent too many requests in a given amount of time.\n</body></html>\n'])
  })

  it('close accepts and drops the connection without a reply', async () => {
    await agent()
    const p = await proxy({faults: [parseFault('close', 'proxy', 't')]})
    const r = await rawExchange(p, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    expect([r.closedBy, r.data.length]).toEqual(['peer', 0])
  })

  it('refuse leaves nobody listening', async () => {
    const p = await proxy({faults: [parseFault('refuse', 'proxy', 't')]})
    await expect(request(p, '/')).rejects.toMatchObject({code: 'ECONNREFUSED'})
  })

  it('delay=300 holds each request 300 ms', async () => {
    await agent()
    const p = await proxy({faults: [parseFault('delay=300', 'proxy', 't')]})
    const t0 = performance.now()
    expect((await request(p, '/')).status).toBe(200)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290)
  })

  it('drop-header=X-Forwarded-For forwards without one', async () => {
    const b = await agent()
    const p = await proxy({faults: [parseFault('drop-header=X-Forwarded-For', 'proxy', 't')]})
    await request(p, '/')
    expect(headerLines(b.requests[0] as string).some((l) => l.startsWith('x-forwarded-for'))).toBe(false)
  })
})
