// The byte formats the reference stack must reproduce exactly: neutron's signature and raw
// agent template, webob's error bodies (against output captured from webob 1.8.9 itself),
// haproxy's pages, Python's json.dumps, posixpath.normpath, X-Forwarded-For parsing.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {haproxyPage} from '../../src/reference/haproxy-pages.js'
import {parseForwardedFor, unmapIPv4} from '../../src/reference/ip-address.js'
import {neutronRawResponse} from '../../src/reference/neutron-response.js'
import {normpath} from '../../src/reference/posix-path.js'
import {pythonJsonDumps} from '../../src/reference/python-json.js'
import {signInstanceId} from '../../src/reference/signature.js'
import {webobError} from '../../src/reference/webob-error.js'

describe('signInstanceId', () => {
  it('matches the facts-file vector for key "secret"', () => {
    expect(signInstanceId('secret', 'b7c5f6d2-0c1c-4b5e-9a53-1d2f3e4a5b6c')).toBe('d57c18b434f7004e5d6f3f91eacec88ae5279fd6542e86e0cadffe305d29348d')
  })

  it('matches the facts-file vector for an empty key', () => {
    expect(signInstanceId('', 'b7c5f6d2-0c1c-4b5e-9a53-1d2f3e4a5b6c')).toBe('4460169556b0724302bed54a5b64bb8e73d61692d08bcb3b7026e511ebd07493')
  })
})

describe('neutronRawResponse', () => {
  it('renders the 2025.x "Instance was not found" template byte for byte, LF line endings and all', () => {
    const raw = neutronRawResponse('404 Not Found', 'Instance was not found on router 5a3c3b4e-1111-2222-3333-444455556666.').toString()
    expect(raw).toBe(
      'HTTP/1.1 404 Not Found\nContent-Type: text/plain; charset=UTF-8\nConnection: close\nContent-Length: 191\n\n' +
        '<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n' +
        '  Instance was not found on router 5a3c3b4e-1111-2222-3333-444455556666.<br /><br />\n\n\n </body>\n</html>',
    )
  })

  it('declares a Content-Length equal to the body it sends (95 + 2*title + message)', () => {
    const raw = neutronRawResponse('400 Bad Request', 'Both network n1 and router r1 defined.').toString()
    const [head, body] = raw.split('\n\n', 2) as [string, string]
    const declared = Number(/Content-Length: (\d+)/.exec(head)?.[1])
    expect(declared).toBe(95 + 2 * '400 Bad Request'.length + 'Both network n1 and router r1 defined.'.length)
    expect(Buffer.byteLength(raw.slice(head.length + 2))).toBe(declared)
    expect(body.startsWith('<html>')).toBe(true)
  })
})

describe('webobError', () => {
  const golden = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'webob-1.8.9-errors.json'), 'utf8')) as {
    cases: {code: number; accept: string | null; explanation: string | null; status: string; contentType: string; body: string}[]
  }

  it('renders the facts-file 404 HTML body for Accept */*', () => {
    const e = webobError(404, '*/*')
    expect(e.body.toString()).toBe(
      '<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n  The resource could not be found.<br /><br />\n\n\n\n </body>\n</html>',
    )
    expect(e.contentType).toBe('text/html; charset=UTF-8')
  })

  it('renders the facts-file 404 plain body when no Accept header is sent', () => {
    expect(webobError(404, undefined).body.toString()).toBe('404 Not Found\n\nThe resource could not be found.\n\n   ')
  })

  it.each(golden.cases.map((c) => [`${c.code} Accept=${c.accept ?? '(none)'}${c.explanation ? ' custom text' : ''}`, c] as const))(
    'matches webob 1.8.9 byte for byte: %s',
    (_name, c) => {
      const e = webobError(c.code, c.accept ?? undefined, c.explanation ?? undefined)
      expect(`${e.status} ${e.reason}`).toBe(c.status)
      expect(e.contentType).toBe(c.contentType)
      expect(e.body.toString()).toBe(c.body)
    },
  )
})

describe('haproxyPage', () => {
  it.each([
    [503, 'Service Unavailable', '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n'],
    [504, 'Gateway Time-out', "<html><body><h1>504 Gateway Time-out</h1>\nThe server didn't respond in time.\n</body></html>\n"],
    [502, 'Bad Gateway', '<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n</body></html>\n'],
  ])('sends haproxy %i with the facts-file body and no-cache, close, text/html headers', (status, reason, body) => {
    const p = haproxyPage(status)
    expect(p.reason).toBe(reason)
    expect(p.body.toString()).toBe(body)
    expect(Object.fromEntries(p.headers)).toEqual({'cache-control': 'no-cache', connection: 'close', 'content-length': String(body.length), 'content-type': 'text/html'})
  })
})

describe('pythonJsonDumps', () => {
  it("uses Python's separators, key order and ASCII escapes", () => {
    expect(pythonJsonDumps({a: [1, 'é', null], b: {c: true}, d: 'x"\\\n\u007f'})).toBe('{"a": [1, "\\u00e9", null], "b": {"c": true}, "d": "x\\"\\\\\\n\\u007f"}')
  })
})

describe('normpath', () => {
  it.each([
    ['/', '/'],
    ['/openstack/', '/openstack'],
    ['/a/../b/./c/', '/b/c'],
    ['//x', '//x'],
    ['///x', '/x'],
    ['/..', '/'],
    ['', '.'],
  ])('normalises %j like posixpath.normpath: %j', (input, out) => {
    expect(normpath(input)).toBe(out)
  })
})

describe('unmapIPv4', () => {
  it.each([
    ['::ffff:10.0.0.5', '10.0.0.5'],
    ['fe80::f816:3eff:fe12:3456%eth0', 'fe80::f816:3eff:fe12:3456'],
    ['10.0.0.5', '10.0.0.5'],
  ])('turns the peer %s into the X-Forwarded-For value %s', (peer, xff) => {
    expect(unmapIPv4(peer)).toBe(xff)
  })
})

describe('parseForwardedFor', () => {
  it('turns an IPv4-mapped address back into IPv4', () => {
    expect(parseForwardedFor('::ffff:10.0.0.5')).toEqual({ip: '10.0.0.5'})
  })

  it('looks a link-local IPv6 address up by its EUI-64 MAC', () => {
    expect(parseForwardedFor('fe80::f816:3eff:fe12:3456')).toEqual({ip: 'fe80::f816:3eff:fe12:3456', mac: 'fa:16:3e:12:34:56'})
  })

  it.each([undefined, '', '10.0.0.5, 10.0.0.6', 'fe80::1%eth0', 'not-an-ip'])('refuses %j as netaddr would', (v) => {
    expect(parseForwardedFor(v)).toBeNull()
  })
})
