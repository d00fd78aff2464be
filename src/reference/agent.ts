// neutron-metadata-agent (ML2/OVS, 2025.1+ behaviour): listens on a unix socket, resolves
// (router or network id, X-Forwarded-For) to exactly one port, signs the instance id and asks
// nova. Its own answers are neutron's raw template (LF line endings, Connection: close); nova's
// 200/400/403/404/409/500/502/503/504 pass through; anything it cannot handle drops the
// connection without a reply, which haproxy turns into a 502.
import http from 'node:http'
import type {Socket} from 'node:net'
import type {Fault} from './faults.js'
import {foldFaults, wrongSecretFor} from './faults.js'
import {BodyTooLarge, closeServer, createHttpServer, readBody, sleep} from './http-common.js'
import type {InstanceSpec} from './instance.js'
import {Inventory} from './inventory.js'
import {parseForwardedFor} from './ip-address.js'
import {clip, Logger, type LogLevel, type LogSink, stderrSink} from './log.js'
import {bothIdsDefined, instanceNotFoundOnNetwork, instanceNotFoundOnRouter, neutronRawResponse, NOVA_UNAVAILABLE} from './neutron-response.js'
import {splitTarget} from './posix-path.js'
import type {RunningServer} from './running.js'
import {signInstanceId} from './signature.js'
import {applySocketMode, leaveDeadSocket, listenUnix, prepareSocketPath, removeSocketFile} from './unix-socket.js'
import {WEBOB_STATUS} from './webob-error.js'

export interface AgentOptions {
  /** metadata_proxy_socket */
  socket: string
  /** file mode after listen (default 0644: metadata_proxy_socket_mode deduce/user) */
  socketMode?: number
  /** metadata_proxy_shared_secret */
  secret: string
  /** the ports neutron knows */
  instances: readonly InstanceSpec[]
  /** nova_metadata_host (default 127.0.0.1) */
  novaHost?: string
  /** nova_metadata_port (default 8775) */
  novaPort?: number
  /** requests' timeout to nova (default 60 s) */
  novaTimeoutMs?: number
  maxBodyBytes?: number
  faults?: readonly Fault[]
  log?: LogSink | false
  logLevel?: LogLevel
}

const PASSED_THROUGH = new Set([200, 400, 403, 404, 409, 500, 502, 503, 504])
const NOT_COPIED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive'])
const MAX_NOVA_BODY = 16 * 1024 * 1024
export const AGENT_USER_AGENT = 'mdctl-reference-agent'

interface Outcome {
  status: number
  outcome: string
  instance?: string
  nova?: number
}

/** Write neutron's raw bytes and close, bypassing Node's response formatting (LF line endings). */
function writeRawAndClose(res: http.ServerResponse, bytes: Buffer): void {
  const write = (s: Socket): void => {
    s.end(bytes)
  }
  if (res.socket) write(res.socket)
  else res.once('socket', write)
}

/** Drop the connection without a reply, as the 2025.1+ agent does after 'Error while receiving data.' */
function dropConnection(req: http.IncomingMessage): void {
  req.socket.destroy()
}

type NovaReply = {kind: 'response'; status: number; headers: string[]; body: Buffer} | {kind: 'unreachable'; code: string} | {kind: 'timeout'}

export async function startAgent(opts: AgentOptions): Promise<RunningServer> {
  const faults = foldFaults(opts.faults ?? [])
  const secret = faults.wrongSecret ? wrongSecretFor(opts.secret) : opts.secret
  const novaHost = opts.novaHost ?? '127.0.0.1'
  const novaPort = opts.novaPort ?? 8775
  const novaTimeout = opts.novaTimeoutMs ?? 60_000
  const maxBody = opts.maxBodyBytes ?? 64 * 1024
  const mode = opts.socketMode ?? 0o644
  const log = new Logger('agent', opts.log === false ? () => {} : (opts.log ?? stderrSink), opts.logLevel ?? 'access', [opts.secret, secret])
  const inventory = new Inventory(opts.instances)
  // the HMAC is a pure function of (secret, uuid): compute it once per instance
  const signatures = new Map(opts.instances.map((i) => [i.uuid, signInstanceId(secret, i.uuid)]))
  const novaHostHeader = novaHost.includes(':') ? `[${novaHost}]:${novaPort}` : `${novaHost}:${novaPort}`
  const novaAgent = new http.Agent({keepAlive: true, maxFreeSockets: 256, maxSockets: 512, scheduling: 'lifo'})

  function askNova(method: string, path: string, headers: [string, string][], body: Buffer, retried = false): Promise<NovaReply> {
    return new Promise((resolve) => {
      const up = http.request({agent: novaAgent, headers: headers.flat(), host: novaHost, method, path, port: novaPort})
      let settled = false
      const settle = (r: NovaReply): void => {
        if (!settled) {
          settled = true
          resolve(r)
        }
      }
      up.setTimeout(novaTimeout, () => {
        up.destroy()
        settle({kind: 'timeout'})
      })
      up.on('error', (e: NodeJS.ErrnoException) => {
        if (settled) return
        // a kept-alive socket nova closed meanwhile: try once more on a fresh one
        if (!retried && up.reusedSocket && e.code === 'ECONNRESET') {
          settled = true
          askNova(method, path, headers, body, true).then(resolve)
          return
        }
        settle({code: e.code ?? 'error', kind: 'unreachable'})
      })
      up.on('response', (r) => {
        const chunks: Buffer[] = []
        let size = 0
        r.on('data', (c: Buffer) => {
          size += c.length
          if (size > MAX_NOVA_BODY) {
            up.destroy()
            settle({code: 'response too large', kind: 'unreachable'})
          } else chunks.push(c)
        })
        r.on('end', () => settle({body: Buffer.concat(chunks), headers: r.rawHeaders, kind: 'response', status: r.statusCode ?? 0}))
        r.on('error', (e: NodeJS.ErrnoException) => settle({code: e.code ?? 'error', kind: 'unreachable'}))
      })
      up.end(body.length > 0 ? body : undefined)
    })
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<Outcome> {
    if (faults.close) {
      dropConnection(req)
      return {outcome: 'fault-close', status: 0}
    }
    if (faults.delayMs > 0) await sleep(faults.delayMs)
    if (faults.status !== null) {
      const [title, explanation] = WEBOB_STATUS[faults.status] as readonly [string, string]
      writeRawAndClose(res, neutronRawResponse(`${faults.status} ${title}`, explanation))
      return {outcome: 'fault-status', status: faults.status}
    }
    let body: Buffer
    try {
      body = await readBody(req, maxBody)
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error
      writeRawAndClose(res, neutronRawResponse('413 Request Entity Too Large', 'The body of your request was too large for this server.'))
      return {outcome: 'body-too-large', status: 413}
    }
    const networkId = req.headers['x-neutron-network-id'] as string | undefined
    const routerId = req.headers['x-neutron-router-id'] as string | undefined
    if (networkId && routerId) {
      const msg = bothIdsDefined(networkId, routerId)
      log.warning('both-ids', {msg: clip(msg)})
      writeRawAndClose(res, neutronRawResponse('400 Bad Request', msg))
      return {outcome: 'both-ids', status: 400}
    }
    const forwardedFor = req.headers['x-forwarded-for'] as string | undefined
    const client = parseForwardedFor(forwardedFor)
    const target = splitTarget(req.url ?? '')
    if (!client || (!networkId && !routerId) || !target) {
      const why = !client
        ? `X-Forwarded-For ${forwardedFor === undefined ? 'missing' : `not an IP address: ${JSON.stringify(clip(forwardedFor, 64))}`}`
        : !target
          ? 'bad request target'
          : 'Either one of parameter network_id or router_id must be passed to get_port method.'
      log.error('receive-error', {msg: 'Error while receiving data.', error: why})
      dropConnection(req)
      return {outcome: 'dropped', status: 0}
    }
    const ports = inventory.findPorts(client, networkId || undefined, routerId || undefined)
    if (ports.length !== 1) {
      if (ports.length === 0) log.warning('no-port', {msg: `No port found in network ${networkId ?? 'None'} with IP address ${client.ip}`})
      const msg = networkId ? instanceNotFoundOnNetwork(networkId) : instanceNotFoundOnRouter(routerId as string)
      log.warning('instance-not-found', {msg: clip(msg), ports: ports.length})
      writeRawAndClose(res, neutronRawResponse('404 Not Found', msg))
      return {outcome: ports.length === 0 ? 'no-port' : 'many-ports', status: 404}
    }
    const port = ports[0] as InstanceSpec
    const headers: [string, string][] = []
    const add = (name: string, value: string | undefined): void => {
      if (value !== undefined && !faults.dropHeaders.has(name.toLowerCase())) headers.push([name, value])
    }
    add('Host', novaHostHeader)
    add('X-Forwarded-For', forwardedFor)
    add('X-Instance-ID', port.uuid)
    add('X-Tenant-ID', port.projectId)
    add('X-Instance-ID-Signature', signatures.get(port.uuid) ?? signInstanceId(secret, port.uuid))
    add('User-Agent', AGENT_USER_AGENT)
    // python-requests always sends this; it is why nova's error bodies reach guests as HTML
    add('Accept', '*/*')
    const method = req.method ?? 'GET'
    if (body.length > 0 || !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(method)) add('Content-Length', String(body.length))
    const path = target.query ? `${target.path}?${target.query}` : target.path
    const reply = await askNova(method, path, headers, body)
    if (reply.kind === 'unreachable') {
      log.warning('nova-unavailable', {error: reply.code, msg: NOVA_UNAVAILABLE})
      writeRawAndClose(res, neutronRawResponse('503 Service Unavailable', NOVA_UNAVAILABLE))
      return {instance: port.uuid, outcome: 'nova-unavailable', status: 503}
    }
    if (reply.kind === 'timeout') {
      log.error('receive-error', {error: `nova did not answer within ${novaTimeout} ms (ReadTimeout)`, msg: 'Error while receiving data.'})
      dropConnection(req)
      return {instance: port.uuid, outcome: 'nova-timeout', status: 0}
    }
    if (!PASSED_THROUGH.has(reply.status)) {
      log.error('receive-error', {error: `Unexpected response code: ${reply.status}`, msg: 'Error while receiving data.'})
      dropConnection(req)
      return {instance: port.uuid, nova: reply.status, outcome: 'nova-unexpected-status', status: 0}
    }
    if (reply.status === 403) log.warning('nova-forbidden', {msg: 'The remote metadata server responded with Forbidden. This response usually occurs when shared secrets do not match.'})
    if (reply.status === 500) log.warning('nova-error', {msg: 'Remote metadata server experienced an internal server error.'})
    const out: string[] = []
    for (let i = 0; i < reply.headers.length; i += 2) {
      const name = reply.headers[i] as string
      if (!NOT_COPIED.has(name.toLowerCase())) out.push(name, reply.headers[i + 1] as string)
    }
    out.push('Content-Length', String(reply.body.length))
    res.writeHead(reply.status, out)
    res.end(reply.body)
    return {instance: port.uuid, nova: reply.status, outcome: 'forwarded', status: reply.status}
  }

  const server = createHttpServer({headersMs: 30_000, idleMs: 120_000, keepAliveMs: 65_000, requestMs: 60_000}, (req, res) => {
    const start = performance.now()
    handle(req, res).then(
      (o) => {
        if (log.accessEnabled) {
          log.access({
            forwarded_for: clip(req.headers['x-forwarded-for'] as string | undefined, 64),
            instance: o.instance,
            method: req.method,
            ms: Math.round((performance.now() - start) * 10) / 10,
            network_id: clip(req.headers['x-neutron-network-id'] as string | undefined, 64),
            nova_status: o.nova,
            outcome: o.outcome,
            path: clip(req.url),
            router_id: clip(req.headers['x-neutron-router-id'] as string | undefined, 64),
            status: o.status,
          })
        }
      },
      (error: unknown) => {
        log.error('receive-error', {error: clip(String((error as Error)?.message ?? error)), msg: 'Error while receiving data.'})
        dropConnection(req)
      },
    )
  })
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    log.error('receive-error', {error: err.code, msg: 'Error while receiving data.'})
    if (err.code === 'HPE_HEADER_OVERFLOW' && socket.writable) {
      socket.end(neutronRawResponse('431 Request Header Fields Too Large', 'The request header fields were too large'))
      return
    }
    socket.destroy()
  })

  await prepareSocketPath(opts.socket)
  if (faults.refuse) {
    await leaveDeadSocket(opts.socket, mode)
    log.info('refusing', {msg: 'fault refuse: socket file present, nobody listening', socket: opts.socket})
    return {
      address: opts.socket,
      close: async () => {
        novaAgent.destroy()
        await removeSocketFile(opts.socket)
      },
    }
  }
  await listenUnix(server, opts.socket)
  await applySocketMode(opts.socket, mode)
  log.info('listening', {
    faults: opts.faults?.length ? opts.faults : undefined,
    instances: opts.instances.length,
    mode: `0${mode.toString(8)}`,
    nova: `${novaHost}:${novaPort}`,
    secret: opts.secret ? 'set' : 'empty',
    socket: opts.socket,
  })
  let closed = false
  return {
    address: opts.socket,
    close: async () => {
      if (closed) return
      closed = true
      await closeServer(server)
      novaAgent.destroy()
      await removeSocketFile(opts.socket)
      log.info('stopped', {socket: opts.socket})
    },
  }
}
