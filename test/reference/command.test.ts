// The `reference` commands: bad input is one line and exit 2; `reference up` and the three
// single-component commands serve until SIGINT/SIGTERM and clean up their socket.
import {type ChildProcess, spawn} from 'node:child_process'
import {lstat, writeFile} from 'node:fs/promises'
import net from 'node:net'
import {join} from 'node:path'
import {runCommand} from '@oclif/test'
import {afterEach, describe, expect, it} from 'vitest'

import {freePort, rawInstances, request, ROUTER, SECRET, tempDir, VM} from './helpers.js'

const ROOT = join(import.meta.dirname, '..', '..')
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  process.exitCode = undefined
  while (cleanups.length > 0) await cleanups.pop()?.()
})

async function configFile(extra: Record<string, unknown> = {}): Promise<{file: string; dir: string; proxy: string; api: string; socket: string}> {
  const {dir, cleanup} = await tempDir()
  cleanups.push(cleanup)
  const [p, a] = [await freePort(), await freePort()]
  const socket = join(dir, 'metadata_proxy')
  const file = join(dir, 'reference.json')
  await writeFile(
    file,
    JSON.stringify({
      agent: {nova_metadata_port: a, socket},
      api: {listen: `127.0.0.1:${a}`},
      instances: rawInstances(),
      proxy: {listen: `127.0.0.1:${p}`, router_id: ROUTER},
      secret: SECRET,
      ...extra,
    }),
  )
  return {api: `127.0.0.1:${a}`, dir, file, proxy: `127.0.0.1:${p}`, socket}
}

interface Running {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
}

/** `node bin/dev.js reference ...`, resolved once it prints its listening line. */
async function cli(args: string[], ready: RegExp): Promise<Running> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'dev.js'), 'reference', ...args], {cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe']})
  let out = ''
  let err = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  })
  const deadline = Date.now() + 60_000
  while (!ready.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`reference ${args.join(' ')} did not start: ${out}\n${err.slice(-2000)}`)
    await new Promise((r) => setTimeout(r, 50))
  }
  return {child, exited, stderr: () => err, stdout: () => out}
}

const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)

describe('bad input', () => {
  it('names a missing config file in one line, exit 2', async () => {
    const {error} = await runCommand(['reference', 'up', '--config', '/nonexistent/ref.json'])
    expect(error?.message).toBe('/nonexistent/ref.json: cannot read config (no such file)')
    expect(error?.oclif?.exit).toBe(2)
  })

  it('names the bad field of a config, exit 2', async () => {
    const {file} = await configFile({instances: [{...rawInstances()[0], fixed_ips: ['10.0.0.300']}]})
    const {error} = await runCommand(['reference', 'api', '--config', file])
    expect(error?.message).toBe(`${file}: instances[0].fixed_ips[0]: "10.0.0.300" is not an IP address`)
    expect(error?.oclif?.exit).toBe(2)
  })

  it('reports invalid JSON by position only (the file may hold the secret)', async () => {
    const {dir} = await configFile()
    const file = join(dir, 'broken.json')
    await writeFile(file, `{"secret": "${SECRET}",\n  oops}`)
    const {error} = await runCommand(['reference', 'up', '--config', file])
    expect(error?.message).toMatch(/not valid JSON \(line 2, column \d+\)$/)
    expect(error?.message).not.toContain(SECRET)
  })

  it('asks which component an `up --fault` is for, and rejects unknown faults', async () => {
    const {file} = await configFile()
    expect((await runCommand(['reference', 'up', '--config', file, '--fault', 'close'])).error?.message).toBe('--fault "close": say which component: proxy:close, agent:close or api:close')
    const unknown = await runCommand(['reference', 'agent', '--config', file, '--fault', 'explode'])
    expect(unknown.error?.message).toMatch(/^--fault: "explode": unknown fault/)
    expect((await runCommand(['reference', 'proxy', '--config', file, '--fault', 'wrong-secret'])).error?.message).toMatch(/not the proxy$/)
  })

  it('needs a router or network id for the proxy', async () => {
    const {file} = await configFile({proxy: {}})
    const {error} = await runCommand(['reference', 'proxy', '--config', file])
    expect(error?.message).toMatch(/router_id .*network_id/)
    expect(error?.oclif?.exit).toBe(2)
  })

  it('says which address is in use, exit 1', async () => {
    const {file, api} = await configFile()
    const [host, port] = api.split(':') as [string, string]
    const busy = net.createServer().listen(Number(port), host)
    await new Promise((r) => busy.once('listening', r))
    cleanups.push(() => new Promise((r) => busy.close(() => r())))
    const {error} = await runCommand(['reference', 'api', '--config', file])
    expect(error?.message).toBe(`${api}: address already in use`)
    expect(error?.oclif?.exit).toBe(1)
    // the same through the worker thread `up` starts the api in
    const up = await runCommand(['reference', 'up', '--config', file])
    expect(up.error?.message).toBe(`${api}: address already in use`)
  })
})

describe('serving', () => {
  it('`reference up` serves until SIGTERM, then stops cleanly, removes the socket and logs no secret', async () => {
    const c = await configFile()
    const up = await cli(['up', '--config', c.file], /reference stack up/)
    expect(up.stdout()).toContain(`reference stack up: proxy ${c.proxy} -> agent ${c.socket} -> api ${c.api}`)
    expect((await request(c.proxy, '/latest/meta-data/local-ipv4')).body).toBe(VM.ip)
    up.child.kill('SIGTERM')
    expect(await up.exited).toBe(0)
    expect(up.stdout()).toContain('reference stack stopped (SIGTERM)')
    await expect(lstat(c.socket)).rejects.toMatchObject({code: 'ENOENT'})
    const logs = jsonLines(up.stderr())
    expect(logs.filter((l) => l.event === 'request').map((l) => l.component).sort()).toEqual(['agent', 'api', 'proxy'])
    expect(logs.filter((l) => l.event === 'stopped').map((l) => l.component).sort()).toEqual(['agent', 'api', 'proxy'])
    expect(up.stdout() + up.stderr()).not.toContain(SECRET)
  })

  it('runs proxy, agent and api as three processes, flags overriding the config', async () => {
    const c = await configFile({proxy: {router_id: 'not-this-one'}})
    const socket = join(c.dir, 'other.sock')
    const listen = `127.0.0.1:${await freePort()}`
    const api = await cli(['api', '--config', c.file, '--echo-headers'], /reference api listening/)
    const agent = await cli(['agent', '--config', c.file, '--socket', socket], /reference agent listening/)
    const proxy = await cli(['proxy', '--config', c.file, '--socket', socket, '--listen', listen, '--router-id', ROUTER], /reference proxy listening/)
    expect(proxy.stdout()).toContain(`reference proxy listening on ${listen} -> ${socket} (X-Neutron-Router-ID ${ROUTER})`)
    const echo = JSON.parse((await request(listen, '/openstack')).body) as {headers: [string, string][]}
    expect(Object.fromEntries(echo.headers.map(([k, v]) => [k.toLowerCase(), v]))).toMatchObject({'x-instance-id': VM.uuid, 'x-instance-id-signature': '<hidden: valid>'})
    for (const p of [proxy, agent, api]) p.child.kill('SIGINT')
    expect(await Promise.all([proxy.exited, agent.exited, api.exited])).toEqual([0, 0, 0])
    await expect(lstat(socket)).rejects.toMatchObject({code: 'ENOENT'})
  })
})
