// The whole chain (proxy -> unix socket -> agent -> api) on loopback: tempest's curls, every
// status a guest can meet and every fault as the guest sees it, and no secret anywhere.
import {execFile} from 'node:child_process'
import {promisify} from 'node:util'
import {describe, expect, it} from 'vitest'

import {parseReferenceConfig, signInstanceId, startStack, type RunningStack} from '../../src/reference/index.js'
import {haveTool, logCollector, rawExchange, type Reply, request, SECRET, tempDir, testConfig, VM} from './helpers.js'

const run = promisify(execFile)
const hasCurl = haveTool('curl')
if (!hasCurl) console.warn('chain.test: curl is not installed: the tempest-style curl tests are skipped (apt-get install curl)')

/** Everything any response or log line carried, for the secret check at the end. */
const seen: string[] = []
const log = logCollector()
const remember = (r: Reply): Reply => {
  seen.push(r.rawHeaders.join('\n'), r.body)
  return r
}

async function withStack<T>(extra: Record<string, Record<string, unknown>>, fn: (s: RunningStack) => Promise<T>): Promise<T> {
  const {dir, cleanup} = await tempDir()
  const stack = await startStack(await testConfig(dir, extra), {log: log.sink})
  try {
    return await fn(stack)
  } finally {
    await stack.close()
    await cleanup()
  }
}

const get = async (s: RunningStack, path: string, opts: Parameters<typeof request>[2] = {}): Promise<Reply> => remember(await request(s, path, opts))

describe('as tempest sees it', () => {
  it.skipIf(!hasCurl)('curl /latest/meta-data/local-ipv4 returns the fixed IP (test_server_basic_ops)', async () => {
    await withStack({}, async (s) => {
      const {stdout} = await run('curl', ['-sf', `http://${s.address}/latest/meta-data/local-ipv4`])
      expect(stdout).toBe(VM.ip)
    })
  })

  it.skipIf(!hasCurl)('curl -X POST -d <100 chars> .../openstack/2013-10-17/password, then GET returns it', async () => {
    await withStack({}, async (s) => {
      const pw = 'A1b2C3d4E5'.repeat(10)
      const url = `http://${s.address}/openstack/2013-10-17/password`
      const post = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'POST', '-d', pw, url])
      expect(post.stdout).toBe('200')
      expect((await run('curl', ['-sf', url])).stdout).toBe(pw)
      const again = await run('curl', ['-s', '-w', '\n%{http_code}', '-X', 'POST', '-d', pw, url])
      expect(again.stdout.endsWith('\n409')).toBe(true)
    })
  })

  it.skipIf(!hasCurl)('curl .../latest/meta-data/hostname contains the hostname (MetadataDowntimeMeter)', async () => {
    await withStack({}, async (s) => {
      expect((await run('curl', ['-sf', `http://${s.address}/latest/meta-data/hostname`])).stdout).toBe('vm1.novalocal')
    })
  })
})

describe('what a guest meets', () => {
  it('gets its own metadata, and the agent 404 template from an address no port has', async () => {
    await withStack({}, async (s) => {
      expect((await get(s, '/openstack/latest/meta_data.json')).body).toContain(`"uuid": "${VM.uuid}"`)
      const stranger = await get(s, '/openstack', {localAddress: '127.0.0.9'})
      expect(stranger.status).toBe(404)
      expect(stranger.body).toContain('Instance was not found on router 5a3c3b4e-1111-2222-3333-444455556666.')
    })
  })

  it("gets nova's 404 for an unknown path, 409 and 400 from the password endpoint", async () => {
    await withStack({}, async (s) => {
      expect((await get(s, '/latest/meta-data/nope')).status).toBe(404)
      expect((await get(s, '/openstack/latest/password', {body: 'x'.repeat(1021), method: 'POST'})).body).toContain('Request is too large.')
      expect((await get(s, '/openstack/latest/password', {body: 'pw', method: 'POST'})).status).toBe(200)
      expect((await get(s, '/openstack/latest/password', {body: 'pw', method: 'POST'})).status).toBe(409)
    })
  })

  it('gets 403 when agent and nova disagree on the secret (api.secret differs)', async () => {
    await withStack({api: {secret: `${SECRET}-nova`}}, async (s) => {
      const r = await get(s, '/openstack', {headers: {Accept: 'application/json'}})
      expect(r.status).toBe(403)
      // the guest's Accept never reaches nova: the body is HTML
      expect(r.body).toContain('Invalid proxy request signature.<br /><br />')
      expect(r.body.startsWith('<html>')).toBe(true)
    })
  })
})

interface FaultCase {
  fault: string
  component: 'proxy' | 'agent' | 'api'
  extra?: Record<string, Record<string, unknown>>
  status: number | 'no reply' | 'refused'
  body?: string
}

// What each fault looks like from the guest.
const FAULTS: FaultCase[] = [
  {body: 'You have sent too many requests', component: 'proxy', fault: 'status=429', status: 429},
  {component: 'proxy', fault: 'close', status: 'no reply'},
  {component: 'proxy', fault: 'refuse', status: 'refused'},
  {component: 'proxy', fault: 'delay=200', status: 200},
  {body: 'The server returned an invalid or incomplete response.', component: 'proxy', fault: 'drop-header=X-Forwarded-For', status: 502},
  {body: 'The server returned an invalid or incomplete response.', component: 'proxy', fault: 'drop-header=X-Neutron-Router-ID', status: 502},
  {body: 'No server is available to handle this request.', component: 'agent', fault: 'refuse', status: 503},
  {body: 'The server returned an invalid or incomplete response.', component: 'agent', fault: 'close', status: 502},
  {body: 'Invalid proxy request signature.', component: 'agent', fault: 'wrong-secret', status: 403},
  {body: 'X-Instance-ID-Signature header is missing from request.', component: 'agent', fault: 'drop-header=X-Instance-ID-Signature', status: 400},
  {body: '<h1>500 Internal Server Error</h1>', component: 'agent', fault: 'status=500', status: 500},
  {body: "The server didn't respond in time.", component: 'agent', extra: {proxy: {timeout_server_ms: 300}}, fault: 'delay=1500', status: 504},
  {body: 'The remote metadata server is temporarily unavailable. Please try again later.', component: 'api', fault: 'refuse', status: 503},
  {body: 'The remote metadata server is temporarily unavailable. Please try again later.', component: 'api', fault: 'close', status: 503},
  {body: 'Invalid proxy request signature.', component: 'api', fault: 'wrong-secret', status: 403},
  {body: 'X-Tenant-ID header is missing from request.', component: 'api', fault: 'drop-header=X-Tenant-ID', status: 400},
  {body: '<h1>500 Internal Server Error</h1>', component: 'api', fault: 'status=500', status: 500},
  {body: 'The server returned an invalid or incomplete response.', component: 'api', fault: 'status=429', status: 502},
  {body: "The server didn't respond in time.", component: 'api', extra: {proxy: {timeout_server_ms: 300}}, fault: 'delay=1500', status: 504},
]

describe('faults, as the guest sees them', () => {
  it.each(FAULTS.map((f) => [`${f.component}:${f.fault}`, f] as const))('%s', async (_name, f) => {
    const extra = {...f.extra, [f.component]: {...f.extra?.[f.component], faults: [f.fault]}}
    await withStack(extra, async (s) => {
      if (f.status === 'refused') {
        await expect(request(s, '/openstack')).rejects.toMatchObject({code: 'ECONNREFUSED'})
        return
      }
      if (f.status === 'no reply') {
        await expect(request(s, '/openstack')).rejects.toMatchObject({code: 'ECONNRESET'})
        return
      }
      const r = await get(s, '/openstack', {headers: {Accept: '*/*'}})
      expect(r.status).toBe(f.status)
      if (f.body) expect(r.body).toContain(f.body)
    })
  })
})

describe('hard to break', () => {
  it('keeps serving after garbage, oversized, truncated and abandoned requests on every hop', async () => {
    await withStack({}, async (s) => {
      const junk = [
        'GARBAGE\r\n\r\n',
        `GET / HTTP/1.1\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`,
        'POST /openstack/latest/password HTTP/1.1\r\nContent-Length: 100\r\n\r\nshort',
        'GET /openstack HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
        'GET /\u0000 HTTP/1.1\r\n\r\n',
        'GET / HTTP/9.9\r\n\r\n',
        '\r\n\r\n\r\n',
      ]
      const targets = [s.address, s.agent.address, s.api.address]
      await Promise.all(targets.flatMap((t) => junk.map((j) => rawExchange(t, j, 1000))))
      // and half-open connections that never send anything
      const idle = await Promise.all(targets.map((t) => rawExchange(t, '', 300)))
      expect(idle.every((r) => r.closedBy === 'timeout')).toBe(true)
      expect((await get(s, '/latest/meta-data/local-ipv4')).body).toBe(VM.ip)
      const agentDirect = await request(s.agent, '/latest/meta-data/local-ipv4', {headers: {'X-Forwarded-For': VM.ip, 'X-Neutron-Router-ID': '5a3c3b4e-1111-2222-3333-444455556666'}})
      expect(agentDirect.body).toBe(VM.ip)
    })
  })

  it('answers the agent template 431 to headers over 16 KiB on the socket', async () => {
    await withStack({}, async (s) => {
      const r = await rawExchange(s.agent, `GET / HTTP/1.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
      expect(r.data.toString()).toMatch(/^HTTP\/1.1 431 Request Header Fields Too Large\nContent-Type: text\/plain; charset=UTF-8\n/)
    })
  })
})

// runs last in this file: it checks what every test above received and logged
describe('no secret leaks', () => {
  it('never puts the shared secret or the signature in any response or log line of this file', () => {
    expect(seen.length).toBeGreaterThan(20)
    expect(log.lines.length).toBeGreaterThan(20)
    const everything = [...seen, ...log.lines].join('\n')
    expect(everything).not.toContain(SECRET)
    expect(everything).not.toContain(signInstanceId(SECRET, VM.uuid))
  })

  it('refuses a config without a secret field, naming it', () => {
    expect(() => parseReferenceConfig({instances: []})).toThrow(/^secret: is required/)
  })
})
