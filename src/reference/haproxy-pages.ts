// haproxy's built-in error pages, as Debian's haproxy 2.6 sends them (captured from
// `http-request deny deny_status N` and from real backend failures). The proxy answers with
// these when the agent's socket is missing or refuses (503), the agent is too slow (504), the
// agent closes without a reply (502), the request is malformed or too large (400) or slow (408).

/** status -> [reason phrase, message line] */
export const HAPROXY_PAGES: Readonly<Record<number, readonly [string, string]>> = {
  200: ['OK', 'Service ready.'],
  400: ['Bad request', 'Your browser sent an invalid request.'],
  401: ['Unauthorized', 'You need a valid user and password to access this content.'],
  403: ['Forbidden', 'Request forbidden by administrative rules.'],
  404: ['Not Found', 'The resource could not be found.'],
  405: ['Method Not Allowed', 'A request was made of a resource using a request method not supported by that resource'],
  407: ['Unauthorized', 'You need a valid user and password to access this content.'],
  408: ['Request Time-out', "Your browser didn't send a complete request in time."],
  410: ['Gone', 'The resource is no longer available and will not be available again.'],
  413: ['Payload Too Large', 'The request entity exceeds the maximum allowed.'],
  421: ['Misdirected Request', 'Request sent to a non-authoritative server.'],
  422: ['Unprocessable Content', 'The server cannot process the contained instructions.'],
  425: ['Too Early', 'Your browser sent early data.'],
  429: ['Too Many Requests', 'You have sent too many requests in a given amount of time.'],
  500: ['Internal Server Error', 'An internal server error occurred.'],
  // haproxy 2.6 really sends the leading dot
  501: ['Not Implemented', '.The server does not support the functionality required to fulfill the request.'],
  502: ['Bad Gateway', 'The server returned an invalid or incomplete response.'],
  503: ['Service Unavailable', 'No server is available to handle this request.'],
  504: ['Gateway Time-out', "The server didn't respond in time."],
}

export const HAPROXY_STATUSES: readonly number[] = Object.keys(HAPROXY_PAGES).map(Number)

export interface HaproxyPage {
  status: number
  reason: string
  headers: [string, string][]
  body: Buffer
}

const cache = new Map<number, HaproxyPage>()

/** The page haproxy sends for `status`: `<html><body><h1>N Reason</h1>\nmessage\n</body></html>\n`. */
export function haproxyPage(status: number): HaproxyPage {
  const hit = cache.get(status)
  if (hit) return hit
  const entry = HAPROXY_PAGES[status]
  if (!entry) throw new RangeError(`haproxy has no error page for status ${status}`)
  const [reason, message] = entry
  const body = Buffer.from(`<html><body><h1>${status} ${reason}</h1>\n${message}\n</body></html>\n`, 'latin1')
  const page: HaproxyPage = {
    body,
    headers: [
      ['content-length', String(body.length)],
      ['cache-control', 'no-cache'],
      ['connection', 'close'],
      ['content-type', 'text/html'],
    ],
    reason,
    status,
  }
  cache.set(status, page)
  return page
}

/** The same page as raw bytes, for connections the HTTP parser has already given up on. */
export function haproxyPageBytes(status: number): Buffer {
  const p = haproxyPage(status)
  const head = `HTTP/1.1 ${p.status} ${p.reason}\r\n` + p.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n'
  return Buffer.concat([Buffer.from(head, 'latin1'), p.body])
}
