/**
 * `/var/log/cloud-init.log` (also cloud-init-output.log, syslog and journal lines, which carry
 * the same `file.py[LEVEL]: message` part). Real lines from cloud-init 22.4 probing a
 * namespace where 169.254.169.254 is unreachable (OpenStack, then Ec2 with max_wait 3), then
 * one where it answers:
 *
 * ```
 * 2026-11-21 10:10:38,978 - url_helper.py[DEBUG]: Calling 'None' failed [0/-1s]: request error [HTTPConnectionPool(host='169.254.169.254', port=80): Max retries exceeded with url: /openstack (Caused by NewConnectionError('<urllib3.connection.HTTPConnection object at 0x7f112f761190>: Failed to establish a new connection: [Errno 101] Network is unreachable'))]
 * 2026-11-21 10:10:38,978 - DataSourceOpenStack.py[DEBUG]: Giving up on OpenStack md from ['http://169.254.169.254/openstack'] after 0 seconds
 * 2026-11-21 10:10:38,978 - util.py[WARNING]: No active metadata service found
 * 2026-11-21 10:10:38,988 - url_helper.py[WARNING]: Calling 'None' failed [0/3s]: request error [HTTPConnectionPool(host='169.254.169.254', port=80): Max retries exceeded with url: /2009-04-04/meta-data/instance-id (Caused by …)]
 * 2026-11-21 10:10:41,994 - DataSourceEc2.py[CRITICAL]: Giving up on md from ['http://169.254.169.254/2009-04-04/meta-data/instance-id', 'http://[fd00:ec2::254]/2009-04-04/meta-data/instance-id'] after 3 seconds
 * 2026-11-21 10:10:49,309 - DataSourceOpenStack.py[DEBUG]: Using metadata source: 'http://169.254.169.254'
 * 2026-11-21 10:10:49,312 - url_helper.py[DEBUG]: Read from http://169.254.169.254/openstack/2018-08-27/meta_data.json (200, 190b) after 1 attempts
 * 2026-11-21 10:10:49,325 - handlers.py[DEBUG]: finish: init-network/search-OpenStack: SUCCESS: found network data from DataSourceOpenStack
 * ```
 *
 * cloud-init 22.x writes `Calling 'None' failed` for connection errors; the URL is then rebuilt
 * from urllib3's `HTTPConnectionPool(host=…, port=…): Max retries exceeded with url: …`.
 * Older logs drop the `Calling ` prefix (seed 000: `'http://169.254.169.254/2009-04-04/meta-data/instance-id' failed [0/120s]: http error [404]`);
 * master logs the no-service warning from `log_util.py`. Both are matched.
 *
 * Contract:
 * - Only the last 20 000 lines are read (a log keeps every boot); line numbers are still
 *   absolute. Lines are cut at 64 KiB before matching. `lastBootLine` is the last
 *   `Cloud-init v. … running 'init-local'|'init'` line, so callers can keep the last boot.
 * - `datasource` is the datasource name (`OpenStack`, `Ec2`, `ConfigDrive`, `None`…) from the
 *   last `Loaded datasource`, `found … data from` or `Detected platform` line;
 *   `metadataSource` is the URL from the last `Using metadata source: '…'`.
 * - Refused (ParseError): binary data only. A log with none of these lines is a valid,
 *   empty result.
 */
import {splitLines} from './guest-addr.js'
import {assertText} from './errors.js'

export interface CloudInitFailure {
  url: string
  /** seconds since the wait started, as logged */
  elapsed: number
  /** as logged: `-1s`, `120s`, `240s`, `unlimited` */
  maxWait: string
  reason: string
  /** 1-based line in the whole log */
  line: number
}

export interface CloudInitLog {
  failures: CloudInitFailure[]
  noActiveMetadataService: boolean
  givingUp: {kind: 'ec2' | 'openstack'; line: number}[]
  datasource?: string
  /** the base URL of the last `Using metadata source: '…'` */
  metadataSource?: string
  /** URLs of `Read from <url> (…) after N attempts` lines, in order */
  successReads: string[]
  lastBootLine?: number
  warnings: string[]
}

export const MAX_LINES = 20_000
const MAX_LINE_LENGTH = 64 * 1024

const FAILED = /(?:Calling )?'([^'\s]{1,2048})' failed \[(\d{1,9})(?:\.\d+)?\/([^\]\s]{1,32})\]: ?(.*)$/
const READ_FROM = /Read from (\S{1,2048}) \(/
const USING = /Using metadata source: '([^']{0,2048})'/
const LOADED = /Loaded datasource DataSource(\w{1,64})/
const FOUND = /found \w{1,16} data from DataSource(\w{1,64})/
const DETECTED = /Detected platform: (?:DataSource)?(\w{1,64})/
const BOOT = /Cloud-init v\. \S{1,64} running '(init-local|init)'/

export function parseCloudInitLog(text: string): CloudInitLog {
  assertText(text, 'cloud-init log')
  const {lines, firstLine, skipped} = tail(text)
  const log: CloudInitLog = {failures: [], noActiveMetadataService: false, givingUp: [], successReads: [], warnings: []}
  if (skipped > 0) log.warnings.push(`cloud-init log: read the last ${MAX_LINES} lines only (${skipped} earlier lines skipped)`)
  let cut = 0
  for (const [i, raw] of lines.entries()) {
    const lineNo = firstLine + i
    let line = raw
    if (line.length > MAX_LINE_LENGTH) {
      line = line.slice(0, MAX_LINE_LENGTH)
      cut++
    }
    if (line.includes("' failed [")) {
      const m = FAILED.exec(line)
      if (m) {
        const reason = (m[4] ?? '').trim()
        const url = m[1] === 'None' ? (urlFromReason(reason) ?? 'None') : (m[1] ?? '')
        log.failures.push({url, elapsed: Number(m[2]), maxWait: m[3] ?? '', reason, line: lineNo})
      }
      continue
    }
    if (line.includes('Giving up on OpenStack md from')) log.givingUp.push({kind: 'openstack', line: lineNo})
    else if (line.includes('Giving up on md from')) log.givingUp.push({kind: 'ec2', line: lineNo})
    else if (line.includes('No active metadata service found')) log.noActiveMetadataService = true
    else if (line.includes('Read from ')) {
      const m = READ_FROM.exec(line)
      if (m) log.successReads.push(m[1] ?? '')
    } else if (line.includes('Using metadata source:')) {
      const m = USING.exec(line)
      if (m) log.metadataSource = m[1]
    } else if (line.includes('Cloud-init v. ')) {
      if (BOOT.test(line)) log.lastBootLine = lineNo
    } else {
      const m = LOADED.exec(line) ?? FOUND.exec(line) ?? DETECTED.exec(line)
      if (m) log.datasource = m[1]
    }
  }
  if (cut > 0) log.warnings.push(`cloud-init log: ${cut} line(s) longer than ${MAX_LINE_LENGTH} characters were cut before matching`)
  return log
}

export type CloudInitCause =
  | {kind: 'status'; status: number}
  | {kind: 'connect-timeout' | 'read-timeout' | 'refused' | 'no-route' | 'unreachable' | 'other'}

// The HTTP status contexts cloud-init writes (url_helper.wait_for_url: `bad status code [403]`,
// `empty response [403]`; requests' HTTPError inside `request error [...]`: `403 Client Error:
// Forbidden for url: …`; old releases: `http error [403]`). Nothing else in a line is a status:
// object addresses (`object at 0x7f403…`), ports and timeouts carry digits too.
const STATUS_IN_REASON = /(?:bad status code|empty response|http error) \[(\d{3})\]|(?:^|\[)(\d{3}) (?:Client|Server) Error: /

/** What a failure reason of cloud-init says happened, from the texts cloud-init and urllib3 write. */
export function cloudInitCause(reason: string): CloudInitCause {
  const text = reason.slice(0, MAX_LINE_LENGTH)
  const s = STATUS_IN_REASON.exec(text)
  if (s) return {kind: 'status', status: Number(s[1] ?? s[2])}
  // urllib3: ConnectTimeoutError(…, 'Connection to 169.254.169.254 timed out. (connect timeout=50.0)');
  // ReadTimeoutError("HTTPConnectionPool(…): Read timed out. (read timeout=50.0)")
  if (/Read timed out/.test(text)) return {kind: 'read-timeout'}
  if (/ConnectTimeoutError|connect timeout=|Connection to \S+ timed out/.test(text)) return {kind: 'connect-timeout'}
  if (/\[Errno 111\]|Connection refused/.test(text)) return {kind: 'refused'}
  if (/\[Errno 113\]|No route to host/.test(text)) return {kind: 'no-route'}
  if (/\[Errno 101\]|Network is unreachable/.test(text)) return {kind: 'unreachable'}
  return {kind: 'other'}
}

// cloud-init 22.x logs `Calling 'None' failed` when the request raised; urllib3's message
// still names host, port and path.
function urlFromReason(reason: string): string | undefined {
  const m = /(HTTPS?)ConnectionPool\(host='([^']{1,256})', port=(\d{1,5})\): Max retries exceeded with url: (\S{1,2048})/.exec(reason)
  if (!m) return undefined
  const scheme = m[1] === 'HTTPS' ? 'https' : 'http'
  const host = (m[2] ?? '').includes(':') ? `[${m[2]}]` : m[2]
  const port = Number(m[3])
  const portText = (scheme === 'http' && port === 80) || (scheme === 'https' && port === 443) ? '' : `:${port}`
  return `${scheme}://${host}${portText}${m[4]}`
}

// The last MAX_LINES lines, found from the end so a huge log is not split as a whole.
function tail(text: string): {lines: string[]; firstLine: number; skipped: number} {
  let pos = text.length
  if (text.endsWith('\n')) pos--
  let count = 0
  while (pos > 0 && count < MAX_LINES) {
    const nl = text.lastIndexOf('\n', pos - 1)
    count++
    if (nl === -1) {
      pos = 0
      break
    }
    pos = nl
  }
  const start = pos === 0 ? 0 : pos + 1
  let skipped = 0
  for (let i = text.indexOf('\n'); i !== -1 && i < start; i = text.indexOf('\n', i + 1)) skipped++
  const body = text.slice(start)
  const lines = splitLines(body.endsWith('\n') ? body.slice(0, -1) : body)
  return {lines, firstLine: skipped + 1, skipped}
}
