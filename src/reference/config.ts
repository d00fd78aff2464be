// The reference stack's one config file (JSON). Every field is checked here; a bad one gives a
// one-line ReferenceConfigError naming it (`instances[2].fixed_ips[0]: ...`). Keys starting with
// "_" are ignored, so a file can carry comments.
import {createHash} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {ReferenceConfigError} from './errors.js'
import {type Component, type Fault, parseFault} from './faults.js'
import type {InstanceSpec} from './instance.js'
import {canonicalIp} from './ip-address.js'
import {parseListenAddress} from './listen-address.js'
import {LOG_LEVELS, type LogLevel} from './log.js'

export interface ProxyConfig {
  /** HOST:PORT, default 127.0.0.1:9697 */
  listen: string
  /** the agent's unix socket (haproxy's `server metadata <socket>`) */
  socket: string
  routerId?: string
  networkId?: string
  /** haproxy `timeout server` (default 32 s): slower backends get 504 */
  timeoutServerMs: number
  /** haproxy `timeout http-request` (default 30 s): slower request headers get 408 */
  timeoutHttpRequestMs: number
  /** haproxy `timeout client` (default 32 s): idle client connections are closed */
  timeoutClientMs: number
  /** haproxy `timeout http-keep-alive` (default 30 s) */
  keepAliveTimeoutMs: number
  /** larger request bodies get 413 (default 1 MiB) */
  maxBodyBytes: number
  faults: Fault[]
}

export interface AgentConfig {
  socket: string
  /** file mode applied after listen (metadata_proxy_socket_mode; deduce = user = 0644 here) */
  socketMode: number
  /** metadata_proxy_shared_secret, when it differs from the top-level secret */
  secret?: string
  novaHost: string
  novaPort: number
  /** the agent's request timeout to nova (requests timeout=60) */
  novaTimeoutMs: number
  /** larger request bodies get 413 (default 64 KiB) */
  maxBodyBytes: number
  faults: Fault[]
}

export interface ApiConfig {
  /** HOST:PORT, default 127.0.0.1:8775 */
  listen: string
  /** [neutron] metadata_proxy_shared_secret, when it differs from the top-level secret */
  secret?: string
  /** [neutron] service_metadata_proxy (default true here) */
  serviceMetadataProxy: boolean
  /** debug: answer every metadata request with the headers received (signature value hidden) */
  echoHeaders: boolean
  /** [api] dhcp_domain (default novalocal; null = none) */
  dhcpDomain: string | null
  /** [api] vendordata_providers (default ["StaticJSON"]) */
  vendordataProviders: string[]
  /** the StaticJSON vendor data file's content (default {}) */
  vendorData: unknown
  maxBodyBytes: number
  faults: Fault[]
}

export interface ReferenceConfig {
  /** where it came from (file path or "<inline>"), for messages */
  origin: string
  /** the shared secret both sides use unless agent.secret / api.secret override it */
  secret: string
  log: LogLevel
  proxy: ProxyConfig
  agent: AgentConfig
  api: ApiConfig
  instances: InstanceSpec[]
}

export const DEFAULT_PROXY_LISTEN = '127.0.0.1:9697'
export const DEFAULT_API_LISTEN = '127.0.0.1:8775'
export const defaultSocketPath = (): string => join(tmpdir(), 'mdctl-reference', 'metadata_proxy')

const SOCKET_MODES: Record<string, number> = {all: 0o666, deduce: 0o644, group: 0o664, user: 0o644}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i
const MAX_PASSWORD = 1020

type Obj = Record<string, unknown>

function fail(where: string, why: string): never {
  throw new ReferenceConfigError(`${where}: ${why}`)
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** `known` null: free-form keys (meta, public_keys). */
function obj(v: unknown, where: string, known: readonly string[] | null): Obj {
  if (!isObj(v)) fail(where, 'must be a JSON object')
  for (const k of Object.keys(v)) {
    if (known && !k.startsWith('_') && !known.includes(k)) fail(where ? `${where}.${k}` : k, `unknown field (known: ${(known ?? []).join(', ')})`)
  }
  return v
}

function str(v: unknown, where: string, opts: {empty?: boolean} = {}): string {
  if (typeof v !== 'string') fail(where, 'must be a string')
  if (!opts.empty && v.trim() === '') fail(where, 'must not be empty')
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(v) && !opts.empty) fail(where, 'must not contain control characters')
  return v
}

function optStr(v: unknown, where: string): string | undefined {
  return v === undefined || v === null ? undefined : str(v, where)
}

function bool(v: unknown, where: string, dflt: boolean): boolean {
  if (v === undefined) return dflt
  if (typeof v !== 'boolean') fail(where, 'must be true or false')
  return v
}

function int(v: unknown, where: string, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(where, `must be a whole number ${min}..${max}`)
  return v
}

function strList(v: unknown, where: string, dflt: string[]): string[] {
  if (v === undefined) return dflt
  if (!Array.isArray(v)) fail(where, 'must be a list of strings')
  return v.map((x, i) => str(x, `${where}[${i}]`))
}

function ipList(v: unknown, where: string, dflt: string[]): string[] {
  return strList(v, where, dflt).map((ip, i) => canonicalIp(ip) ?? fail(`${where}[${i}]`, `${JSON.stringify(ip)} is not an IP address`))
}

function faults(v: unknown, where: string, component: Component): Fault[] {
  return strList(v, where, []).map((f, i) => parseFault(f, component, `${where}[${i}]`))
}

function listen(v: unknown, where: string, dflt: string): string {
  const s = v === undefined ? dflt : str(v, where)
  parseListenAddress(s, where)
  return s
}

function socketPath(v: unknown, where: string): string | undefined {
  if (v === undefined) return undefined
  const s = str(v, where)
  if (!s.startsWith('/')) fail(where, 'must be an absolute path')
  // sun_path holds 107 bytes plus NUL on Linux
  if (Buffer.byteLength(s) > 107) fail(where, 'is longer than a unix socket path can be (107 bytes)')
  return s
}

function socketMode(v: unknown, where: string): number {
  if (v === undefined) return SOCKET_MODES.deduce as number
  const s = str(v, where)
  const named = SOCKET_MODES[s]
  if (named !== undefined) return named
  if (/^0?[0-7]{3}$/.test(s)) return Number.parseInt(s, 8)
  return fail(where, 'must be deduce, user, group, all or an octal mode such as 0600')
}

function id(v: unknown, where: string): string | undefined {
  const s = optStr(v, where)
  if (s !== undefined && /[\s,]/.test(s)) fail(where, 'must not contain spaces or commas')
  return s
}

// Stable per-instance defaults, so a config without ports or MACs renders the same data each run.
function digest(seed: string): Buffer {
  return createHash('sha256').update(seed).digest()
}

function uuidFrom(seed: string): string {
  const h = digest(seed).toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}

function hostnameFrom(name: string): string {
  // nova's sanitize_hostname, simplified: lower case, [a-z0-9.-] only
  const h = name
    .toLowerCase()
    .replace(/[ _]/g, '-')
    .replace(/[^a-z0-9.-]/g, '')
    .replace(/^[.-]+|[.-]+$/g, '')
    .slice(0, 63)
  return h || 'server'
}

const INSTANCE_FIELDS = [
  'uuid', 'project_id', 'name', 'hostname', 'availability_zone', 'network_id', 'router_id', 'fixed_ips', 'mac_address',
  'port_id', 'public_keys', 'user_data', 'user_data_base64', 'meta', 'password', 'launch_index', 'flavor',
  'security_groups', 'floating_ips', 'ec2_instance_id', 'ami_id', 'reservation_id', 'kernel_id', 'ramdisk_id',
  'root_device_name', 'network_data',
] as const

function instance(v: unknown, where: string, index: number): InstanceSpec {
  const o = obj(v, where, INSTANCE_FIELDS)
  const uuid = str(o.uuid, `${where}.uuid`).toLowerCase()
  if (!UUID.test(uuid)) fail(`${where}.uuid`, `${JSON.stringify(o.uuid)} is not a UUID`)
  const projectId = str(o.project_id, `${where}.project_id`)
  if (/[\s,]/.test(projectId)) fail(`${where}.project_id`, 'must not contain spaces or commas')
  const name = o.name === undefined ? `instance-${index + 1}` : str(o.name, `${where}.name`)
  const hostname = o.hostname === undefined ? hostnameFrom(name) : str(o.hostname, `${where}.hostname`)
  const networkId = id(o.network_id, `${where}.network_id`)
  const routerId = id(o.router_id, `${where}.router_id`)
  if (!networkId && !routerId) fail(where, 'needs network_id or router_id (the agent finds ports through them)')
  const fixedIps = ipList(o.fixed_ips, `${where}.fixed_ips`, [])
  if (fixedIps.length === 0) fail(`${where}.fixed_ips`, 'must list at least one IP address')
  const az = o.availability_zone === null ? null : o.availability_zone === undefined ? 'nova' : str(o.availability_zone, `${where}.availability_zone`)
  const mac = o.mac_address === undefined ? undefined : str(o.mac_address, `${where}.mac_address`)
  if (mac !== undefined && !MAC.test(mac)) fail(`${where}.mac_address`, `${JSON.stringify(mac)} is not a MAC address`)
  const seed = digest(uuid)
  const macAddress = (mac ?? `fa:16:3e:${[...seed.subarray(0, 3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`).toLowerCase()
  const portId = o.port_id === undefined ? uuidFrom(`port:${uuid}`) : str(o.port_id, `${where}.port_id`)
  let publicKey: InstanceSpec['publicKey'] = null
  if (o.public_keys !== undefined) {
    const entries = Object.entries(obj(o.public_keys, `${where}.public_keys`, null))
    if (entries.length > 1) fail(`${where}.public_keys`, 'nova attaches at most one key pair to a server; give one entry')
    const [entry] = entries
    if (entry) publicKey = {key: str(entry[1], `${where}.public_keys.${entry[0]}`), name: entry[0]}
  }
  if (o.user_data !== undefined && o.user_data_base64 !== undefined) fail(where, 'give user_data or user_data_base64, not both')
  let userData: Buffer | null = null
  if (o.user_data !== undefined) userData = Buffer.from(str(o.user_data, `${where}.user_data`, {empty: true}), 'utf8')
  if (o.user_data_base64 !== undefined) {
    const b = str(o.user_data_base64, `${where}.user_data_base64`).replace(/\s+/g, '')
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b) || b.length % 4 !== 0) fail(`${where}.user_data_base64`, 'is not base64')
    userData = Buffer.from(b, 'base64')
  }
  const meta: Record<string, string> = {}
  if (o.meta !== undefined) {
    obj(o.meta, `${where}.meta`, null)
    for (const [k, val] of Object.entries(o.meta as Obj)) meta[k] = str(val, `${where}.meta.${k}`, {empty: true})
  }
  const password = o.password === undefined ? '' : str(o.password, `${where}.password`, {empty: true})
  if (password.length > MAX_PASSWORD) fail(`${where}.password`, `nova stores at most ${MAX_PASSWORD} characters`)
  const rootDeviceName = o.root_device_name === undefined ? '/dev/vda' : str(o.root_device_name, `${where}.root_device_name`)
  if (o.network_data !== undefined && !isObj(o.network_data)) fail(`${where}.network_data`, 'must be a JSON object')
  return {
    amiId: o.ami_id === undefined ? 'ami-00000001' : str(o.ami_id, `${where}.ami_id`),
    availabilityZone: az,
    ec2InstanceId: o.ec2_instance_id === undefined ? `i-${(index + 1).toString(16).padStart(8, '0')}` : str(o.ec2_instance_id, `${where}.ec2_instance_id`),
    fixedIps,
    flavor: o.flavor === undefined ? 'm1.small' : str(o.flavor, `${where}.flavor`),
    floatingIps: ipList(o.floating_ips, `${where}.floating_ips`, []),
    hostname,
    kernelId: optStr(o.kernel_id, `${where}.kernel_id`),
    launchIndex: int(o.launch_index, `${where}.launch_index`, 0, 0, 1_000_000),
    macAddress,
    meta,
    name,
    networkData: o.network_data,
    networkId,
    password,
    portId,
    projectId,
    publicKey,
    ramdiskId: optStr(o.ramdisk_id, `${where}.ramdisk_id`),
    reservationId: o.reservation_id === undefined ? `r-${seed.subarray(3, 8).readUIntBE(0, 5).toString(36).padStart(8, '0').slice(-8)}` : str(o.reservation_id, `${where}.reservation_id`),
    rootDeviceName,
    routerId,
    securityGroups: strList(o.security_groups, `${where}.security_groups`, ['default']),
    userData,
    uuid,
  }
}

/** Validate a parsed config object. `origin` (a path) prefixes nothing; messages name fields. */
export function parseReferenceConfig(raw: unknown, origin = '<inline>'): ReferenceConfig {
  const top = obj(raw, '', ['secret', 'log', 'proxy', 'agent', 'api', 'instances'])
  if (top.secret === undefined) fail('secret', 'is required (the metadata_proxy_shared_secret both sides use; may be "")')
  const secret = str(top.secret, 'secret', {empty: true})
  const log = top.log === undefined ? 'access' : str(top.log, 'log')
  if (!LOG_LEVELS.includes(log as LogLevel)) fail('log', `must be one of ${LOG_LEVELS.join(', ')}`)

  const a = obj(top.agent ?? {}, 'agent', ['socket', 'socket_mode', 'secret', 'nova_metadata_host', 'nova_metadata_port', 'nova_timeout_ms', 'max_body_bytes', 'faults'])
  const sock = socketPath(a.socket, 'agent.socket') ?? defaultSocketPath()
  const novaHost = a.nova_metadata_host === undefined ? '127.0.0.1' : str(a.nova_metadata_host, 'agent.nova_metadata_host')
  const agent: AgentConfig = {
    faults: faults(a.faults, 'agent.faults', 'agent'),
    maxBodyBytes: int(a.max_body_bytes, 'agent.max_body_bytes', 64 * 1024, 1024, 64 * 1024 * 1024),
    novaHost,
    novaPort: int(a.nova_metadata_port, 'agent.nova_metadata_port', 8775, 1, 65535),
    novaTimeoutMs: int(a.nova_timeout_ms, 'agent.nova_timeout_ms', 60_000, 1, 3_600_000),
    secret: a.secret === undefined ? undefined : str(a.secret, 'agent.secret', {empty: true}),
    socket: sock,
    socketMode: socketMode(a.socket_mode, 'agent.socket_mode'),
  }

  const p = obj(top.proxy ?? {}, 'proxy', [
    'listen', 'socket', 'router_id', 'network_id', 'timeout_server_ms', 'timeout_http_request_ms', 'timeout_client_ms',
    'keep_alive_timeout_ms', 'max_body_bytes', 'faults',
  ])
  const routerId = id(p.router_id, 'proxy.router_id')
  const networkId = id(p.network_id, 'proxy.network_id')
  if (routerId && networkId) fail('proxy', 'give router_id (router namespace) or network_id (DHCP namespace), not both')
  const proxy: ProxyConfig = {
    faults: faults(p.faults, 'proxy.faults', 'proxy'),
    keepAliveTimeoutMs: int(p.keep_alive_timeout_ms, 'proxy.keep_alive_timeout_ms', 30_000, 1, 3_600_000),
    listen: listen(p.listen, 'proxy.listen', DEFAULT_PROXY_LISTEN),
    maxBodyBytes: int(p.max_body_bytes, 'proxy.max_body_bytes', 1024 * 1024, 1024, 64 * 1024 * 1024),
    networkId,
    routerId,
    socket: socketPath(p.socket, 'proxy.socket') ?? sock,
    timeoutClientMs: int(p.timeout_client_ms, 'proxy.timeout_client_ms', 32_000, 1, 3_600_000),
    timeoutHttpRequestMs: int(p.timeout_http_request_ms, 'proxy.timeout_http_request_ms', 30_000, 1, 3_600_000),
    timeoutServerMs: int(p.timeout_server_ms, 'proxy.timeout_server_ms', 32_000, 1, 3_600_000),
  }

  const n = obj(top.api ?? {}, 'api', ['listen', 'secret', 'service_metadata_proxy', 'echo_headers', 'dhcp_domain', 'vendordata_providers', 'vendor_data', 'max_body_bytes', 'faults'])
  const providers = strList(n.vendordata_providers, 'api.vendordata_providers', ['StaticJSON'])
  for (const [i, pr] of providers.entries()) if (pr !== 'StaticJSON' && pr !== 'DynamicJSON') fail(`api.vendordata_providers[${i}]`, 'must be StaticJSON or DynamicJSON')
  if (n.vendor_data !== undefined && !isObj(n.vendor_data) && !Array.isArray(n.vendor_data)) fail('api.vendor_data', 'must be a JSON object or list')
  const api: ApiConfig = {
    dhcpDomain: n.dhcp_domain === null || n.dhcp_domain === '' ? null : n.dhcp_domain === undefined ? 'novalocal' : str(n.dhcp_domain, 'api.dhcp_domain'),
    echoHeaders: bool(n.echo_headers, 'api.echo_headers', false),
    faults: faults(n.faults, 'api.faults', 'api'),
    listen: listen(n.listen, 'api.listen', DEFAULT_API_LISTEN),
    maxBodyBytes: int(n.max_body_bytes, 'api.max_body_bytes', 64 * 1024, 1024, 64 * 1024 * 1024),
    secret: n.secret === undefined ? undefined : str(n.secret, 'api.secret', {empty: true}),
    serviceMetadataProxy: bool(n.service_metadata_proxy, 'api.service_metadata_proxy', true),
    vendorData: n.vendor_data ?? {},
    vendordataProviders: providers,
  }

  if (top.instances !== undefined && !Array.isArray(top.instances)) fail('instances', 'must be a list')
  const instances = ((top.instances ?? []) as unknown[]).map((v, i) => instance(v, `instances[${i}]`, i))
  const seen = new Map<string, number>()
  for (const [i, inst] of instances.entries()) {
    const prev = seen.get(inst.uuid)
    if (prev !== undefined) fail(`instances[${i}].uuid`, `${inst.uuid} is already used by instances[${prev}]`)
    seen.set(inst.uuid, i)
  }
  return {agent, api, instances, log: log as LogLevel, origin, proxy, secret}
}

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n')
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`
}

/** Read and validate a config file; every problem is a one-line ReferenceConfigError. */
export async function loadReferenceConfig(path: string): Promise<ReferenceConfig> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new ReferenceConfigError(`${path}: cannot read config (${code === 'ENOENT' ? 'no such file' : code ?? 'error'})`)
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    // V8's message quotes the file's text, which may hold the secret: keep only the position
    const pos = /position (\d+)/.exec((error as Error).message)
    const at = pos ? lineColumn(text, Number(pos[1])) : 'unexpected end or token'
    throw new ReferenceConfigError(`${path}: not valid JSON (${at})`)
  }
  try {
    return parseReferenceConfig(raw, path)
  } catch (error) {
    if (error instanceof ReferenceConfigError) throw new ReferenceConfigError(`${path}: ${error.message}`)
    throw error
  }
}
