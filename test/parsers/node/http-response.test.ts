import {describe, expect, it} from 'vitest'

import {ParseError} from '../../../src/parsers/errors.js'
import {parseRawHttpResponse} from '../../../src/parsers/http-response.js'
import {sample, samplesOf} from './samples.js'

const VERSIONS = '1.0\n2007-01-19\n2007-03-01\n2007-08-29\n2007-10-10\n2007-12-15\n2008-02-01\n2008-09-01\n2009-04-04\nlatest'

describe('parseRawHttpResponse on responses read through the lab metadata path', () => {
  it('reads the 200 version list relayed by haproxy', () => {
    expect(parseRawHttpResponse(sample('http-response--haproxy-200-versions.txt'))).toEqual({
      body: VERSIONS,
      headers: {connection: 'close', 'content-length': '98', 'content-type': 'text/plain; charset=UTF-8'},
      reason: 'OK',
      status: 200,
      warnings: [],
    })
  })

  it('reads the same 200 as printed by curl -si', () => {
    const r = parseRawHttpResponse(sample('http-response--curl-si-200.txt'))
    expect([r.status, r.body]).toEqual([200, VERSIONS])
  })

  it("reads haproxy's own 503 page when the agent socket is gone", () => {
    const r = parseRawHttpResponse(sample('http-response--haproxy-503-no-agent.txt'))
    expect(r).toMatchObject({headers: {'cache-control': 'no-cache', connection: 'close', 'content-type': 'text/html'}, reason: 'Service Unavailable', status: 503, warnings: []})
    expect(r.body).toBe('<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n')
  })

  it("reads the 2025.1+ agent's raw 404 template after haproxy, Content-Length matching the formula", () => {
    const r = parseRawHttpResponse(sample('http-response--agent-404-raw-template.txt'))
    expect(r.status).toBe(404)
    expect(r.body).toContain('Instance was not found on router 5a3c3b4e-1111-2222-3333-444455556666.')
    const message = 'Instance was not found on router 5a3c3b4e-1111-2222-3333-444455556666.'
    expect(Number(r.headers['content-length'])).toBe(95 + 2 * '404 Not Found'.length + message.length)
    expect(Buffer.byteLength(r.body)).toBe(Number(r.headers['content-length']))
  })

  it("reads the agent's own bytes on the unix socket: bare LF line ends, Content-Length matching the body", () => {
    const r = parseRawHttpResponse(sample('http-response--agent-socket-404-bare-lf.txt'))
    expect(r).toMatchObject({headers: {connection: 'close', 'content-length': '191', 'content-type': 'text/plain; charset=UTF-8'}, reason: 'Not Found', status: 404, warnings: []})
    expect(r.body).toBe(parseRawHttpResponse(sample('http-response--agent-404-raw-template.txt')).body)
  })

  it('has an expectation for every http-response sample', () => {
    expect(samplesOf('http-response')).toEqual([
      'http-response--agent-404-raw-template.txt',
      'http-response--agent-socket-404-bare-lf.txt',
      'http-response--curl-si-200.txt',
      'http-response--haproxy-200-versions.txt',
      'http-response--haproxy-503-no-agent.txt',
    ])
  })
})

describe('parseRawHttpResponse details', () => {
  it('reads bare-LF responses (what the agent writes on its socket)', () => {
    const r = parseRawHttpResponse('HTTP/1.1 404 Not Found\nContent-Type: text/plain; charset=UTF-8\nConnection: close\nContent-Length: 2\n\nno')
    expect(r).toEqual({body: 'no', headers: {connection: 'close', 'content-length': '2', 'content-type': 'text/plain; charset=UTF-8'}, reason: 'Not Found', status: 404, warnings: []})
  })

  it('joins repeated headers, unfolds continued ones and lower-cases names', () => {
    const r = parseRawHttpResponse('HTTP/1.0 200 OK\r\nVia: a\r\nVIA: b\r\nX-Long: one\r\n two\r\n\r\n')
    expect(r.headers).toEqual({via: 'a, b', 'x-long': 'one two'})
  })

  it('skips a 100 Continue and returns the final response', () => {
    expect(parseRawHttpResponse('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 409 Conflict\r\nContent-Length: 0\r\n\r\n').status).toBe(409)
  })

  it('decodes a chunked body and keeps a malformed one as read, with a warning', () => {
    expect(parseRawHttpResponse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nlate\r\n2\r\nst\r\n0\r\n\r\n').body).toBe('latest')
    const bad = parseRawHttpResponse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nlatest')
    expect(bad.body).toBe('zz\r\nlatest')
    expect(bad.warnings).toEqual(['Transfer-Encoding is chunked but the chunks are malformed or cut: body left as read'])
  })

  it('warns about a body shorter than Content-Length and about headers cut before the empty line', () => {
    const full = sample('http-response--haproxy-503-no-agent.txt')
    expect(parseRawHttpResponse(full.slice(0, -20)).warnings).toEqual([expect.stringMatching(/^body has \d+ of 107 bytes/)])
    const cut = parseRawHttpResponse(full.slice(0, full.indexOf('content-type')))
    expect(cut.status).toBe(503)
    expect(cut.body).toBe('')
    expect(cut.warnings).toEqual(['no empty line after the headers: the response is cut; body left empty'])
  })

  it('accepts a status line without a reason phrase and HTTP/2 from curl', () => {
    expect(parseRawHttpResponse('HTTP/1.1 204\r\n\r\n')).toMatchObject({reason: '', status: 204})
    expect(parseRawHttpResponse('HTTP/2 200 \r\n\r\n').status).toBe(200)
  })

  it('refuses anything that does not start with a status line, and empty input', () => {
    expect(() => parseRawHttpResponse('curl: (7) Failed to connect to 169.254.169.254 port 80: Connection refused\n')).toThrow(ParseError)
    expect(() => parseRawHttpResponse('')).toThrow(/empty HTTP response/)
    expect(() => parseRawHttpResponse('<html>404</html>')).toThrow(/not an HTTP response/)
  })
})
