// Server settings and request-body reading shared by the three components: bounded header and
// body sizes and timeouts, so oversized, malformed or slow (slowloris) requests cannot pin memory
// or connections.
import http from 'node:http'
import type {Socket} from 'node:net'

export const MAX_HEADER_BYTES = 16 * 1024

export interface ServerTimeouts {
  /** all request headers must arrive within this (haproxy `timeout http-request`) */
  headersMs: number
  /** the whole request, body included */
  requestMs: number
  /** idle keep-alive connections are closed after this */
  keepAliveMs: number
  /** any connection idle this long is closed (haproxy `timeout client`); 0 = off */
  idleMs: number
}

export function createHttpServer(t: ServerTimeouts, handler: http.RequestListener): http.Server {
  const server = http.createServer(
    {
      // how often Node looks for connections past headersTimeout/requestTimeout
      connectionsCheckingInterval: Math.max(250, Math.min(1000, Math.floor(t.headersMs / 2))),
      headersTimeout: t.headersMs,
      keepAliveTimeout: t.keepAliveMs,
      maxHeaderSize: MAX_HEADER_BYTES,
      requestTimeout: Math.max(t.requestMs, t.headersMs),
      // neutron, nova and haproxy all serve HTTP/1.1 requests without Host
      requireHostHeader: false,
    },
    handler,
  )
  server.timeout = t.idleMs
  server.maxHeadersCount = 200
  // haproxy caps at maxconn 1024 and queues; past this many, new connections are dropped
  server.maxConnections = 4096
  return server
}

export class BodyTooLarge extends Error {}

const NO_BODY = Promise.resolve(Buffer.alloc(0))

/** Read the whole request body, refusing more than `max` bytes (declared or sent). */
export function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  const declared = req.headers['content-length']
  // most metadata requests are bodiless GETs: skip the stream machinery for them
  if ((declared === undefined || declared === '0') && req.headers['transfer-encoding'] === undefined) return NO_BODY
  if (declared !== undefined && Number(declared) > max) return Promise.reject(new BodyTooLarge())
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > max) {
        req.removeAllListeners('data')
        req.pause()
        reject(new BodyTooLarge())
        return
      }
      chunks.push(c)
    })
    req.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)))
    req.once('error', reject)
    req.once('close', () => {
      if (!req.complete) reject(new Error('client went away before sending the whole body'))
    })
  })
}

/** Track open sockets so close() can end keep-alive connections instead of waiting for them. */
export function closeServer(server: http.Server | import('node:net').Server, graceMs = 2000): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve()
      return
    }
    const timer = setTimeout(() => {
      if ('closeAllConnections' in server) server.closeAllConnections()
    }, graceMs)
    timer.unref()
    server.close(() => {
      clearTimeout(timer)
      resolve()
    })
    if ('closeIdleConnections' in server) server.closeIdleConnections()
  })
}

export const listenTcp = (server: http.Server, host: string, port: number): Promise<{host: string; port: number}> =>
  new Promise((resolve, reject) => {
    const onError = (e: Error): void => reject(e)
    server.once('error', onError)
    server.listen({host, port, backlog: 4096, exclusive: true}, () => {
      server.off('error', onError)
      const a = server.address()
      resolve(typeof a === 'object' && a ? {host: a.address, port: a.port} : {host, port})
    })
  })

/** The remote address of a client socket, or '' when the socket is already gone. */
export const remoteAddressOf = (s: Socket): string => s.remoteAddress ?? ''

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
