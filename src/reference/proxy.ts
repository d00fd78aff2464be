// The namespace metadata proxy (haproxy as neutron configures it): listens on TCP, removes
// client-sent X-Forwarded-For / X-Neutron-Router-ID / X-Neutron-Network-ID, adds its own, and
// forwards over the agent's unix socket. Where haproxy would answer itself it sends haproxy's
// pages: 503 (socket missing or refusing, after 3 retries), 504 (`timeout server`), 502 (the
// agent closed without a reply), 400 (malformed or oversized headers), 408 (slow headers), 413.
// Unlike haproxy's `http-server-close`, connections to the agent are kept alive.
import http from 'node:http'
import {ReferenceConfigError} from './errors.js'
import type {Fault} from './faults.js'
import {foldFaults} from './faults.js'
import {haproxyPage, haproxyPageBytes} from './haproxy-pages.js'
import {BodyTooLarge, closeServer, createHttpServer, listenTcp, readBody, sleep} from './http-common.js'
import {unmapIPv4} from './ip-address.js'
import {formatAddress, parseListenAddress} from './listen-address.js'
import {clip, Logger, type LogLevel, type LogSink, stderrSink} from './log.js'
import type {RunningServer} from './running.js'

export interface ProxyOptions {
  /** HOST:PORT (default 127.0.0.1:9697; 169.254.169.254:80 inside a DHCP namespace; port 0 picks one) */
  listen?: string
  /** the agent's unix socket */
  socket: string
  /** X-Neutron-Router-ID to set (router namespace); give this or networkId */
  routerId?: string
  /** X-Neutron-Network-ID to set (DHCP namespace) */
  networkId?: string
  timeoutServerMs?: number
  timeoutHttpRequestMs?: number
  timeoutClientMs?: number
  keepAliveTimeoutMs?: number
  maxBodyBytes?: number
  faults?: readonly Fault[]
  log?: LogSink | false
  logLevel?: LogLevel
}

const STRIPPED = new Set([
  'x-forwarded-for',
  'x-neutron-router-id',
  'x-neutron-network-id',
  // hop-by-hop: this proxy owns its connections on both sides
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
])
const NOT_COPIED_BACK = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'proxy-connection', 'upgrade', 'trailer'])
/** haproxy `retries 3`: connection attempts after the first */
const RETRIES = 3
/** errors a unix-socket connect() gives: the request never reached the agent */
const CONNECT_FAILURES = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ENOTSOCK', 'EAGAIN'])

type Upstream = {kind: 'response'; res: http.IncomingMessage} | {kind: 'unavailable'; code: string} | {kind: 'timeout'} | {kind: 'bad-response'; code: string}

export async function startProxy(opts: ProxyOptions): Promise<RunningServer> {
  if (Boolean(opts.routerId) === Boolean(opts.networkId)) {
    throw new ReferenceConfigError('proxy: give router_id (router namespace) or network_id (DHCP namespace), exactly one')
  }
  const listen = parseListenAddress(opts.listen ?? '127.0.0.1:9697', 'proxy.listen')
  const faults = foldFaults(opts.faults ?? [])
  const idHeader: [string, string] = opts.routerId ? ['x-neutron-router-id', opts.routerId] : ['x-neutron-network-id', opts.networkId as string]
  const timeoutServer = opts.timeoutServerMs ?? 32_000
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024
  const log = new Logger('proxy', opts.log === false ? () => {} : (opts.log ?? stderrSink), opts.logLevel ?? 'access')
  const agent = new http.Agent({keepAlive: true, maxFreeSockets: 256, maxSockets: 512, scheduling: 'lifo'})

  const sendPage = (res: http.ServerResponse, status: number): void => {
    const p = haproxyPage(status)
    res.shouldKeepAlive = false
    res.writeHead(p.status, p.reason, p.headers.flat())
    res.end(p.body)
  }

  function forward(method: string, path: string, headers: string[], body: Buffer): Promise<Upstream> {
    return new Promise((resolve) => {
      let attempt = 0
      const tryOnce = (fresh = false): void => {
        // the agent's own answers use bare LF line endings, as neutron's do: parse leniently like haproxy
        const up = http.request({agent: fresh ? false : agent, headers, insecureHTTPParser: true, method, path, socketPath: opts.socket})
        let done = false
        const finish = (u: Upstream): void => {
          if (!done) {
            done = true
            resolve(u)
          }
        }
        up.setTimeout(timeoutServer, () => {
          up.destroy()
          finish({kind: 'timeout'})
        })
        up.on('error', (e: NodeJS.ErrnoException) => {
          if (done) return
          const code = e.code ?? 'error'
          const neverConnected = CONNECT_FAILURES.has(code)
          // haproxy's retries
          if (neverConnected && attempt < RETRIES) {
            attempt++
            done = true
            tryOnce()
            return
          }
          // a kept-alive socket the agent closed while idle: once more on a new connection
          if (up.reusedSocket && code === 'ECONNRESET' && !fresh) {
            done = true
            tryOnce(true)
            return
          }
          finish(neverConnected ? {code, kind: 'unavailable'} : {code, kind: 'bad-response'})
        })
        up.on('response', (r) => finish({kind: 'response', res: r}))
        up.end(body.length > 0 ? body : undefined)
      }
      tryOnce()
    })
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<{status: number; outcome: string}> {
    if (faults.close) {
      req.socket.destroy()
      return {outcome: 'fault-close', status: 0}
    }
    if (faults.delayMs > 0) await sleep(faults.delayMs)
    if (faults.status !== null) {
      sendPage(res, faults.status)
      return {outcome: 'fault-status', status: faults.status}
    }
    let body: Buffer
    try {
      body = await readBody(req, maxBody)
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error
      sendPage(res, 413)
      return {outcome: 'body-too-large', status: 413}
    }
    const headers: string[] = []
    const raw = req.rawHeaders
    for (let i = 0; i < raw.length; i += 2) {
      const name = (raw[i] as string).toLowerCase()
      if (!STRIPPED.has(name) && !faults.dropHeaders.has(name)) headers.push(name, raw[i + 1] as string)
    }
    if (!faults.dropHeaders.has(idHeader[0])) headers.push(idHeader[0], idHeader[1])
    if (!faults.dropHeaders.has('x-forwarded-for')) headers.push('x-forwarded-for', unmapIPv4(req.socket.remoteAddress ?? ''))
    if (body.length > 0 || req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) headers.push('content-length', String(body.length))
    const up = await forward(req.method ?? 'GET', req.url ?? '/', headers, body)
    if (up.kind === 'unavailable') {
      log.warning('backend-unavailable', {error: up.code, socket: opts.socket})
      sendPage(res, 503)
      return {outcome: 'backend-unavailable', status: 503}
    }
    if (up.kind === 'timeout') {
      sendPage(res, 504)
      return {outcome: 'backend-timeout', status: 504}
    }
    if (up.kind === 'bad-response') {
      log.warning('backend-bad-response', {error: up.code})
      sendPage(res, 502)
      return {outcome: 'backend-closed', status: 502}
    }
    const r = up.res
    const out: string[] = []
    for (let i = 0; i < r.rawHeaders.length; i += 2) {
      const name = r.rawHeaders[i] as string
      if (!NOT_COPIED_BACK.has(name.toLowerCase())) out.push(name, r.rawHeaders[i + 1] as string)
    }
    const chunks: Buffer[] = []
    const complete = await new Promise<boolean>((resolve) => {
      r.on('data', (c: Buffer) => chunks.push(c))
      r.on('end', () => resolve(true))
      r.on('error', () => resolve(false))
      r.on('close', () => resolve(r.complete))
    })
    if (!complete) {
      sendPage(res, 502)
      return {outcome: 'backend-truncated', status: 502}
    }
    const payload = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)
    out.push('content-length', String(payload.length))
    res.writeHead(r.statusCode ?? 502, r.statusMessage, out)
    res.end(payload)
    return {outcome: 'forwarded', status: r.statusCode ?? 502}
  }

  const server = createHttpServer(
    {
      headersMs: opts.timeoutHttpRequestMs ?? 30_000,
      idleMs: opts.timeoutClientMs ?? 32_000,
      keepAliveMs: opts.keepAliveTimeoutMs ?? 30_000,
      requestMs: Math.max(opts.timeoutHttpRequestMs ?? 30_000, opts.timeoutClientMs ?? 32_000),
    },
    (req, res) => {
      const start = performance.now()
      handle(req, res).then(
        (o) => {
          if (log.accessEnabled) {
            log.access({
              client: unmapIPv4(req.socket.remoteAddress ?? ''),
              method: req.method,
              ms: Math.round((performance.now() - start) * 10) / 10,
              outcome: o.outcome,
              path: clip(req.url),
              status: o.status,
            })
          }
        },
        (error: unknown) => {
          log.error('request-failed', {error: clip(String((error as Error)?.message ?? error))})
          if (!res.headersSent && !res.destroyed) sendPage(res, 502)
          else res.destroy()
        },
      )
    },
  )
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    const status = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400
    log.warning('client-error', {code: err.code, status})
    if (socket.writable && err.code !== 'ECONNRESET') socket.end(haproxyPageBytes(status))
    else socket.destroy()
  })
  // CONNECT has no business here: answer like a bad request
  server.on('connect', (_req, socket) => {
    socket.end(haproxyPageBytes(400))
  })

  const bound = await listenTcp(server, listen.host, listen.port)
  const address = formatAddress(bound.host, bound.port)
  if (faults.refuse) {
    await closeServer(server)
    log.info('refusing', {address, msg: 'fault refuse: not listening'})
    return {address, close: async () => agent.destroy()}
  }
  log.info('listening', {address, faults: opts.faults?.length ? opts.faults : undefined, [idHeader[0]]: idHeader[1], socket: opts.socket})
  let closed = false
  return {
    address,
    close: async () => {
      if (closed) return
      closed = true
      await closeServer(server)
      agent.destroy()
      log.info('stopped', {address})
    },
  }
}
