/**
 * A raw HTTP/1.x response as an active probe records it (the bytes read from the socket), or as
 * `curl -si` prints it.
 *
 * Real sample (haproxy's own page when the metadata agent's unix socket is gone, read by a probe
 * from a guest namespace through the qrouter REDIRECT; CRLF line ends):
 * ```
 * HTTP/1.1 503 Service Unavailable
 * content-length: 107
 * cache-control: no-cache
 * content-type: text/html
 * connection: close
 *
 * <html><body><h1>503 Service Unavailable</h1>
 * No server is available to handle this request.
 * </body></html>
 * ```
 *
 * Contract:
 * - Status line `HTTP/<version> <code> [reason]`; header lines end in CRLF or LF (neutron 2025.1+'s
 *   agent writes bare LF); the first empty line ends the headers; the rest is `body`, unchanged.
 * - Header names are lower-cased; repeated headers are joined with `, `; a line starting with a
 *   blank continues the previous header (obsolete folding).
 * - A 1xx interim response (`100 Continue`) followed by a final one is skipped: the final one is
 *   returned.
 * - `Transfer-Encoding: chunked` bodies are decoded when the chunks are well formed; otherwise the
 *   body is returned as read, with a warning.
 * - warnings: no empty line after the headers (cut response: body is ''), a body shorter than
 *   Content-Length, a header line without a colon (the headers stop there).
 * - Refused with ParseError: binary data, empty input, anything whose first line is not an HTTP
 *   status line (e.g. `curl: (7) Failed to connect …`).
 */
import {assertText, ParseError} from './errors.js'

export interface RawHttpResponse {
  status: number
  reason: string
  /** lower-case keys; repeated headers joined with ', ' */
  headers: Record<string, string>
  body: string
  warnings: string[]
}

const STATUS = /^HTTP\/(\d(?:\.\d)?) (\d{3})(?: (.*))?$/
// Messages quote input, which can be hostile: one line, printable, short.
const clip = (s: string): string => {
  const one = s.slice(0, 81).replace(/[\u0000-\u001f\u007f]/g, ' ')
  return one.length > 80 ? `${one.slice(0, 80)}…` : one
}

/** The index just past the line ending at `from` (CRLF or LF), and the line itself; undefined at end of text. */
function nextLine(text: string, from: number): {line: string; next: number} | undefined {
  if (from >= text.length) return undefined
  const lf = text.indexOf('\n', from)
  if (lf === -1) return {line: text.slice(from), next: text.length}
  const end = lf > from && text[lf - 1] === '\r' ? lf - 1 : lf
  return {line: text.slice(from, end), next: lf + 1}
}

function dechunk(body: string): string | undefined {
  let out = ''
  let pos = 0
  for (;;) {
    const size = nextLine(body, pos)
    if (!size) return undefined
    const n = Number.parseInt(size.line.split(';')[0] ?? '', 16)
    if (!Number.isInteger(n) || n < 0 || !/^[0-9a-fA-F]+/.test(size.line)) return undefined
    if (n === 0) return out
    out += body.slice(size.next, size.next + n)
    if (size.next + n > body.length) return undefined
    const crlf = nextLine(body, size.next + n)
    if (!crlf || crlf.line !== '') return undefined
    pos = crlf.next
  }
}

function parseOne(text: string, start: number, warnings: string[]): {res: RawHttpResponse; end: number; ended: boolean} {
  const first = nextLine(text, start)
  const m = first ? STATUS.exec(first.line) : null
  if (!first || !m) throw new ParseError(`not an HTTP response: "${clip(first?.line ?? '')}"`)
  const headers = Object.create(null) as Record<string, string>
  let pos = first.next
  let last: string | undefined
  let ended = false
  for (;;) {
    const l = nextLine(text, pos)
    if (!l) break
    pos = l.next
    if (l.line === '') {
      ended = true
      break
    }
    if (/^[ \t]/.test(l.line) && last) {
      headers[last] = `${headers[last]} ${l.line.trim()}`
      continue
    }
    const colon = l.line.indexOf(':')
    if (colon <= 0) {
      warnings.push(`header line without a colon ("${clip(l.line)}"): headers stop here`)
      pos = text.length
      break
    }
    const name = l.line.slice(0, colon).trim().toLowerCase()
    const value = l.line.slice(colon + 1).trim()
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value
    last = name
  }
  if (!ended) warnings.push('no empty line after the headers: the response is cut; body left empty')
  return {end: ended ? pos : text.length, ended, res: {body: '', headers, reason: m[3] ?? '', status: Number(m[2]), warnings}}
}

export function parseRawHttpResponse(text: string): RawHttpResponse {
  assertText(text, 'HTTP response')
  if (text.trim() === '') throw new ParseError('empty HTTP response (the connection closed without a reply?)')
  const warnings: string[] = []
  let {res, end, ended} = parseOne(text, 0, warnings)
  while (res.status >= 100 && res.status < 200 && STATUS.test(nextLine(text, end)?.line ?? '')) ({res, end, ended} = parseOne(text, end, warnings))
  let body = end < text.length ? text.slice(end) : ''
  if (!ended) return res
  if (/\bchunked\b/i.test(res.headers['transfer-encoding'] ?? '')) {
    const decoded = dechunk(body)
    if (decoded === undefined) warnings.push('Transfer-Encoding is chunked but the chunks are malformed or cut: body left as read')
    else body = decoded
  } else if (res.headers['content-length'] !== undefined) {
    const expected = Number(res.headers['content-length'])
    // Content-Length counts bytes, the body here is characters.
    const got = Buffer.byteLength(body, 'utf8')
    if (Number.isInteger(expected) && got < expected) warnings.push(`body has ${got} of ${expected} bytes announced by Content-Length (cut?)`)
  }
  return {...res, body}
}
