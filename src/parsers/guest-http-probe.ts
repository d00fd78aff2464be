/**
 * What a guest-side probe of http://169.254.169.254 recorded, and what it implicates.
 * Real samples (curl 7.88 `curl -sS -i`, haproxy 2.6 with no server behind it; GNU wget
 * 1.21 `wget -S -O -`, whose headers go to stderr indented by two spaces):
 *
 * ```
 * HTTP/1.1 503 Service Unavailable
 * content-length: 107
 * cache-control: no-cache
 * content-type: text/html
 *
 * <html><body><h1>503 Service Unavailable</h1>
 * No server is available to handle this request.
 * </body></html>
 *
 * --2026-11-21 10:10:18--  http://169.254.169.254/openstack
 * Connecting to 169.254.169.254:80... connected.
 * HTTP request sent, awaiting response...
 *   HTTP/1.1 503 Service Unavailable
 *   content-length: 107
 *   cache-control: no-cache
 *   content-type: text/html
 * 2026-11-21 10:10:18 ERROR 503: Service Unavailable.
 * ```
 *
 * Contract:
 * - `parseCurlResponse`/`parseHttpProbe`: the last response in the text wins (skips
 *   `HTTP/1.1 100 Continue` and redirects followed with -L); header names are lower-cased,
 *   repeated headers joined with `, `; CRLF or LF. `parseHttpProbe` also strips a trailing
 *   `-w '\n%{time_total} %{http_code}\n'` line when its code matches the status.
 * - `parseWgetResponse`: status and headers from stderr, body from stdout (GNU and busybox).
 * - Refused (ParseError): binary data, empty output, text that does not start with a status
 *   line (no response: classify the failure with `classifyProbeFailure` instead).
 * - Partial: a header block cut off before the blank line keeps the headers read and an empty
 *   body, with a warning.
 * - `classifyProbeFailure` and `classifyMetadataResponse` never throw.
 */
import {clip, splitLines} from './guest-addr.js'
import {assertText, ParseError} from './errors.js'

export interface HttpResponse {
  status: number
  reason: string
  /** lower-case names */
  headers: Record<string, string>
  body: string
  warnings: string[]
  /** seconds, from a `-w '%{time_total} %{http_code}'` trailer (set by parseHttpProbe only) */
  timeTotal?: number
}

export type HttpProbe = HttpResponse

const STATUS_LINE = /^HTTP\/(\d(?:\.\d)?) (\d{3})(?: (.*))?$/

export function parseHttpProbe(text: string): HttpProbe {
  assertText(text, 'http probe')
  let body = text
  let timeTotal: number | undefined
  let code: number | undefined
  const m = /\n(\d+(?:\.\d+)?) (\d{3})\n?$/.exec(text)
  if (m) {
    body = text.slice(0, m.index)
    timeTotal = Number(m[1])
    code = Number(m[2])
  }
  const r = parseCurlResponse(body)
  if (timeTotal === undefined || code !== r.status) return parseCurlResponse(text)
  return {...r, timeTotal}
}

export function parseCurlResponse(stdout: string): HttpResponse {
  assertText(stdout, 'curl -i')
  if (stdout.trim() === '') throw new ParseError('curl -i: empty output (no HTTP response)')
  if (!/^HTTP\/\d/.test(stdout)) throw new ParseError(`curl -i: output does not start with an HTTP status line: ${clip(splitLines(stdout)[0] ?? '')}`)
  // Walk response by response: each head ends at the first blank line.
  let rest = stdout
  for (;;) {
    const head = splitHead(rest)
    const statusLine = head.lines[0] ?? ''
    const s = STATUS_LINE.exec(statusLine.trim())
    if (!s) throw new ParseError(`curl -i: bad status line: ${clip(statusLine)}`)
    const status = Number(s[2])
    const next = head.body
    // interim (1xx) or a redirect hop followed by another response: continue with the next one
    if (head.complete && /^HTTP\/\d/.test(next) && (status < 200 || (status >= 300 && status < 400))) {
      rest = next
      continue
    }
    const warnings: string[] = []
    if (!head.complete) warnings.push('curl -i: the header block has no terminating blank line (truncated?); body is empty')
    return {status, reason: (s[3] ?? '').trim(), headers: headerMap(head.lines.slice(1), warnings), body: head.complete ? next : '', warnings}
  }
}

function splitHead(text: string): {lines: string[]; body: string; complete: boolean} {
  const m = /\r?\n\r?\n/.exec(text)
  if (!m) return {lines: splitLines(text.replace(/\r?\n$/, '')), body: '', complete: false}
  return {lines: splitLines(text.slice(0, m.index)), body: text.slice(m.index + m[0].length), complete: true}
}

function headerMap(lines: string[], warnings: string[]): Record<string, string> {
  const entries = new Map<string, string>()
  for (const line of lines) {
    const i = line.indexOf(':')
    if (i <= 0) {
      if (line.trim() !== '') warnings.push(`http: not a header line: ${clip(line)}`)
      continue
    }
    const name = line.slice(0, i).trim().toLowerCase()
    const value = line.slice(i + 1).trim()
    entries.set(name, entries.has(name) ? `${entries.get(name)}, ${value}` : value)
  }
  return Object.fromEntries(entries)
}

export function parseWgetResponse(stdout: string, stderr: string): HttpResponse {
  assertText(stderr, 'wget -S')
  assertText(stdout, 'wget -O -')
  const lines = splitLines(stderr)
  // the last response printed with -S ("  HTTP/1.1 …" indented, busybox and GNU alike)
  let at = -1
  for (let i = lines.length - 1; i >= 0; i--) {
    if (/^\s+HTTP\/\d/.test(lines[i] ?? '')) {
      at = i
      break
    }
  }
  if (at === -1) throw new ParseError(`wget: no HTTP response in its output${lines.some((l) => l.trim()) ? `: ${clip(lines.filter((l) => l.trim()).pop() ?? '')}` : ''}`)
  const s = STATUS_LINE.exec((lines[at] ?? '').trim())
  if (!s) throw new ParseError(`wget: bad status line: ${clip(lines[at] ?? '')}`)
  const headerLines: string[] = []
  for (let i = at + 1; i < lines.length; i++) {
    const l = lines[i] ?? ''
    if (!/^\s{2}\S/.test(l)) break
    headerLines.push(l.trim())
  }
  const warnings: string[] = []
  return {status: Number(s[2]), reason: (s[3] ?? '').trim(), headers: headerMap(headerLines, warnings), body: stdout, warnings}
}

export type FailureKind = 'no-route' | 'unreachable' | 'timeout' | 'no-answer' | 'refused' | 'reset' | 'dns' | 'other'

export interface ProbeFailure {
  /**
   * `timeout`: no connection within the limit (with `phase: 'connect'` when the tool says so;
   * without a phase nobody can tell whether it connected). `no-answer`: the connection was
   * accepted and then nothing came back: whatever accepted it is on the path, the silence is
   * further along.
   */
  kind: FailureKind
  detail: string
  phase?: 'connect'
}

/** Printed by the nc probe's watchdog: nc's -w bounds only the connect, so nc still running means it connected. */
export const NC_WATCHDOG_MARK = 'mdctl: nc still waiting for an answer after'

// Specific texts first: several of them also contain "timed out".
const ERRNO_TEXT: [RegExp, FailureKind, 'connect'?][] = [
  // curl: "* Connected to …" then "Operation timed out after 5001 milliseconds with 0 bytes received"
  [/Operation timed out after \d+ milliseconds with \d+/i, 'no-answer'],
  // GNU wget: "connected." then "Read error (Connection timed out) in headers."
  [/Read error \(Connection timed out\)|Read error \(Resource temporarily unavailable\)/i, 'no-answer'],
  [new RegExp(NC_WATCHDOG_MARK, 'i'), 'no-answer'],
  // curl "Connection timed out after 3000 milliseconds", GNU wget "failed: Connection timed out.",
  // OpenBSD nc "connect to … timed out: Operation now in progress", busybox nc "nc: timed out"
  [/Connection timed out after \d+ milliseconds|failed: Connection timed out|\(tcp\) timed out|^nc: timed out$|Connection timed out|connect timeout/im, 'timeout', 'connect'],
  [/No route to host/i, 'no-route'],
  [/Network is unreachable/i, 'unreachable'],
  [/Connection refused/i, 'refused'],
  [/timed out|Timeout was reached|Operation now in progress/i, 'timeout'],
  [/Connection reset|Recv failure|Empty reply from server/i, 'reset'],
  [/Could not resolve|unable to resolve|Name or service not known|bad address|Temporary failure in name resolution/i, 'dns'],
]

/**
 * Why a probe got no HTTP response. The errno text is searched first (curl prints it only
 * with -v: `connect to … failed: No route to host`), then the exit code. curl 7.88 without
 * -v says only `Couldn't connect to server`; there the elapsed time decides: a failure after
 * about 3 s is the kernel giving up on ARP (EHOSTUNREACH), an immediate one is reported as
 * `refused` with that caveat in `detail`. A timeout is split by phase: curl -v and GNU wget say
 * whether the connection was made (`Connected to`, `connected.`), busybox wget does not.
 * `ms` (the probe's duration) tells an OpenBSD nc that connected and heard nothing for its
 * -w seconds (exit 0, no output) from one that was closed at once.
 */
export function classifyProbeFailure(exitCode: number, stderr: string, tool: 'curl' | 'wget' | 'nc', ms?: number): ProbeFailure {
  const text = typeof stderr === 'string' ? stderr.slice(-16_384) : ''
  const last = lastMeaningfulLine(text)
  const lines = text.split(/\r?\n/).reverse()
  for (const [re, kind, phase] of ERRNO_TEXT) {
    const line = lines.find((l) => re.test(l))
    if (line === undefined) continue
    // curl -v printed "Connected to" before a generic timeout: it connected
    if (kind === 'timeout' && phase === undefined && connected(text)) return {kind: 'no-answer', detail: clip(line.trim(), 200)}
    return {kind, detail: clip(line.trim(), 200), ...(phase ? {phase} : {})}
  }
  if (tool === 'curl') {
    if (exitCode === 6) return {kind: 'dns', detail: last || 'curl exit 6: could not resolve host'}
    if (exitCode === 28) return connected(text) ? {kind: 'no-answer', detail: last || 'curl exit 28 after connecting'} : {kind: 'timeout', detail: last || 'curl exit 28: operation timed out'}
    if (exitCode === 52) return {kind: 'reset', detail: last || 'curl exit 52: empty reply from server (closed without answering)'}
    if (exitCode === 56) return {kind: 'reset', detail: last || 'curl exit 56: failure receiving data (connection reset)'}
    if (exitCode === 7) {
      const ms = /after (\d+) ms/.exec(text)
      if (ms && Number(ms[1]) >= 2500) return {kind: 'no-route', detail: `${last} (no errno text; failing after ${ms[1]} ms is the kernel giving up on ARP/ND for the next hop)`}
      return {kind: 'refused', detail: `${last || 'curl exit 7: could not connect'} (no errno text; an immediate failure is usually a refused connection, run curl -v to be sure)`}
    }
  }
  if (tool === 'wget' && exitCode === 4) return {kind: 'other', detail: last || 'wget exit 4: network failure'}
  if (tool === 'wget' && exitCode === 8) return {kind: 'other', detail: last || 'wget exit 8: the server answered with an error status (parse the response instead)'}
  // nc prints nothing of its own when it connected and the far side said nothing
  if (tool === 'nc' && exitCode === 0 && last === '') {
    return ms !== undefined && ms >= 4500 ? {kind: 'no-answer', detail: `nc connected and got no answer in ${ms} ms`} : {kind: 'reset', detail: `nc connected and the connection was closed without an answer${ms === undefined ? '' : ` after ${ms} ms`}`}
  }
  return {kind: 'other', detail: last || `${tool} exited ${exitCode}`}
}

/** curl -v `* Connected to`, GNU wget `... connected.` */
const connected = (text: string): boolean => /^\* Connected to |\.\.\. connected\.$/m.test(text)

function lastMeaningfulLine(text: string): string {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('* Closing') && l !== 'Giving up.')
  return clip(lines[lines.length - 1] ?? '', 200)
}

export type MetadataHop = 'guest-route' | 'intercept' | 'proxy' | 'socket' | 'agent' | 'nova' | 'signature' | 'instance' | null

export interface MetadataVerdict {
  /** the hop this answer shows failing; null when it names none (a success, or an answer several hops give alike) */
  hop: MetadataHop
  code: string
  explanation: string
  /** the answer is a failure, but nothing in it tells which hop: say why instead of guessing */
  unattributed?: true
  /**
   * the answer narrows the failure to these hops and no further: the same text comes from each
   * (the agent's 503 for a dead nova and for a wrong nova_metadata_host; its 404 for an address
   * no port holds and for a proxy carrying a stale router/network id)
   */
  oneOf?: readonly ['agent', 'nova'] | readonly ['proxy', 'instance']
}

const unattributed = (code: string, explanation: string): MetadataVerdict => ({code, explanation, hop: null, unattributed: true})

// Paths nova serves for every instance: a 404 there means "which instance?" failed, not the path.
const ALWAYS_SERVED = /^\/?(?:openstack\/?|latest\/?|latest\/meta-data\/?|20\d\d-\d\d-\d\d\/?|20\d\d-\d\d-\d\d\/meta-data\/?|20\d\d-\d\d-\d\d\/meta-data\/instance-id|openstack\/(?:latest|20\d\d-\d\d-\d\d)\/meta_data\.json)?$/

/**
 * Which hop a metadata response implicates, from its status and body (the bodies are the
 * exact haproxy, neutron agent, webob and nova texts). `path` is the probed path, when
 * known: a 404 on a path nova does not serve is not an instance problem.
 */
export function classifyMetadataResponse(r: Pick<HttpResponse, 'status' | 'body'> & {headers?: Record<string, string>}, path?: string): MetadataVerdict {
  const body = r.body ?? ''
  const has = (s: string): boolean => body.includes(s)
  const headers = r.headers ?? {}
  if (headers['x-squid-error'] !== undefined || /squid|privoxy|tinyproxy/i.test(`${headers['server'] ?? ''} ${headers['via'] ?? ''}`)) {
    return {hop: 'guest-route', code: 'FOREIGN_HTTP_PROXY', explanation: `HTTP ${r.status} came from an HTTP proxy (${clip(headers['server'] ?? headers['via'] ?? 'x-squid-error', 60)}), not the metadata path: exempt 169.254.169.254 with no_proxy`}
  }
  // Every error status comes from several hops; only the body tells which (wget does not keep
  // the body of an error answer: the raw re-fetch with nc gets it).
  if (r.status >= 400 && body.trim() === '') {
    return unattributed('HTTP_ERROR_NO_BODY', `HTTP ${r.status} without a body: haproxy, the metadata agent and nova all answer errors, and only the body tells them apart`)
  }
  switch (r.status) {
    case 200:
      return {hop: null, code: 'METADATA_OK', explanation: 'the metadata service answered 200'}
    case 503:
      if (has('No server is available')) return {hop: 'socket', code: 'PROXY_NO_SERVER', explanation: 'haproxy could not reach its backend: the metadata agent unix socket is missing, refused or not reachable by the haproxy user'}
      if (has('The remote metadata server is temporarily unavailable')) return {hop: 'nova', code: 'AGENT_NOVA_UNAVAILABLE', explanation: "the metadata agent could not connect to nova's metadata API: nova is down, or the agent's nova_metadata_host/port/protocol point where nova is not", oneOf: ['agent', 'nova']}
      return {hop: 'nova', code: 'NOVA_UNAVAILABLE', explanation: 'HTTP 503 passed through from nova (or its load balancer)'}
    case 504:
      // the agent accepted haproxy's connection and did not answer within 'timeout server': a stuck
      // agent and an agent still waiting for a slow nova look the same from here
      if (has("didn't respond in time")) return unattributed('PROXY_GATEWAY_TIMEOUT', "haproxy gave up after 'timeout server' (32 s): the metadata agent took the request and did not answer in time, either stuck itself or waiting for a slow nova; mdctl doctor on the network node probes the agent and nova one by one")
      return {hop: 'nova', code: 'NOVA_GATEWAY_TIMEOUT', explanation: 'HTTP 504 passed through from nova (or its load balancer)'}
    case 502:
      if (has('invalid or incomplete response')) return {hop: 'agent', code: 'PROXY_BAD_GATEWAY', explanation: 'haproxy got no valid answer on the agent socket: the metadata agent closed the connection without replying (an exception in the agent)'}
      return {hop: 'nova', code: 'NOVA_BAD_GATEWAY', explanation: 'HTTP 502 passed through from nova (or its load balancer)'}
    case 500:
      if (has('Remote metadata server experienced an internal server error')) return {hop: 'nova', code: 'NOVA_INTERNAL_ERROR', explanation: "nova's metadata API returned 500 to the agent; see nova-api(-metadata) logs"}
      if (has('An unknown error has occurred')) return {hop: 'agent', code: 'AGENT_UNKNOWN_ERROR', explanation: 'the metadata agent hit an exception ("Unexpected error." in its log): on releases before 2024.2 this is also how an unreachable nova looks, so the agent and nova cannot be told apart from here', oneOf: ['agent', 'nova']}
      return unattributed('METADATA_500', 'HTTP 500 with a body neither haproxy, the metadata agent nor nova writes')
    case 400:
      if (/Both network \S+ and router \S+ defined/.test(body)) return {hop: 'proxy', code: 'PROXY_BOTH_IDS', explanation: 'the proxy sent both X-Neutron-Network-ID and X-Neutron-Router-ID: its header lines are wrong'}
      if (/X-(Instance-ID|Instance-ID-Signature|Tenant-ID|Forwarded-For|Metadata-Provider) (header )?is missing|Multiple X-(Instance|Tenant)-ID headers/.test(body)) return {hop: 'agent', code: 'NOVA_MISSING_HEADERS', explanation: 'nova rejected the request headers the agent sent (X-Instance-ID / X-Tenant-ID / signature)'}
      return {hop: 'agent', code: 'METADATA_400', explanation: 'HTTP 400: the request was malformed by the time it reached the agent or nova'}
    case 403:
      if (has('Invalid proxy request signature')) return {hop: 'signature', code: 'SIGNATURE_MISMATCH', explanation: "nova rejected X-Instance-ID-Signature: metadata_proxy_shared_secret differs between the agent and nova's [neutron] section"}
      if (has('Access was denied to this resource')) return {hop: 'signature', code: 'SIGNATURE_MISMATCH', explanation: 'the agent relayed a 403 from nova: almost always a metadata_proxy_shared_secret mismatch'}
      return unattributed('METADATA_403', 'HTTP 403 with a body neither the metadata agent nor nova writes (nova says "Invalid proxy request signature", the agent "Access was denied to this resource"): something else on the way answered')
    case 404:
      if (/Instance was not found on (network|router)/.test(body)) return {hop: 'instance', code: 'AGENT_INSTANCE_NOT_FOUND', explanation: "the agent found no single port with the guest's source address on the network/router the proxy named: no port holds it (wrong source IP, allowed-address-pair, several matches), or the proxy names a stale router/network id", oneOf: ['proxy', 'instance']}
      if (path !== undefined && !ALWAYS_SERVED.test(path.split('?')[0] ?? '')) return {hop: null, code: 'PATH_NOT_FOUND', explanation: `nova does not serve ${clip(path, 80)} for this instance (unknown version or optional file)`}
      // webob's page (agent before 2025.1, nova): "The resource could not be found."
      if (has('The resource could not be found')) return {hop: 'instance', code: 'AGENT_INSTANCE_NOT_FOUND', explanation: 'a plain 404 on a path every instance has: the agent found no port for the source address on the router/network the proxy named (or the proxy names a stale id), or nova found no instance / the tenant did not match', oneOf: ['proxy', 'instance']}
      return unattributed('NOT_FOUND_FOREIGN', 'HTTP 404 with a body neither the metadata agent nor nova writes: something else on the way answered')
    case 429:
      if (has('You have sent too many requests')) return {hop: 'proxy', code: 'RATE_LIMITED', explanation: 'haproxy metadata rate limiting ([metadata_rate_limiting]) denied the request'}
      return unattributed('TOO_MANY_REQUESTS_FOREIGN', "HTTP 429 that is not haproxy's rate-limit page: something else on the way answered")
    case 408:
      return unattributed('REQUEST_TIMEOUT', "haproxy (or something before it) did not get a complete request within 'timeout http-request' (30 s)")
    case 409:
      return {hop: null, code: 'PASSWORD_ALREADY_SET', explanation: 'nova refuses to overwrite an instance password that is already set'}
    default:
      return r.status >= 400 || r.status < 200 ? unattributed('UNRECOGNISED_RESPONSE', `HTTP ${r.status} is not a status the metadata path produces`) : {hop: null, code: 'UNRECOGNISED_RESPONSE', explanation: `HTTP ${r.status} is not a status the metadata path produces`}
  }
}
