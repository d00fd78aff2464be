// The reference stack's one config file (JSON), checked against a zod schema; a bad field gives a
// one-line ReferenceConfigError naming it (`instances[2].fixed_ips[0]: ...`). Keys starting with
// "_" are ignored, so a file can carry comments.
import {createHash} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {z} from 'zod'

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

// The file's shape is a zod schema: types, ranges, unknown fields and cross-field rules are
// declared once below, and every problem becomes one line naming its field. Values are then
// turned into the typed config (defaults, derived ids) by plain code.

/** The field of an issue, written as a person would: `instances[2].fixed_ips[0]`. */
function fieldOf(path: ReadonlyArray<PropertyKey>): string {
  let out = ''
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out ? `.${String(k)}` : String(k)
  return out || 'config'
}

const CONTROL = /[\u0000-\u001f\u007f]/
/** a non-empty string without control characters; `empty` allows "" and anything in it */
const text = (opts: {empty?: boolean} = {}) =>
  z.string({error: 'must be a string'}).check((ctx) => {
    if (opts.empty) return
    if (ctx.value.trim() === '') ctx.issues.push({code: 'custom', input: ctx.value, message: 'must not be empty'})
    else if (CONTROL.test(ctx.value)) ctx.issues.push({code: 'custom', input: ctx.value, message: 'must not contain control characters'})
  })
const int = (min: number, max: number) => z.number({error: `must be a whole number ${min}..${max}`}).int({error: `must be a whole number ${min}..${max}`}).min(min, {error: `must be a whole number ${min}..${max}`}).max(max, {error: `must be a whole number ${min}..${max}`})
const bool = z.boolean({error: 'must be true or false'})
const list = <T extends z.ZodType>(item: T) => z.array(item, {error: 'must be a list of strings'})
const id = text().refine((v) => !/[\s,]/.test(v), {error: 'must not contain spaces or commas'})
const ip = text().refine((v) => canonicalIp(v) != null, {error: (iss) => `${JSON.stringify(iss.input)} is not an IP address`})
const listenAddr = text().check((ctx) => {
  try {
    parseListenAddress(ctx.value, '')
  } catch (error) {
    ctx.issues.push({code: 'custom', input: ctx.value, message: (error as Error).message.replace(/^: /, '')})
  }
})
const socket = text()
  .refine((v) => v.startsWith('/'), {error: 'must be an absolute path'})
  // sun_path holds 107 bytes plus NUL on Linux
  .refine((v) => Buffer.byteLength(v) <= 107, {error: 'is longer than a unix socket path can be (107 bytes)'})
const socketModeField = text().refine((v) => SOCKET_MODES[v] !== undefined || /^0?[0-7]{3}$/.test(v), {error: 'must be deduce, user, group, all or an octal mode such as 0600'})
const jsonObject = z.record(z.string(), z.unknown(), {error: 'must be a JSON object'})

/** An object whose unknown fields are refused by name; keys starting with "_" are comments. */
function fields<S extends z.ZodRawShape>(shape: S) {
  const known = Object.keys(shape)
  return z.looseObject(shape, {error: 'must be a JSON object'}).check((ctx) => {
    for (const k of Object.keys(ctx.value)) {
      if (!k.startsWith('_') && !known.includes(k)) ctx.issues.push({code: 'custom', input: ctx.value, message: `unknown field (known: ${known.join(', ')})`, path: [k]})
    }
  })
}

const faultList = (component: Component) =>
  list(text()).check((ctx) => {
    ctx.value.forEach((f, i) => {
      try {
        parseFault(f, component, '')
      } catch (error) {
        ctx.issues.push({code: 'custom', input: f, message: (error as Error).message.replace(/^: /, ''), path: [i]})
      }
    })
  })

const INSTANCE = fields({
  ami_id: text().optional(),
  availability_zone: text().nullable().optional(),
  ec2_instance_id: text().optional(),
  fixed_ips: list(ip).min(1, {error: 'must list at least one IP address'}),
  flavor: text().optional(),
  floating_ips: list(ip).optional(),
  hostname: text().optional(),
  kernel_id: text().nullable().optional(),
  launch_index: int(0, 1_000_000).optional(),
  mac_address: text().refine((v) => MAC.test(v), {error: (iss) => `${JSON.stringify(iss.input)} is not a MAC address`}).optional(),
  meta: z.record(z.string(), text({empty: true}), {error: 'must be a JSON object'}).optional(),
  name: text().optional(),
  network_data: jsonObject.optional(),
  network_id: id.nullable().optional(),
  password: text({empty: true}).max(MAX_PASSWORD, {error: `nova stores at most ${MAX_PASSWORD} characters`}).optional(),
  port_id: text().optional(),
  project_id: id,
  public_keys: z.record(z.string(), text(), {error: 'must be a JSON object'}).refine((k) => Object.keys(k).length <= 1, {error: 'nova attaches at most one key pair to a server; give one entry'}).optional(),
  ramdisk_id: text().nullable().optional(),
  reservation_id: text().optional(),
  root_device_name: text().optional(),
  router_id: id.nullable().optional(),
  security_groups: list(text()).optional(),
  user_data: text({empty: true}).optional(),
  user_data_base64: text()
    .refine((v) => {
      const b = v.replace(/\s+/g, '')
      return /^[A-Za-z0-9+/]*={0,2}$/.test(b) && b.length % 4 === 0
    }, {error: 'is not base64'})
    .optional(),
  uuid: text().refine((v) => UUID.test(v), {error: (iss) => `${JSON.stringify(iss.input)} is not a UUID`}),
}).check((ctx) => {
  const o = ctx.value
  if (!o.network_id && !o.router_id) ctx.issues.push({code: 'custom', input: o, message: 'needs network_id or router_id (the agent finds ports through them)'})
  if (o.user_data !== undefined && o.user_data_base64 !== undefined) ctx.issues.push({code: 'custom', input: o, message: 'give user_data or user_data_base64, not both'})
})

const CONFIG = fields({
  agent: fields({
    faults: faultList('agent').optional(),
    max_body_bytes: int(1024, 64 * 1024 * 1024).optional(),
    nova_metadata_host: text().optional(),
    nova_metadata_port: int(1, 65_535).optional(),
    nova_timeout_ms: int(1, 3_600_000).optional(),
    secret: text({empty: true}).optional(),
    socket: socket.optional(),
    socket_mode: socketModeField.optional(),
  }).optional(),
  api: fields({
    dhcp_domain: z.string({error: 'must be a string'}).nullable().optional(),
    echo_headers: bool.optional(),
    faults: faultList('api').optional(),
    listen: listenAddr.optional(),
    max_body_bytes: int(1024, 64 * 1024 * 1024).optional(),
    secret: text({empty: true}).optional(),
    service_metadata_proxy: bool.optional(),
    vendor_data: z.union([jsonObject, z.array(z.unknown())], {error: 'must be a JSON object or list'}).optional(),
    vendordata_providers: list(z.enum(['StaticJSON', 'DynamicJSON'], {error: 'must be StaticJSON or DynamicJSON'})).optional(),
  }).optional(),
  instances: z
    .array(INSTANCE, {error: 'must be a list'})
    .check((ctx) => {
      const seen = new Map<string, number>()
      ctx.value.forEach((inst, i) => {
        const uuid = inst.uuid.toLowerCase()
        const prev = seen.get(uuid)
        if (prev !== undefined) ctx.issues.push({code: 'custom', input: inst, message: `${uuid} is already used by instances[${prev}]`, path: [i, 'uuid']})
        else seen.set(uuid, i)
      })
    })
    .optional(),
  log: z.enum(LOG_LEVELS as unknown as [LogLevel, ...LogLevel[]], {error: `must be one of ${LOG_LEVELS.join(', ')}`}).optional(),
  proxy: fields({
    faults: faultList('proxy').optional(),
    keep_alive_timeout_ms: int(1, 3_600_000).optional(),
    listen: listenAddr.optional(),
    max_body_bytes: int(1024, 64 * 1024 * 1024).optional(),
    network_id: id.optional(),
    router_id: id.optional(),
    socket: socket.optional(),
    timeout_client_ms: int(1, 3_600_000).optional(),
    timeout_http_request_ms: int(1, 3_600_000).optional(),
    timeout_server_ms: int(1, 3_600_000).optional(),
  })
    .check((ctx) => {
      if (ctx.value.router_id && ctx.value.network_id) ctx.issues.push({code: 'custom', input: ctx.value, message: 'give router_id (router namespace) or network_id (DHCP namespace), not both'})
    })
    .optional(),
  secret: z.string({error: (iss) => (iss.input === undefined ? 'is required (the metadata_proxy_shared_secret both sides use; may be "")' : 'must be a string')}),
})

type RawConfig = z.infer<typeof CONFIG>
type RawInstance = z.infer<typeof INSTANCE>

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

const ips = (v: readonly string[] | undefined): string[] => (v ?? []).map((x) => canonicalIp(x) as string)
const socketModeOf = (v: string | undefined): number => (v === undefined ? (SOCKET_MODES.deduce as number) : (SOCKET_MODES[v] ?? Number.parseInt(v, 8)))
const faultsOf = (v: readonly string[] | undefined, component: Component): Fault[] => (v ?? []).map((f) => parseFault(f, component, component))

function instance(o: RawInstance, index: number): InstanceSpec {
  const uuid = o.uuid.toLowerCase()
  const name = o.name ?? `instance-${index + 1}`
  const seed = digest(uuid)
  const [key] = Object.entries(o.public_keys ?? {})
  let userData: Buffer | null = null
  if (o.user_data !== undefined) userData = Buffer.from(o.user_data, 'utf8')
  if (o.user_data_base64 !== undefined) userData = Buffer.from(o.user_data_base64.replace(/\s+/g, ''), 'base64')
  return {
    amiId: o.ami_id ?? 'ami-00000001',
    availabilityZone: o.availability_zone === undefined ? 'nova' : o.availability_zone,
    ec2InstanceId: o.ec2_instance_id ?? `i-${(index + 1).toString(16).padStart(8, '0')}`,
    fixedIps: ips(o.fixed_ips),
    flavor: o.flavor ?? 'm1.small',
    floatingIps: ips(o.floating_ips),
    hostname: o.hostname ?? hostnameFrom(name),
    kernelId: o.kernel_id ?? undefined,
    launchIndex: o.launch_index ?? 0,
    macAddress: (o.mac_address ?? `fa:16:3e:${[...seed.subarray(0, 3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`).toLowerCase(),
    meta: {...o.meta},
    name,
    networkData: o.network_data,
    networkId: o.network_id ?? undefined,
    password: o.password ?? '',
    portId: o.port_id ?? uuidFrom(`port:${uuid}`),
    projectId: o.project_id,
    publicKey: key ? {key: key[1], name: key[0]} : null,
    ramdiskId: o.ramdisk_id ?? undefined,
    reservationId: o.reservation_id ?? `r-${seed.subarray(3, 8).readUIntBE(0, 5).toString(36).padStart(8, '0').slice(-8)}`,
    rootDeviceName: o.root_device_name ?? '/dev/vda',
    routerId: o.router_id ?? undefined,
    securityGroups: o.security_groups ?? ['default'],
    userData,
    uuid,
  }
}

function build(raw: RawConfig, origin: string): ReferenceConfig {
  const a = raw.agent ?? {}
  const p = raw.proxy ?? {}
  const n = raw.api ?? {}
  const sock = a.socket ?? defaultSocketPath()
  const agent: AgentConfig = {
    faults: faultsOf(a.faults, 'agent'),
    maxBodyBytes: a.max_body_bytes ?? 64 * 1024,
    novaHost: a.nova_metadata_host ?? '127.0.0.1',
    novaPort: a.nova_metadata_port ?? 8775,
    novaTimeoutMs: a.nova_timeout_ms ?? 60_000,
    secret: a.secret,
    socket: sock,
    socketMode: socketModeOf(a.socket_mode),
  }
  const proxy: ProxyConfig = {
    faults: faultsOf(p.faults, 'proxy'),
    keepAliveTimeoutMs: p.keep_alive_timeout_ms ?? 30_000,
    listen: p.listen ?? DEFAULT_PROXY_LISTEN,
    maxBodyBytes: p.max_body_bytes ?? 1024 * 1024,
    networkId: p.network_id,
    routerId: p.router_id,
    socket: p.socket ?? sock,
    timeoutClientMs: p.timeout_client_ms ?? 32_000,
    timeoutHttpRequestMs: p.timeout_http_request_ms ?? 30_000,
    timeoutServerMs: p.timeout_server_ms ?? 32_000,
  }
  const api: ApiConfig = {
    dhcpDomain: n.dhcp_domain === null || n.dhcp_domain === '' ? null : (n.dhcp_domain ?? 'novalocal'),
    echoHeaders: n.echo_headers ?? false,
    faults: faultsOf(n.faults, 'api'),
    listen: n.listen ?? DEFAULT_API_LISTEN,
    maxBodyBytes: n.max_body_bytes ?? 64 * 1024,
    secret: n.secret,
    serviceMetadataProxy: n.service_metadata_proxy ?? true,
    vendorData: n.vendor_data ?? {},
    vendordataProviders: n.vendordata_providers ?? ['StaticJSON'],
  }
  return {agent, api, instances: (raw.instances ?? []).map((v, i) => instance(v, i)), log: raw.log ?? 'access', origin, proxy, secret: raw.secret}
}

/** Validate a parsed config object; the first problem is a one-line ReferenceConfigError naming its field. */
export function parseReferenceConfig(raw: unknown, origin = '<inline>'): ReferenceConfig {
  const r = CONFIG.safeParse(raw)
  if (!r.success) {
    const issue = r.error.issues[0]
    // never echo a value: zod's own messages can quote the input, which may be the secret
    throw new ReferenceConfigError(`${fieldOf(issue?.path ?? [])}: ${issue?.message ?? 'invalid'}`)
  }
  return build(r.data, origin)
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
