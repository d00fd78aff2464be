import type {GuestCollection} from '../engine/collect-guest.js'
import {captureId, evidenceId, parseCapture, parseOptionalFile, type Parsed} from '../engine/parsed.js'
import {FILE_MARK, GUEST_PATHS} from '../evidence/guest.js'
import {parseBlkid, type BlockDevice} from '../parsers/guest-blkid.js'
import {parseCloudInitLog, type CloudInitLog} from '../parsers/guest-cloud-init-log.js'
import type {Lease} from '../parsers/guest-dhcp-routes.js'
import {parseDhclientLeases} from '../parsers/guest-dhclient-lease.js'
import {parseDhcpcdDumplease} from '../parsers/guest-dhcpcd-lease.js'
import {parseEnvOutput} from '../parsers/guest-env-proxy.js'
import {classifyProbeFailure, parseCurlResponse, parseHttpProbe, parseWgetResponse, type HttpResponse, type ProbeFailure} from '../parsers/guest-http-probe.js'
import {parseIpNeigh, type Neighbour} from '../parsers/guest-ip-neigh.js'
import {parseIpRouteGet, type RouteGet} from '../parsers/guest-ip-route-get.js'
import {parseIpRouteJson, type Route} from '../parsers/guest-ip-route.js'
import {parseIpRouteText} from '../parsers/guest-ip-route-text.js'
import {parseNetworkdLease} from '../parsers/guest-networkd-lease.js'
import {parseNetworkManagerDhcp} from '../parsers/guest-nm-lease.js'
import {parseProcNetArp} from '../parsers/guest-proc-net-arp.js'
import {parseRouteN} from '../parsers/guest-route-n.js'
import {parseIfupEthZeroconf, parseShellVars, type ZeroconfBlock} from '../parsers/guest-sysconfig-network.js'
import type {Capture} from '../sources/capture.js'

export interface LeaseFile {
  source: string
  leases: Lease[]
}

export type GuestProbe =
  | {readonly kind: 'response'; readonly tool: string; readonly path: string; readonly ms: number; readonly response: HttpResponse}
  | {readonly kind: 'failed'; readonly tool: string; readonly path: string; readonly ms: number; readonly failure: ProbeFailure; readonly exitCode: number}

export interface GuestModel {
  readonly passive: boolean
  readonly routes: Parsed<Route[]>
  /** the kernel's choice, or the error it gave (`Network is unreachable`) */
  readonly routeGet: Parsed<RouteGet | {unreachable: string}>
  readonly neigh: Parsed<Neighbour[]>
  readonly leases: Parsed<LeaseFile[]>
  readonly sysconfigNetwork: Parsed<Record<string, string> | undefined>
  readonly ifupEth: Parsed<ZeroconfBlock | undefined>
  readonly env: Parsed<Record<string, string>>
  readonly blockDevices: Parsed<BlockDevice[]>
  readonly cloudInit: Parsed<CloudInitLog | undefined>
  readonly probes: ReadonlyArray<Parsed<GuestProbe>>
}

/** Parser by the argv that produced the output: `ip -json`, `ip` text, `route -n`, `/proc/net/arp`. */
function routeParser(c: Capture): (t: string) => Route[] {
  if (c.argv.includes('-json')) return parseIpRouteJson
  if (c.argv[0] === 'route') return parseRouteN
  return parseIpRouteText
}

const neighParser = (c: Capture): ((t: string) => Neighbour[]) => (c.argv[0] === 'cat' ? parseProcNetArp : parseIpNeigh)

export function splitLeaseFiles(text: string): LeaseFile[] {
  const out: LeaseFile[] = []
  const parts = text.split(new RegExp(`^${FILE_MARK}`, 'm')).slice(1)
  for (const part of parts) {
    const nl = part.indexOf('\n')
    const head = nl < 0 ? part : part.slice(0, nl)
    const body = nl < 0 ? '' : part.slice(nl + 1)
    const [kind, ...rest] = head.split(':')
    const source = rest.join(':')
    if (body.trim() === '') continue
    try {
      const leases = kind === 'networkd' ? parseNetworkdLease(body) : kind === 'nmcli' ? parseNetworkManagerDhcp(body) : kind === 'dhcpcd' ? parseDhcpcdDumplease(body) : parseDhclientLeases(body)
      out.push({leases: [...leases], source: `${kind}:${source}`})
    } catch {
      // one unreadable lease file does not hide the others
    }
  }
  return out
}

export function guestProbe(c: Capture | undefined, path: string, raw?: Capture): Parsed<GuestProbe> {
  const key = `probe.guest-http[${path}]`
  if (!c) return {key, ok: false, reason: `${key} was not collected`}
  // -1: not run, or ended by our time limit (then it is evidence: a probe that hung)
  if (c.exitCode === -1 && c.failure !== 'timeout') return {capture: c, key, ok: false, reason: `${key}: ${c.stderr || 'not collected'}`}
  if (c.failure === 'not-found' || c.exitCode === 127) return {capture: c, key, ok: false, reason: `${key}: no HTTP client in the guest (curl, wget and nc all missing)`}
  const first = readProbe(c, path)
  // wget keeps no body of an error answer and busybox wget does not say whether it connected:
  // the same GET sent raw with nc, when it was made, tells what wget could not
  const again = raw && raw.exitCode !== 127 && raw.failure !== 'not-found' ? readProbe(raw, path) : undefined
  if (!again || c.argv[0] !== 'wget') return first
  const bodyless = first.value.kind === 'response' && first.value.response.status >= 400 && first.value.response.body.trim() === ''
  const phaseUnknown = first.value.kind === 'failed' && first.value.failure.kind === 'timeout' && first.value.failure.phase === undefined
  if (bodyless && again.value.kind === 'response' && again.value.response.status === (first.value.kind === 'response' ? first.value.response.status : 0)) {
    return {...again, value: {...again.value, tool: 'wget, body read with nc'}}
  }
  if (phaseUnknown) return {...again, value: {...again.value, tool: 'wget, then nc'}}
  return first
}

type ReadProbe = Extract<Parsed<GuestProbe>, {ok: true}>

/** One probe capture as a response or a classified failure. */
function readProbe(c: Capture, path: string): ReadProbe {
  const tool = c.argv[0] === 'sh' ? 'nc' : (c.argv[0] ?? '?')
  const base = {capture: c, key: evidenceId(c), ok: true as const, origin: c.origin}
  const ms = c.durationMs
  try {
    if (tool === 'wget' && /^\s*HTTP\/\d/m.test(c.stderr)) return {...base, value: {kind: 'response', ms, path, response: parseWgetResponse(c.stdout, c.stderr), tool}}
    if (c.exitCode === 0 && c.stdout.trim()) {
      const response = tool === 'curl' ? parseHttpProbe(c.stdout) : parseCurlResponse(c.stdout)
      return {...base, value: {kind: 'response', ms: tool === 'curl' && 'timeTotal' in response && response.timeTotal !== undefined ? Math.round(response.timeTotal * 1000) : ms, path, response, tool}}
    }
  } catch {
    // fall through: no parsable response is a failure to classify
  }
  const kind = tool === 'curl' || tool === 'wget' ? tool : 'nc'
  // killed by our own time limit: what the tool printed so far may still say whether it connected
  const said = classifyProbeFailure(c.exitCode, c.stderr || c.stdout, kind, ms)
  const failure = c.failure === 'timeout' && said.kind !== 'no-answer' && said.phase === undefined ? {detail: `no answer in ${ms} ms${said.kind === 'other' && said.detail ? ` (last said: ${said.detail})` : ''}`, kind: 'timeout' as const} : said
  return {...base, value: {exitCode: c.exitCode, failure, kind: 'failed', ms, path, tool}}
}

/** The first probe that got an HTTP answer: proof that route and ARP to 169.254.169.254 work. */
export function answeredProbe(m: Pick<GuestModel, 'probes'>): Extract<Parsed<GuestProbe>, {ok: true}> | undefined {
  return m.probes.find((p): p is Extract<Parsed<GuestProbe>, {ok: true}> => p.ok && p.value.kind === 'response')
}

export function buildGuestModel(col: GuestCollection): GuestModel {
  const get = (key: string, param?: string): Capture | undefined => col.captures.get(captureId(key, param))
  const routesCap = get('guest.ip-route')
  const neighCap = get('guest.neigh', 'after-probe') ?? get('guest.neigh')
  return {
    blockDevices: parseCapture(get('guest.blkid'), 'guest.blkid', (t) => [...parseBlkid(t)]),
    cloudInit: parseOptionalFile(get('guest.cloud-init-log'), 'guest.cloud-init-log', parseCloudInitLog),
    env: parseCapture(get('guest.env'), 'guest.env', (t) => {
      const etc = get('guest.etc-environment')
      return {...(etc?.exitCode === 0 ? parseEnvOutput(etc.stdout) : {}), ...parseEnvOutput(t)}
    }),
    ifupEth: parseOptionalFile(get('guest.ifup-eth'), 'guest.ifup-eth', parseIfupEthZeroconf),
    leases: parseCapture(get('guest.leases'), 'guest.leases', splitLeaseFiles),
    neigh: parseCapture(neighCap, 'guest.neigh', neighCap ? (t) => [...neighParser(neighCap)(t)] : () => []),
    passive: !col.probed,
    probes: col.probed ? GUEST_PATHS.map((p) => guestProbe(get('probe.guest-http', p), p, get('probe.guest-http-raw', p))) : [],
    routeGet: routeGetOf(get('guest.route-get')),
    routes: parseCapture(routesCap, 'guest.ip-route', routesCap ? (t) => [...routeParser(routesCap)(t)] : () => []),
    sysconfigNetwork: parseOptionalFile(get('guest.sysconfig-network'), 'guest.sysconfig-network', parseShellVars),
  }
}

function routeGetOf(c: Capture | undefined): Parsed<RouteGet | {unreachable: string}> {
  if (c && c.exitCode !== 0 && /unreachable|No route to host/i.test(c.stderr)) {
    return {capture: c, key: evidenceId(c), ok: true, origin: c.origin, value: {unreachable: c.stderr.trim().split('\n')[0] ?? ''}}
  }
  return parseCapture(c, 'guest.route-get', parseIpRouteGet)
}
