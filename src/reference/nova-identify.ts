// Which instance a request to nova's metadata API is for (handler.py): with
// service_metadata_proxy, from the proxy headers checked in nova's order; without, from the TCP
// peer. Log lines carry nova's texts, never a signature value.
import type {InstanceMetadata} from './nova-metadata.js'
import {clip, type Logger} from './log.js'

/** The request headers nova sees (a dropped header reads as absent). */
export interface HeaderView {
  get(name: string): string | undefined
  count(name: string): number
}

/** An error answer: webob status plus nova's explanation (undefined: webob's default text). */
export interface Refusal {
  status: number
  explanation?: string
  outcome: string
  instance?: string
}

export interface Identified {
  meta: InstanceMetadata
  /** what nova passes on as the request address (local-ipv4 when the port has no IPv4) */
  address: string | null
  instance: string
}

export interface IdentifyContext {
  metadata: ReadonlyMap<string, InstanceMetadata>
  /** constant-time signature check for (id, signature) */
  matches: (id: string, signature: string | undefined) => boolean
  /** the secret nova verifies with: an empty one skips the provider signature, as in nova */
  secret: string
  log: Logger
  byAddress: (ip: string) => readonly {uuid: string}[]
}

const UNKNOWN_ERROR = 'An unknown error has occurred. Please try your request again.'

const mismatch = (log: Logger, id: string, from: string | undefined): void =>
  log.warning('signature-mismatch', {msg: `X-Instance-ID-Signature does not match the expected signature for id: ${clip(id)}. Request From: ${clip(from)}`})

/** _handle_instance_id_request_from_lb: the reference knows no load-balancer providers. */
function fromProvider(h: HeaderView, ctx: IdentifyContext): Refusal {
  const forwarded = h.get('x-forwarded-for')
  const provider = h.get('x-metadata-provider') as string
  if (forwarded === undefined) return {explanation: 'X-Forwarded-For is missing from request.', outcome: 'missing-header', status: 400}
  if (ctx.secret && !ctx.matches(provider, h.get('x-metadata-provider-signature'))) {
    mismatch(ctx.log, provider, forwarded)
    return {explanation: 'Invalid proxy request signature.', outcome: 'bad-signature', status: 403}
  }
  const msg = `Could not find any subnets for provider ${provider}`
  ctx.log.error('provider-unknown', {msg: clip(msg)})
  return {explanation: msg, outcome: 'provider-unknown', status: 400}
}

/** _handle_instance_id_request + _validate_shared_secret + _get_meta_by_instance_id */
export function identifyByProxyHeaders(h: HeaderView, ctx: IdentifyContext): Identified | Refusal {
  if (h.get('x-metadata-provider')) return fromProvider(h, ctx)
  const id = h.get('x-instance-id')
  const tenant = h.get('x-tenant-id')
  const signature = h.get('x-instance-id-signature')
  const forwarded = h.get('x-forwarded-for')
  const missing = (explanation: string): Refusal => ({explanation, outcome: 'missing-header', status: 400})
  if (id === undefined) return missing('X-Instance-ID header is missing from request.')
  if (signature === undefined) return missing('X-Instance-ID-Signature header is missing from request.')
  if (tenant === undefined) return missing('X-Tenant-ID header is missing from request.')
  if (h.count('x-instance-id') > 1) return missing('Multiple X-Instance-ID headers found within request.')
  if (h.count('x-tenant-id') > 1) return missing('Multiple X-Tenant-ID headers found within request.')
  if (!ctx.matches(id, signature)) {
    if (id) mismatch(ctx.log, id, forwarded)
    return {explanation: 'Invalid proxy request signature.', instance: id, outcome: 'bad-signature', status: 403}
  }
  const meta = ctx.metadata.get(id)
  if (!meta) {
    ctx.log.error('instance-not-found', {msg: `Failed to get metadata for instance id: ${clip(id)}`})
    return {instance: id, outcome: 'no-instance', status: 404}
  }
  if (meta.spec.projectId !== tenant) {
    ctx.log.warning('tenant-mismatch', {msg: `Tenant_id ${clip(tenant)} does not match tenant_id of instance ${id}.`})
    return {instance: id, outcome: 'tenant-mismatch', status: 404}
  }
  return {address: forwarded ?? null, instance: id, meta}
}

/** _handle_remote_ip_request: service_metadata_proxy off, so only the TCP peer counts. */
export function identifyByPeer(h: HeaderView, peer: string, ctx: IdentifyContext): Identified | Refusal {
  if (h.get('x-instance-id')) {
    ctx.log.warning('instance-id-ignored', {msg: "X-Instance-ID present in request headers. The 'service_metadata_proxy' option must be enabled to process this header."})
  }
  const found = ctx.byAddress(peer)
  if (found.length > 1) {
    ctx.log.error('address-ambiguous', {msg: `Failed to get metadata for IP ${peer}`})
    return {explanation: UNKNOWN_ERROR, outcome: 'address-ambiguous', status: 500}
  }
  const meta = found[0] ? ctx.metadata.get(found[0].uuid) : undefined
  if (!meta) {
    ctx.log.error('address-not-found', {msg: `Failed to get metadata for IP ${peer}: no metadata`})
    return {outcome: 'no-instance', status: 404}
  }
  return {address: peer, instance: meta.spec.uuid, meta}
}
