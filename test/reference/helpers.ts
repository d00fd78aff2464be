// Shared by the reference-stack tests: temp dirs, free loopback ports, raw and parsed HTTP
// exchanges over TCP or a unix socket, and a small inventory.
import {spawnSync} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import http from 'node:http'
import net from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {parseReferenceConfig, type ReferenceConfig} from '../../src/reference/index.js'

export const SECRET = 'sEcReT-mdref-7f3a9c2e51'
export const ROUTER = '5a3c3b4e-1111-2222-3333-444455556666'
export const NETWORK = '9d0e8f7a-aaaa-bbbb-cccc-ddddeeeeffff'
export const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9'
export const VM = {ip: '127.0.0.1', uuid: 'b7c5f6d2-0c1c-4b5e-9a53-1d2f3e4a5b6c'}
export const VM2 = {ip: '10.0.0.6', uuid: 'c1d2e3f4-1111-4222-8333-944455556666'}
export const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGpVbm9uZS1yZWZlcmVuY2Uta2V5LWZvci10ZXN0cw mdref'
export const USER_DATA = '#cloud-config\nhostname: vm1\n'

export async function tempDir(prefix = 'mdref-'): Promise<{dir: string; cleanup: () => Promise<void>}> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  return {cleanup: () => rm(dir, {force: true, recursive: true}), dir}
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const a = s.address() as net.AddressInfo
      s.close(() => resolve(a.port))
    })
  })
}

export function rawInstances(): Record<string, unknown>[] {
  return [
    {
      availability_zone: 'az1',
      fixed_ips: [VM.ip],
      hostname: 'vm1',
      meta: {role: 'web'},
      name: 'vm1',
      network_id: NETWORK,
      project_id: PROJECT,
      public_keys: {mykey: KEY},
      router_id: ROUTER,
      user_data: USER_DATA,
      uuid: VM.uuid,
    },
    {fixed_ips: [VM2.ip], name: 'vm2', network_id: NETWORK, project_id: 'otherproject', router_id: ROUTER, uuid: VM2.uuid},
  ]
}

/** A validated config on free loopback ports and a socket in `dir`; `extra` is merged per section. */
export async function testConfig(dir: string, extra: Record<string, Record<string, unknown>> = {}): Promise<ReferenceConfig> {
  const [proxyPort, apiPort] = [await freePort(), await freePort()]
  return parseReferenceConfig({
    agent: {nova_metadata_port: apiPort, socket: join(dir, 'metadata_proxy'), ...extra.agent},
    api: {listen: `127.0.0.1:${apiPort}`, ...extra.api},
    instances: rawInstances(),
    log: 'access',
    proxy: {listen: `127.0.0.1:${proxyPort}`, router_id: ROUTER, ...extra.proxy},
    secret: SECRET,
    ...extra.top,
  })
}

export interface Reply {
  status: number
  reason: string
  headers: http.IncomingHttpHeaders
  rawHeaders: string[]
  body: string
}

export interface Target {
  /** HOST:PORT, or a unix socket path (starts with /) */
  address: string
}

/** One HTTP exchange with Node's client (lenient parser: the agent answers with bare LFs). */
export function request(
  t: Target | string,
  path: string,
  opts: {method?: string; headers?: Record<string, string | string[]>; body?: string | Buffer; localAddress?: string} = {},
): Promise<Reply> {
  const address = typeof t === 'string' ? t : t.address
  const where: http.RequestOptions = address.startsWith('/')
    ? {socketPath: address}
    : {host: address.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''), port: Number(/:(\d+)$/.exec(address)?.[1])}
  return new Promise((resolve, reject) => {
    const req = http.request(
      {...where, agent: false, headers: opts.headers, insecureHTTPParser: true, localAddress: opts.localAddress, method: opts.method ?? 'GET', path},
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({body: Buffer.concat(chunks).toString('utf8'), headers: res.headers, rawHeaders: res.rawHeaders, reason: res.statusMessage ?? '', status: res.statusCode ?? 0}),
        )
      },
    )
    req.on('error', reject)
    req.end(opts.body)
  })
}

/** Send raw bytes, return every byte received until the peer closes (or `ms` passes). */
export function rawExchange(t: Target | string, bytes: string | Buffer, ms = 5000): Promise<{data: Buffer; closedBy: 'peer' | 'timeout' | 'error'; error?: string}> {
  const address = typeof t === 'string' ? t : t.address
  return new Promise((resolve) => {
    const sock = address.startsWith('/') ? net.connect(address) : net.connect(Number(/:(\d+)$/.exec(address)?.[1]), address.replace(/:\d+$/, ''))
    const chunks: Buffer[] = []
    const timer = setTimeout(() => {
      sock.destroy()
      resolve({closedBy: 'timeout', data: Buffer.concat(chunks)})
    }, ms)
    sock.on('connect', () => sock.write(bytes))
    sock.on('data', (c) => chunks.push(c))
    sock.on('close', () => {
      clearTimeout(timer)
      resolve({closedBy: 'peer', data: Buffer.concat(chunks)})
    })
    sock.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      resolve({closedBy: 'error', data: Buffer.concat(chunks), error: e.code})
    })
  })
}

/** The request an agent sees from haproxy: router id, X-Forwarded-For. */
export const viaRouter = (ip = VM.ip, extra: Record<string, string> = {}): Record<string, string> => ({'X-Forwarded-For': ip, 'X-Neutron-Router-ID': ROUTER, ...extra})

export function haveTool(cmd: string, args: string[] = ['--version']): boolean {
  return spawnSync(cmd, args, {stdio: 'ignore'}).status === 0
}

/** Collect log lines in memory (and assert on them) instead of writing them to stderr. */
export function logCollector(): {lines: string[]; sink: (line: string) => void; records: () => Record<string, unknown>[]} {
  const lines: string[] = []
  return {lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>), sink: (l) => lines.push(l)}
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
