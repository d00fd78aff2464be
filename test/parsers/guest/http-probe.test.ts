import {describe, expect, it} from 'vitest'
import {classifyMetadataResponse, classifyProbeFailure, parseCurlResponse, parseHttpProbe, parseWgetResponse, type FailureKind, type MetadataHop} from '../../../src/parsers/guest-http-probe.js'
import {capture, expectParseError, sample} from './helpers.js'

describe('parseCurlResponse / parseHttpProbe (curl -sS -i, real curl 7.88 through real haproxy 2.6)', () => {
  it("reads haproxy's own 503 page: status, lower-case headers, body", () => {
    const r = parseCurlResponse(sample('http-probe--haproxy-503.txt'))
    expect(r).toEqual({
      status: 503,
      reason: 'Service Unavailable',
      headers: {'content-length': '107', 'cache-control': 'no-cache', 'content-type': 'text/html'},
      body: '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n',
      warnings: [],
    })
    expect(Buffer.byteLength(r.body)).toBe(Number(r.headers['content-length']))
  })

  it('skips the interim `HTTP/1.1 100 Continue` and reads the final response', () => {
    expect(parseCurlResponse(sample('http-probe--continue-100.txt'))).toMatchObject({status: 200, reason: 'OK', body: ''})
  })

  it('reads the last response after redirects followed with -L', () => {
    const text = 'HTTP/1.1 301 Moved Permanently\r\nLocation: /openstack/\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nlatest'
    expect(parseCurlResponse(text)).toMatchObject({status: 200, body: 'latest'})
  })

  it('joins repeated headers and reads HTTP/2 status lines without a reason', () => {
    expect(parseCurlResponse('HTTP/2 200\nvia: a\nVia: b\n\nok')).toEqual({status: 200, reason: '', headers: {via: 'a, b'}, body: 'ok', warnings: []})
  })

  it('strips a `-w "\\n%{time_total} %{http_code}\\n"` trailer into timeTotal', () => {
    const r = parseHttpProbe(sample('http-probe--ok-200-timing.txt'))
    const plain = parseHttpProbe(sample('http-probe--ok-200.txt'))
    expect(r.status).toBe(200)
    expect(r.body).toBe(plain.body)
    expect(r.body.endsWith('latest')).toBe(true)
    expect(r.timeTotal).toBeGreaterThan(0)
    expect(plain.timeTotal).toBeUndefined()
  })

  it('keeps the headers of a cut-off header block, with an empty body and a warning', () => {
    const r = parseCurlResponse(sample('http-probe--truncated.txt'))
    expect(r).toMatchObject({status: 503, headers: {'content-length': '107'}, body: ''})
    expect(r.warnings.join()).toMatch(/no terminating blank line/)
  })

  it('refuses empty output (no response), non-HTTP text and binary data', () => {
    expectParseError(() => parseHttpProbe(sample('http-probe--empty.txt')), /empty output/)
    expectParseError(() => parseCurlResponse('curl: (7) Failed to connect to 169.254.169.254 port 80 after 0 ms: Couldn\'t connect to server'), /does not start with an HTTP status line/)
    expectParseError(() => parseHttpProbe(sample('http-probe--binary.txt')), /binary/)
  })
})

describe('parseWgetResponse (wget -S -O -, real GNU wget 1.21)', () => {
  it('reads the status and headers wget prints on stderr and takes the body from stdout', () => {
    const name = 'wget-response--agent-404-instance.txt'
    const body = sample(capture(name).bodyFile ?? '')
    const r = parseWgetResponse(body, sample(name))
    expect(r).toMatchObject({status: 404, reason: 'Not Found', headers: {'content-type': 'text/plain; charset=UTF-8', 'content-length': '191'}})
    expect(r.body).toMatch(/Instance was not found on router 5a3c3b4e-1111-2222-3333-444455556666\./)
    expect(capture(name).exitCode).toBe(8)
  })

  it('reads an error response even when wget saved no body', () => {
    const r = parseWgetResponse(sample('wget-response--haproxy-503.body.txt'), sample('wget-response--haproxy-503.txt'))
    expect(r).toMatchObject({status: 503, body: ''})
  })

  it('reads a 200 and its body', () => {
    const r = parseWgetResponse(sample('wget-response--ok-200.body.txt'), sample('wget-response--ok-200.txt'))
    expect(r.status).toBe(200)
    expect(r.body.split('\n')).toContain('2018-08-27')
  })

  it("reads busybox wget's indented status line", () => {
    const r = parseWgetResponse('', 'Connecting to 169.254.169.254 (169.254.169.254:80)\n  HTTP/1.1 404 Not Found\n  Content-Type: text/plain\nwget: server returned error: HTTP/1.1 404 Not Found\n')
    expect(r).toMatchObject({status: 404, headers: {'content-type': 'text/plain'}})
  })

  it('refuses output without any HTTP response, naming what wget said', () => {
    expectParseError(() => parseWgetResponse('', sample('probe-failure--wget-refused.txt')), /no HTTP response.*Connection refused/)
  })
})

describe('classifyProbeFailure (real curl, wget and nc failures)', () => {
  const cases: [string, 'curl' | 'wget' | 'nc', FailureKind, RegExp][] = [
    ['probe-failure--curl-refused-verbose.txt', 'curl', 'refused', /Connection refused/],
    ['probe-failure--curl-refused.txt', 'curl', 'refused', /run curl -v/],
    ['probe-failure--curl-no-route-verbose.txt', 'curl', 'no-route', /No route to host/],
    ['probe-failure--curl-no-route.txt', 'curl', 'no-route', /ARP/],
    ['probe-failure--curl-unreachable-verbose.txt', 'curl', 'unreachable', /Network is unreachable/],
    ['probe-failure--curl-timeout.txt', 'curl', 'no-answer', /with 0 bytes received/],
    ['probe-failure--curl-no-answer-verbose.txt', 'curl', 'no-answer', /with 0 bytes received/],
    ['probe-failure--curl-connect-timeout-verbose.txt', 'curl', 'timeout', /Connection timed out after/],
    ['probe-failure--curl-reset.txt', 'curl', 'reset', /Connection reset by peer/],
    ['probe-failure--curl-empty-reply.txt', 'curl', 'reset', /Empty reply/],
    ['probe-failure--curl-dns.txt', 'curl', 'dns', /Could not resolve host/],
    ['probe-failure--wget-refused.txt', 'wget', 'refused', /Connection refused/],
    ['probe-failure--wget-no-route.txt', 'wget', 'no-route', /No route to host/],
    ['probe-failure--wget-unreachable.txt', 'wget', 'unreachable', /Network is unreachable/],
    ['probe-failure--wget-timeout.txt', 'wget', 'no-answer', /Read error/],
    ['probe-failure--wget-connect-timeout.txt', 'wget', 'timeout', /failed: Connection timed out/],
    ['probe-failure--nc-busybox-connect-timeout.txt', 'nc', 'timeout', /timed out/],
    ['probe-failure--wget-reset.txt', 'wget', 'reset', /Connection reset by peer/],
    ['probe-failure--nc-refused.txt', 'nc', 'refused', /Connection refused/],
    ['probe-failure--nc-no-route.txt', 'nc', 'no-route', /No route to host/],
    ['probe-failure--nc-unreachable.txt', 'nc', 'unreachable', /Network is unreachable/],
  ]
  it.each(cases)('%s → %s/%s', (file, tool, kind, detail) => {
    const r = classifyProbeFailure(capture(file).exitCode, sample(file), tool)
    expect(r.kind).toBe(kind)
    expect(r.detail).toMatch(detail)
  })

  it('is honest that curl without -v hides why an immediate connect failed', () => {
    // no route at all fails as fast as a refused port; only -v tells them apart
    const r = classifyProbeFailure(capture('probe-failure--curl-unreachable.txt').exitCode, sample('probe-failure--curl-unreachable.txt'), 'curl')
    expect(r.detail).toMatch(/no errno text/)
  })

  it("classifies busybox wget's wording", () => {
    expect(classifyProbeFailure(1, "wget: can't connect to remote host (169.254.169.254): No route to host\n", 'wget').kind).toBe('no-route')
    expect(classifyProbeFailure(1, 'wget: download timed out\n', 'wget').kind).toBe('timeout')
    expect(classifyProbeFailure(1, "wget: bad address 'metadata'\n", 'wget').kind).toBe('dns')
  })

  it('tells a connection that was accepted and then went silent from one never made', () => {
    // curl -v printed "Connected to" before a timeout without its usual wording
    expect(classifyProbeFailure(28, '* Connected to 169.254.169.254 (169.254.169.254) port 80 (#0)\ncurl: (28) Timeout was reached\n', 'curl').kind).toBe('no-answer')
    expect(classifyProbeFailure(28, '*   Trying 169.254.169.254:80...\ncurl: (28) Timeout was reached\n', 'curl')).toEqual({kind: 'timeout', detail: 'curl: (28) Timeout was reached'})
    // OpenBSD nc: exit 0 and nothing printed; how long it waited tells silence from a close
    expect(classifyProbeFailure(0, '', 'nc', 5012).kind).toBe('no-answer')
    expect(classifyProbeFailure(0, '', 'nc', 12).kind).toBe('reset')
    expect(classifyProbeFailure(124, 'mdctl: nc still waiting for an answer after 7 s\n', 'nc').kind).toBe('no-answer')
  })

  it('falls back to the exit code, and to `other` with the last line', () => {
    expect(classifyProbeFailure(28, '', 'curl')).toEqual({kind: 'timeout', detail: 'curl exit 28: operation timed out'})
    expect(classifyProbeFailure(35, 'curl: (35) OpenSSL SSL_connect: Connection closed\n', 'curl')).toEqual({kind: 'other', detail: 'curl: (35) OpenSSL SSL_connect: Connection closed'})
    expect(classifyProbeFailure(1, '', 'nc')).toEqual({kind: 'other', detail: 'nc exited 1'})
  })
})

describe('classifyMetadataResponse', () => {
  const real: [string, MetadataHop, string][] = [
    ['http-probe--haproxy-503.txt', 'socket', 'PROXY_NO_SERVER'],
    ['http-probe--haproxy-504.txt', null, 'PROXY_GATEWAY_TIMEOUT'],
    ['http-probe--nc-busybox-haproxy-503.txt', 'socket', 'PROXY_NO_SERVER'],
    ['http-probe--haproxy-502.txt', 'agent', 'PROXY_BAD_GATEWAY'],
    ['http-probe--haproxy-429.txt', 'proxy', 'RATE_LIMITED'],
    ['http-probe--agent-404-instance.txt', 'instance', 'AGENT_INSTANCE_NOT_FOUND'],
    ['http-probe--agent-503-nova.txt', 'nova', 'AGENT_NOVA_UNAVAILABLE'],
    ['http-probe--agent-500-nova.txt', 'nova', 'NOVA_INTERNAL_ERROR'],
    ['http-probe--agent-500-unknown.txt', 'agent', 'AGENT_UNKNOWN_ERROR'],
    ['http-probe--nova-403-signature.txt', 'signature', 'SIGNATURE_MISMATCH'],
    ['http-probe--nova-400-headers.txt', 'agent', 'NOVA_MISSING_HEADERS'],
    ['http-probe--ok-200.txt', null, 'METADATA_OK'],
  ]
  it.each(real)('%s implicates %s (%s)', (file, hop, code) => {
    const v = classifyMetadataResponse(parseHttpProbe(sample(file)))
    expect(v).toMatchObject({hop, code})
    expect(v.explanation.length).toBeGreaterThan(10)
  })

  it('reads webob bodies of releases before 2025.1 (plain 404, default 403)', () => {
    const webob404 = '<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n  The resource could not be found.<br /><br />\n\n\n\n </body>\n</html>'
    expect(classifyMetadataResponse({status: 404, body: webob404}, '/')).toMatchObject({hop: 'instance', code: 'AGENT_INSTANCE_NOT_FOUND', oneOf: ['proxy', 'instance']})
    expect(classifyMetadataResponse({status: 403, body: '403 Forbidden\n\nAccess was denied to this resource.\n\n   '})).toMatchObject({hop: 'signature', code: 'SIGNATURE_MISMATCH'})
  })

  it('does not blame the instance for a 404 on a path nova does not serve', () => {
    expect(classifyMetadataResponse({status: 404, body: 'The resource could not be found.'}, '/openstack/latest/vendor_data2.json')).toMatchObject({hop: null, code: 'PATH_NOT_FOUND'})
    expect(classifyMetadataResponse({status: 404, body: 'The resource could not be found.'}, '/latest/meta-data/')).toMatchObject({hop: 'instance'})
  })

  it('blames the proxy when both network and router IDs reached the agent (2025.1+ 400)', () => {
    expect(classifyMetadataResponse({status: 400, body: 'Both network 6b2f and router 5a3c defined.'})).toMatchObject({hop: 'proxy', code: 'PROXY_BOTH_IDS'})
  })

  it('recognises an HTTP proxy answering instead of the metadata path', () => {
    expect(classifyMetadataResponse({status: 503, body: 'ERR_CONNECT_FAIL', headers: {server: 'squid/5.7', 'x-squid-error': 'ERR_CONNECT_FAIL 111'}})).toMatchObject({hop: 'guest-route', code: 'FOREIGN_HTTP_PROXY'})
  })

  it('does not guess the hop of an error answer without its body (GNU and busybox wget keep none)', () => {
    const r = parseWgetResponse(sample('wget-response--haproxy-503.body.txt'), sample('wget-response--haproxy-503.txt'))
    expect(classifyMetadataResponse(r)).toMatchObject({hop: null, code: 'HTTP_ERROR_NO_BODY', unattributed: true})
    const b = parseWgetResponse(sample('wget-response--busybox-haproxy-503.body.txt'), sample('wget-response--busybox-haproxy-503.txt'))
    expect(b).toMatchObject({status: 503, body: ''})
    expect(classifyMetadataResponse(b)).toMatchObject({hop: null, unattributed: true})
    expect(classifyMetadataResponse({status: 403, body: ''})).toMatchObject({hop: null, code: 'HTTP_ERROR_NO_BODY', unattributed: true})
  })

  it('names a status the metadata path never produces', () => {
    expect(classifyMetadataResponse({status: 418, body: 'teapot'})).toMatchObject({hop: null, code: 'UNRECOGNISED_RESPONSE', unattributed: true})
  })
})
