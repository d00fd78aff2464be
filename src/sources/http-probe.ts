import {request} from 'node:http'
import {request as tlsRequest} from 'node:https'

import {USER_AGENT} from '../version.js'

export interface HttpProbeRequest {
  /** `http://host:port/path`; with socketPath, only the path part is used */
  url: string
  socketPath?: string
  headers?: Record<string, string>
  timeoutMs?: number
  /** for https: what the metadata agent presents and trusts (PEM text), as metadata_agent.ini sets it */
  tls?: {ca?: string; cert?: string; key?: string; insecure?: boolean}
}

export interface HttpProbeResult {
  /** raw HTTP response text (status line, headers, blank line, body), as `curl -i` shows it */
  stdout: string
  stderr: string
  /** curl's exit codes, so live and recorded probes classify alike: 0 ok, 7 connect, 28 timeout, 52 empty reply, 56 reset */
  exitCode: number
  durationMs: number
  /** the connection was refused for lack of permission (a unix socket this user may not open) */
  failure?: 'permission'
}

const BODY_LIMIT = 256 * 1024

/** One read-only GET, never throwing: every failure comes back as an exit code and a message. */
export function httpProbe(req: HttpProbeRequest): Promise<HttpProbeResult> {
  const started = performance.now()
  const done = (exitCode: number, stdout: string, stderr: string): HttpProbeResult => ({
    durationMs: Math.round(performance.now() - started),
    exitCode,
    stderr,
    stdout,
  })
  return new Promise((resolve) => {
    let settled = false
    const finish = (r: HttpProbeResult): void => {
      if (!settled) {
        settled = true
        resolve(r)
      }
    }
    const u = new URL(req.url)
    const https = u.protocol === 'https:' && !req.socketPath
    let connectedAt: number | undefined
    const r = (https ? tlsRequest : request)(
      {
        ...(https ? {...(req.tls?.ca ? {ca: req.tls.ca} : {}), ...(req.tls?.cert ? {cert: req.tls.cert} : {}), ...(req.tls?.key ? {key: req.tls.key} : {}), rejectUnauthorized: req.tls?.insecure !== true} : {}),
        agent: false,
        // the 2025.x agent writes its own responses with bare LF line ends, as real neutron does
        insecureHTTPParser: true,
        headers: {Accept: '*/*', Connection: 'close', 'User-Agent': USER_AGENT, ...req.headers},
        method: 'GET',
        path: `${u.pathname}${u.search}`,
        ...(req.socketPath ? {socketPath: req.socketPath} : {host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || (https ? 443 : 80))}),
        timeout: req.timeoutMs ?? 5000,
      },
      (res) => {
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (c: Buffer) => {
          if (size < BODY_LIMIT) chunks.push(c)
          size += c.length
        })
        res.on('end', () => {
          const head = [`HTTP/${res.httpVersion} ${res.statusCode ?? 0} ${res.statusMessage ?? ''}`.trimEnd()]
          for (let i = 0; i < res.rawHeaders.length; i += 2) head.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`)
          finish(done(0, `${head.join('\r\n')}\r\n\r\n${Buffer.concat(chunks).toString('utf8')}`, ''))
        })
        res.on('error', (e) => finish(done(56, '', `recv failure: ${e.message}`)))
      },
    )
    r.on('socket', (sock) => {
      sock.once(https ? 'secureConnect' : 'connect', () => {
        connectedAt = performance.now()
      })
    })
    r.on('timeout', () => {
      r.destroy()
      // connected, then silent: the far side (agent, nova) is stuck, not the path to it
      const after = connectedAt === undefined ? `connection timed out after ${req.timeoutMs ?? 5000} ms` : `connected in ${Math.round(connectedAt - started)} ms, then no response within ${Math.round(performance.now() - connectedAt)} ms`
      finish(done(28, '', after))
    })
    r.on('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? ''
      if (code === 'ECONNRESET' && /socket hang up/.test(e.message)) finish(done(52, '', `empty reply from server (${e.message})`))
      else if (code === 'ECONNRESET') finish(done(56, '', `connection reset: ${e.message}`))
      else if (code === 'EACCES' || code === 'EPERM') finish({...done(7, '', `failed to connect: ${e.message}`), failure: 'permission'})
      else if (['ECONNREFUSED', 'ENOENT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTSOCK'].includes(code)) finish(done(7, '', `failed to connect: ${e.message}`))
      else finish(done(1, '', e.message))
    })
    r.end()
  })
}
