// nova's metadata API (nova/api/metadata/handler.py): `/` without checks, then the proxy headers
// in nova's order, the signature in constant time, the instance and its tenant, then the EC2 or
// OpenStack tree. Errors are webob's, shaped by the Accept header.
import type http from 'node:http'
import type {Fault} from './faults.js'
import {foldFaults, wrongSecretFor} from './faults.js'
import {BodyTooLarge, closeServer, createHttpServer, listenTcp, readBody, sleep} from './http-common.js'
import type {InstanceSpec} from './instance.js'
import {Inventory} from './inventory.js'
import {unmapIPv4} from './ip-address.js'
import {formatAddress, parseListenAddress} from './listen-address.js'
import {clip, Logger, type LogLevel, type LogSink, stderrSink} from './log.js'
import {type HeaderView, type IdentifyContext, identifyByPeer, identifyByProxyHeaders} from './nova-identify.js'
import {InstanceMetadata, ROOT_LISTING, TEXT_HTML, TEXT_PLAIN} from './nova-metadata.js'
import {decodePathInfo, normpath, splitTarget} from './posix-path.js'
import {signatureMatches, signInstanceId} from './signature.js'
import {webobError} from './webob-error.js'
import type {RunningServer} from './running.js'

export interface ApiOptions {
  /** HOST:PORT (default 127.0.0.1:8775; port 0 picks one) */
  listen?: string
  /** [neutron] metadata_proxy_shared_secret */
  secret: string
  instances: readonly InstanceSpec[]
  /** [neutron] service_metadata_proxy (default true) */
  serviceMetadataProxy?: boolean
  /** answer every metadata request with the headers received (signature values hidden) */
  echoHeaders?: boolean
  dhcpDomain?: string | null
  vendordataProviders?: readonly string[]
  vendorData?: unknown
  maxBodyBytes?: number
  faults?: readonly Fault[]
  /** where JSON log lines go (default stderr); false: nowhere */
  log?: LogSink | false
  logLevel?: LogLevel
  /** the clock nova's version listing compares against */
  now?: () => Date
}

const MAX_PASSWORD = 4 * 255
const UNKNOWN_ERROR = 'An unknown error has occurred. Please try your request again.'
const SIGNATURE_HEADERS = new Set(['x-instance-id-signature', 'x-metadata-provider-signature'])

interface Outcome {
  status: number
  outcome: string
  instance?: string
}

/** nova/api/metadata/password.py handle_password; answers with webob's default text/html type. */
function password(method: string, body: Buffer, meta: InstanceMetadata): {status: number; outcome: string; explanation?: string; body?: Buffer} {
  if (method === 'GET') return {body: Buffer.from(meta.password, 'utf8'), outcome: 'ok', status: 200}
  if (method !== 'POST') return {explanation: 'GET and POST only are supported.', outcome: 'bad-method', status: 400}
  // nova checks for a stored password before the size
  if (meta.password) return {outcome: 'password-set', status: 409}
  if (body.length > MAX_PASSWORD) return {explanation: 'Request is too large.', outcome: 'password-too-large', status: 400}
  meta.password = body.toString('utf8').slice(0, MAX_PASSWORD)
  return {outcome: 'password-stored', status: 200}
}

/** The echo-headers answer: what reached nova, in order, with signature values replaced. */
function echoBody(req: http.IncomingMessage, h: HeaderView, dropped: ReadonlySet<string>, matches: (id: string, sig: string | undefined) => boolean): Buffer {
  const id = h.get('x-instance-id')
  const headers: [string, string][] = []
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] as string
    if (dropped.has(name.toLowerCase())) continue
    const value = req.rawHeaders[i + 1] as string
    if (!SIGNATURE_HEADERS.has(name.toLowerCase())) headers.push([name, value])
    else headers.push([name, id !== undefined && matches(id, value) ? '<hidden: valid>' : '<hidden: invalid>'])
  }
  return Buffer.from(JSON.stringify({headers, method: req.method, path: req.url, remote_addr: unmapIPv4(req.socket.remoteAddress ?? '')}))
}

export async function startApi(opts: ApiOptions): Promise<RunningServer> {
  const listen = parseListenAddress(opts.listen ?? '127.0.0.1:8775', 'api.listen')
  const faults = foldFaults(opts.faults ?? [])
  const secret = faults.wrongSecret ? wrongSecretFor(opts.secret) : opts.secret
  const proxyMode = opts.serviceMetadataProxy ?? true
  const maxBody = opts.maxBodyBytes ?? 64 * 1024
  const now = opts.now ?? (() => new Date())
  const log = new Logger('api', opts.log === false ? () => {} : (opts.log ?? stderrSink), opts.logLevel ?? 'access', [opts.secret, secret])
  const inventory = new Inventory(opts.instances)
  const settings = {dhcpDomain: opts.dhcpDomain === undefined ? 'novalocal' : opts.dhcpDomain, vendorData: opts.vendorData ?? {}, vendordataProviders: opts.vendordataProviders ?? ['StaticJSON']}
  const metadata = new Map(opts.instances.map((i) => [i.uuid, new InstanceMetadata(i, settings)]))
  // expected signatures of known instances, computed once (unknown ids are signed per request)
  const expected = new Map(opts.instances.map((i) => [i.uuid, signInstanceId(secret, i.uuid)]))
  const matches = (id: string, signature: string | undefined): boolean => signatureMatches(secret, id, signature, expected.get(id))
  const ctx: IdentifyContext = {byAddress: (ip) => inventory.byAddress(ip), log, matches, metadata, secret}

  const send = (res: http.ServerResponse, status: number, reason: string, contentType: string, body: Buffer, close = false): void => {
    const headers: [string, string][] = [['Content-Type', contentType], ['Content-Length', String(body.length)]]
    if (close) headers.push(['Connection', 'close'])
    res.writeHead(status, reason, headers.flat())
    res.end(body)
  }
  const sendError = (req: http.IncomingMessage, res: http.ServerResponse, status: number, explanation?: string, close = false): void => {
    const e = webobError(status, req.headers.accept, explanation)
    send(res, e.status, e.reason, e.contentType, e.body, close)
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<Outcome> {
    if (faults.close) {
      req.socket.destroy()
      return {outcome: 'fault-close', status: 0}
    }
    if (faults.delayMs > 0) await sleep(faults.delayMs)
    if (faults.status !== null) {
      sendError(req, res, faults.status)
      return {outcome: 'fault-status', status: faults.status}
    }
    let body: Buffer
    try {
      body = await readBody(req, maxBody)
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error
      sendError(req, res, 413, undefined, true)
      return {outcome: 'body-too-large', status: 413}
    }
    const target = splitTarget(req.url ?? '')
    if (!target) {
      sendError(req, res, 400)
      return {outcome: 'bad-target', status: 400}
    }
    const pathInfo = decodePathInfo(target.path)
    if (normpath(pathInfo) === '/') {
      send(res, 200, 'OK', TEXT_PLAIN, ROOT_LISTING)
      return {outcome: 'ok', status: 200}
    }

    const dropped = faults.dropHeaders
    const h: HeaderView = {
      count: (name) => (dropped.has(name) ? 0 : (req.headersDistinct[name]?.length ?? 0)),
      get: (name) => (dropped.has(name) ? undefined : (req.headers[name] as string | undefined)),
    }
    if (opts.echoHeaders) {
      send(res, 200, 'OK', 'application/json', echoBody(req, h, dropped, matches))
      return {outcome: 'echo', status: 200}
    }
    const who = proxyMode ? identifyByProxyHeaders(h, ctx) : identifyByPeer(h, unmapIPv4(req.socket.remoteAddress ?? ''), ctx)
    if (!('meta' in who)) {
      sendError(req, res, who.status, who.explanation)
      return who
    }
    const result = who.meta.lookup(pathInfo, who.address, now())
    if (!result) {
      sendError(req, res, 404)
      return {instance: who.instance, outcome: 'no-path', status: 404}
    }
    if (result.kind === 'data') {
      send(res, 200, 'OK', result.contentType, result.body)
      return {instance: who.instance, outcome: 'ok', status: 200}
    }
    const answer = password(req.method ?? 'GET', body, who.meta)
    if (answer.status !== 200) sendError(req, res, answer.status, answer.explanation)
    else send(res, 200, 'OK', TEXT_HTML, answer.body ?? Buffer.alloc(0))
    return {instance: who.instance, outcome: answer.outcome, status: answer.status}
  }

  const server = createHttpServer({headersMs: 30_000, idleMs: 120_000, keepAliveMs: 65_000, requestMs: 60_000}, (req, res) => {
    const start = performance.now()
    handle(req, res).then(
      (o) => {
        if (log.accessEnabled) {
          log.access({
            instance: o.instance,
            method: req.method,
            ms: Math.round((performance.now() - start) * 10) / 10,
            outcome: o.outcome,
            path: clip(req.url),
            remote: req.socket.remoteAddress,
            status: o.status,
          })
        }
      },
      (error: unknown) => {
        log.error('request-failed', {msg: UNKNOWN_ERROR, error: clip(String((error as Error)?.message ?? error)), path: clip(req.url)})
        if (!res.headersSent && !res.destroyed) sendError(req, res, 500, UNKNOWN_ERROR, true)
        else res.destroy()
      },
    )
  })
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    log.warning('client-error', {code: err.code})
    if (!socket.writable) {
      socket.destroy()
      return
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400
    const e = webobError(status, undefined)
    socket.end(`HTTP/1.1 ${e.status} ${e.reason}\r\nContent-Type: ${e.contentType}\r\nContent-Length: ${e.body.length}\r\nConnection: close\r\n\r\n${e.body.toString('latin1')}`, 'latin1')
  })

  const bound = await listenTcp(server, listen.host, listen.port)
  const address = formatAddress(bound.host, bound.port)
  if (faults.refuse) {
    // keep the address but refuse connections: nobody listens on it
    await closeServer(server)
    log.info('refusing', {address, msg: 'fault refuse: not listening'})
    return {address, close: async () => {}}
  }
  if (proxyMode && !opts.secret) log.warning('secret-empty', {msg: 'metadata_proxy_shared_secret is not configured, the metadata information returned by the proxy cannot be trusted'})
  log.info('listening', {address, msg: `metadata listening on ${address}`, service_metadata_proxy: proxyMode, echo_headers: Boolean(opts.echoHeaders), faults: opts.faults?.length ? opts.faults : undefined, instances: opts.instances.length})
  return {
    address,
    close: async () => {
      await closeServer(server)
      log.info('stopped', {address})
    },
  }
}
