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
    const header = (name: string): string | undefined => (dropped.has(name) ? undefined : (req.headers[name] as string | undefined))
    const count = (name: string): number => (dropped.has(name) ? 0 : (req.headersDistinct[name]?.length ?? 0))

    if (opts.echoHeaders) {
      const id = header('x-instance-id')
      const headers = []
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i] as string
        if (dropped.has(name.toLowerCase())) continue
        const value = req.rawHeaders[i + 1] as string
        const hidden = SIGNATURE_HEADERS.has(name.toLowerCase())
        headers.push([name, hidden ? (id !== undefined && matches(id, value) ? '<hidden: valid>' : '<hidden: invalid>') : value])
      }
      const text = JSON.stringify({headers, method: req.method, path: req.url, remote_addr: unmapIPv4(req.socket.remoteAddress ?? '')})
      send(res, 200, 'OK', 'application/json', Buffer.from(text))
      return {outcome: 'echo', status: 200}
    }

    let meta: InstanceMetadata | null = null
    let address: string | null = null
    let instanceId: string | undefined
    if (proxyMode) {
      if (header('x-metadata-provider')) {
        const forwarded = header('x-forwarded-for')
        const provider = header('x-metadata-provider') as string
        if (forwarded === undefined) {
          sendError(req, res, 400, 'X-Forwarded-For is missing from request.')
          return {outcome: 'missing-header', status: 400}
        }
        if (secret && !signatureMatches(secret, provider, header('x-metadata-provider-signature'))) {
          log.warning('signature-mismatch', {msg: `X-Instance-ID-Signature does not match the expected signature for id: ${clip(provider)}. Request From: ${clip(forwarded)}`})
          sendError(req, res, 403, 'Invalid proxy request signature.')
          return {outcome: 'bad-signature', status: 403}
        }
        // the reference models no load-balancer metadata providers (no advanced_service_providers subnets)
        const msg = `Could not find any subnets for provider ${provider}`
        log.error('provider-unknown', {msg: clip(msg)})
        sendError(req, res, 400, msg)
        return {outcome: 'provider-unknown', status: 400}
      }
      instanceId = header('x-instance-id')
      const tenantId = header('x-tenant-id')
      const signature = header('x-instance-id-signature')
      const forwarded = header('x-forwarded-for')
      let msg: string | null = null
      if (instanceId === undefined) msg = 'X-Instance-ID header is missing from request.'
      else if (signature === undefined) msg = 'X-Instance-ID-Signature header is missing from request.'
      else if (tenantId === undefined) msg = 'X-Tenant-ID header is missing from request.'
      else if (count('x-instance-id') > 1) msg = 'Multiple X-Instance-ID headers found within request.'
      else if (count('x-tenant-id') > 1) msg = 'Multiple X-Tenant-ID headers found within request.'
      if (msg !== null || instanceId === undefined || tenantId === undefined) {
        sendError(req, res, 400, msg ?? undefined)
        return {outcome: 'missing-header', status: 400}
      }
      if (!matches(instanceId, signature)) {
        if (instanceId) {
          log.warning('signature-mismatch', {msg: `X-Instance-ID-Signature does not match the expected signature for id: ${clip(instanceId)}. Request From: ${clip(forwarded)}`})
        }
        sendError(req, res, 403, 'Invalid proxy request signature.')
        return {instance: instanceId, outcome: 'bad-signature', status: 403}
      }
      meta = metadata.get(instanceId) ?? null
      if (!meta) log.error('instance-not-found', {msg: `Failed to get metadata for instance id: ${clip(instanceId)}`})
      else if (meta.spec.projectId !== tenantId) {
        log.warning('tenant-mismatch', {msg: `Tenant_id ${clip(tenantId)} does not match tenant_id of instance ${instanceId}.`})
        meta = null
      }
      address = forwarded ?? null
    } else {
      if (header('x-instance-id')) {
        log.warning('instance-id-ignored', {msg: "X-Instance-ID present in request headers. The 'service_metadata_proxy' option must be enabled to process this header."})
      }
      // nova then trusts only the TCP peer, never X-Forwarded-For
      address = unmapIPv4(req.socket.remoteAddress ?? '')
      const found = inventory.byAddress(address)
      if (found.length > 1) {
        log.error('address-ambiguous', {msg: `Failed to get metadata for IP ${address}`})
        sendError(req, res, 500, UNKNOWN_ERROR)
        return {outcome: 'address-ambiguous', status: 500}
      }
      meta = found[0] ? (metadata.get(found[0].uuid) ?? null) : null
      if (!meta) log.error('address-not-found', {msg: `Failed to get metadata for IP ${address}: no metadata`})
      instanceId = meta?.spec.uuid
    }
    if (!meta) {
      sendError(req, res, 404)
      return {instance: instanceId, outcome: 'no-instance', status: 404}
    }
    const result = meta.lookup(pathInfo, address, now())
    if (!result) {
      sendError(req, res, 404)
      return {instance: instanceId, outcome: 'no-path', status: 404}
    }
    if (result.kind === 'data') {
      send(res, 200, 'OK', result.contentType, result.body)
      return {instance: instanceId, outcome: 'ok', status: 200}
    }
    // nova/api/metadata/password.py handle_password
    if (req.method === 'GET') {
      send(res, 200, 'OK', TEXT_HTML, Buffer.from(meta.password, 'utf8'))
      return {instance: instanceId, outcome: 'ok', status: 200}
    }
    if (req.method === 'POST') {
      if (meta.password) {
        sendError(req, res, 409)
        return {instance: instanceId, outcome: 'password-set', status: 409}
      }
      if (body.length > MAX_PASSWORD) {
        sendError(req, res, 400, 'Request is too large.')
        return {instance: instanceId, outcome: 'password-too-large', status: 400}
      }
      meta.password = body.toString('utf8').slice(0, MAX_PASSWORD)
      send(res, 200, 'OK', TEXT_HTML, Buffer.alloc(0))
      return {instance: instanceId, outcome: 'password-stored', status: 200}
    }
    sendError(req, res, 400, 'GET and POST only are supported.')
    return {instance: instanceId, outcome: 'bad-method', status: 400}
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
