import {createServer, type Server} from 'node:http'
import {createServer as createNetServer} from 'node:net'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {httpProbe} from '../../src/sources/http-probe.js'
import {USER_AGENT} from '../../src/version.js'

let server: Server
let port = 0
let seenUa = ''
const dir = mkdtempSync(join(tmpdir(), 'mdctl-probe-'))

beforeAll(async () => {
  server = createServer((req, res) => {
    seenUa = String(req.headers['user-agent'])
    if (req.url === '/slow') return void setTimeout(() => res.end('late'), 3000)
    res.writeHead(404, {'Content-Type': 'text/plain'})
    res.end(`method=${req.method} xff=${String(req.headers['x-forwarded-for'])}`)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  port = (server.address() as {port: number}).port
})
afterAll(() => {
  server.close()
  rmSync(dir, {force: true, recursive: true})
})

describe('httpProbe', () => {
  it('records the raw response as curl -i shows it, with mdctl\'s User-Agent', async () => {
    const r = await httpProbe({headers: {'X-Forwarded-For': '192.0.2.1'}, url: `http://127.0.0.1:${port}/x`})
    expect(r.exitCode).toBe(0)
    expect(r.stdout).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/)
    expect(r.stdout).toContain('method=GET xff=192.0.2.1')
    expect(seenUa).toBe(USER_AGENT)
  })

  it('maps a refused connection to curl exit 7', async () => {
    const free = createNetServer()
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r))
    const p = (free.address() as {port: number}).port
    await new Promise<void>((r) => free.close(() => r()))
    const r = await httpProbe({url: `http://127.0.0.1:${p}/`})
    expect(r.exitCode).toBe(7)
    expect(r.stderr).toMatch(/ECONNREFUSED/)
  })

  it('maps a missing unix socket to exit 7 and a slow server to exit 28', async () => {
    expect((await httpProbe({socketPath: join(dir, 'absent'), url: 'http://169.254.169.254/'})).exitCode).toBe(7)
    const slow = await httpProbe({timeoutMs: 300, url: `http://127.0.0.1:${port}/slow`})
    expect(slow.exitCode).toBe(28)
  })

  it('maps a server that closes without replying to exit 52', async () => {
    const rude = createNetServer((s) => s.destroy())
    await new Promise<void>((r) => rude.listen(0, '127.0.0.1', r))
    const r = await httpProbe({url: `http://127.0.0.1:${(rude.address() as {port: number}).port}/`})
    rude.close()
    expect([52, 56]).toContain(r.exitCode)
  })
})
