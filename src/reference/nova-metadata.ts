// nova/api/metadata/base.py for one instance: InstanceMetadata.lookup and the EC2 and OpenStack
// trees, with nova's listings, version gating and content types. Results that do not change per
// request are rendered once and kept on the instance.
import {randomBytes} from 'node:crypto'
import {isIPv4} from 'node:net'
import type {InstanceSpec} from './instance.js'
import {normpath} from './posix-path.js'
import {pythonJsonDumps} from './python-json.js'

export const EC2_VERSIONS = ['1.0', '2007-01-19', '2007-03-01', '2007-08-29', '2007-10-10', '2007-12-15', '2008-02-01', '2008-09-01', '2009-04-04'] as const
export const OPENSTACK_VERSIONS = [
  '2012-08-10', '2013-04-04', '2013-10-17', '2015-10-15', '2016-06-30', '2016-10-06', '2017-02-22', '2018-08-27', '2020-10-14', '2025-04-04',
] as const
/** what `latest` means in each tree */
const EC2_LATEST = '2009-04-04'
const OPENSTACK_LATEST = '2025-04-04'
const GRIZZLY = '2013-04-04'
const HAVANA = '2013-10-17'
const LIBERTY = '2015-10-15'
const NEWTON_ONE = '2016-06-30'
const NEWTON_TWO = '2016-10-06'
const VICTORIA = '2020-10-14'

const MAX_CACHED_PATHS = 128

export const TEXT_PLAIN = 'text/plain; charset=UTF-8'
export const APPLICATION_JSON = 'application/json'
/** webob's default Response content type: what nova's password handler answers with */
export const TEXT_HTML = 'text/html; charset=UTF-8'

/** `/` (handler.py): the EC2 versions plus latest, served before any header check. */
export const ROOT_LISTING = Buffer.from([...EC2_VERSIONS, 'latest'].join('\n'))

export interface MetadataSettings {
  /** [api] dhcp_domain; null: hostname without domain */
  dhcpDomain: string | null
  vendordataProviders: readonly string[]
  vendorData: unknown
}

export type LookupResult = {kind: 'data'; body: Buffer; contentType: string} | {kind: 'password'}

/** Nested EC2 data as nova builds it: a dict with `_name` lists as that name. */
type Ec2Value = string | number | null | Buffer | string[] | Ec2Tree
interface Ec2Tree {
  [key: string]: Ec2Value
}

const isTree = (v: Ec2Value | undefined): v is Ec2Tree => typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v)

/** base.ec2_md_print */
function ec2MdPrint(data: Ec2Value): Buffer {
  if (Buffer.isBuffer(data)) return data
  if (Array.isArray(data)) return Buffer.from(data.join('\n'))
  if (isTree(data)) {
    const lines: string[] = []
    for (const key of Object.keys(data).sort()) {
      if (key === '_name') continue
      const v = data[key]
      if (isTree(v)) lines.push('_name' in v ? String(v._name) : `${key}/`)
      else lines.push(key)
    }
    return Buffer.from(lines.join('\n'))
  }
  if (data === null) return Buffer.from('None')
  return Buffer.from(String(data))
}

/**
 * base.find_path_in_tree. Where nova would index a string or list with a string (a TypeError,
 * i.e. a 500), this answers "not found" instead.
 */
function findPathInTree(data: Ec2Value, tokens: readonly string[]): Ec2Value | undefined {
  let cur: Ec2Value = data
  for (const tok of tokens) {
    if (isTree(cur) && Object.hasOwn(cur, tok)) cur = cur[tok] as Ec2Value
    else return undefined
  }
  return cur
}

const versionAtLeast = (list: readonly string[], required: string, requested: string): boolean => list.indexOf(requested) >= list.indexOf(required)

export class InstanceMetadata {
  private readonly cache = new Map<string, LookupResult>()
  /** meta_data.json per version, split around random_seed (absent before GRIZZLY) */
  private readonly mdJsonParts = new Map<string, {head: string; tail: string | null}>()
  private readonly fixedIPv4: string[]
  private readonly hostname: string
  /** current password (nova keeps it in system metadata; POST sets it once) */
  password: string

  constructor(
    readonly spec: InstanceSpec,
    private readonly settings: MetadataSettings,
  ) {
    this.fixedIPv4 = spec.fixedIps.filter((ip) => isIPv4(ip))
    this.hostname = settings.dhcpDomain ? `${spec.hostname}.${settings.dhcpDomain}` : spec.hostname
    this.password = spec.password
  }

  /**
   * InstanceMetadata.lookup(path_info). `address` is what nova was given as the request address
   * (X-Forwarded-For behind the proxy; null prints as Python's None).
   */
  lookup(pathInfo: string, address: string | null, now: Date): LookupResult | null {
    const path = pathInfo === '' || !pathInfo.startsWith('/') ? normpath('/' + pathInfo) : normpath(pathInfo)
    let tokens = path.split('/').slice(1)
    if (tokens[0] !== 'ec2' && tokens[0] !== 'openstack') tokens = tokens[0] === '' ? ['ec2'] : ['ec2', ...tokens]
    if (tokens.length === 1) return this.versionsListing(tokens[0] as string, now)
    const key = tokens.join('/')
    const hit = this.cache.get(key)
    if (hit) return hit
    const result = tokens[0] === 'openstack' ? this.openstackItem(tokens.slice(1)) : this.ec2Item(tokens.slice(1), address)
    if (result?.cacheable) {
      // a finite tree, but keep a client that walks all of it from holding it all
      if (this.cache.size >= MAX_CACHED_PATHS) this.cache.clear()
      this.cache.set(key, result.value)
    }
    return result?.value ?? null
  }

  private versionsListing(top: string, now: Date): LookupResult {
    if (top !== 'openstack') return {body: Buffer.from([...EC2_VERSIONS, 'latest'].join('\n')), contentType: TEXT_PLAIN, kind: 'data'}
    // nova hides versions dated after today (UTC)
    const today = now.toISOString().slice(0, 10)
    const versions = [...OPENSTACK_VERSIONS.filter((v) => v <= today), 'latest']
    return {body: Buffer.from(versions.join('\n')), contentType: TEXT_PLAIN, kind: 'data'}
  }

  private ec2Metadata(version: string, address: string | null): Ec2Tree {
    const s = this.spec
    const at = (required: string): boolean => versionAtLeast(EC2_VERSIONS, required, version)
    const md: Ec2Tree = {
      'ami-id': s.amiId,
      'ami-launch-index': s.launchIndex,
      'ami-manifest-path': 'FIXME',
      hostname: this.hostname,
      'instance-id': s.ec2InstanceId,
      'local-ipv4': this.fixedIPv4[0] || address,
      'reservation-id': s.reservationId,
      'security-groups': s.securityGroups,
    }
    if (s.publicKey) md['public-keys'] = {'0': {_name: `0=${s.publicKey.name}`, 'openssh-key': s.publicKey.key}}
    if (at('2007-01-19')) {
      md['local-hostname'] = this.hostname
      md['public-hostname'] = this.hostname
      md['public-ipv4'] = s.floatingIps[0] ?? ''
    }
    if (at('2007-08-29')) md['instance-type'] = s.flavor
    if (at('2007-12-15')) {
      md['block-device-mapping'] = {ami: s.rootDeviceName.replace(/^\/dev\//, ''), root: s.rootDeviceName}
      if (s.kernelId) md['kernel-id'] = s.kernelId
      if (s.ramdiskId) md['ramdisk-id'] = s.ramdiskId
    }
    if (at('2008-02-01')) md.placement = {'availability-zone': s.availabilityZone}
    if (at('2008-09-01')) md['instance-action'] = 'none'
    const data: Ec2Tree = {'meta-data': md}
    if (s.userData !== null) data['user-data'] = s.userData
    return data
  }

  private ec2Item(tokens: string[], address: string | null): {value: LookupResult; cacheable: boolean} | null {
    const requested = tokens[0] as string
    const version = requested === 'latest' ? EC2_LATEST : requested
    if (!(EC2_VERSIONS as readonly string[]).includes(version)) return null
    const found = findPathInTree(this.ec2Metadata(version, address), tokens.slice(1))
    if (found === undefined) return null
    // local-ipv4 falls back to the request address when the port has no IPv4
    const cacheable = this.fixedIPv4.length > 0
    return {cacheable, value: {body: ec2MdPrint(found), contentType: TEXT_PLAIN, kind: 'data'}}
  }

  private openstackItem(tokens: string[]): {value: LookupResult; cacheable: boolean} | null {
    const first = tokens[0] as string
    // /openstack/content/NNNN serves injected files; the reference has none
    if (first === 'content') return null
    const version = first === 'latest' ? OPENSTACK_LATEST : first
    if (!(OPENSTACK_VERSIONS as readonly string[]).includes(version)) return null
    const at = (required: string): boolean => versionAtLeast(OPENSTACK_VERSIONS, required, version)
    const path = tokens.length === 1 ? 'version' : tokens.slice(1).join('/')
    const data = (body: Buffer | string, contentType: string, cacheable = true): {value: LookupResult; cacheable: boolean} => ({
      cacheable,
      value: {body: typeof body === 'string' ? Buffer.from(body) : body, contentType, kind: 'data'},
    })
    switch (path) {
      case 'version': {
        const list = ['meta_data.json']
        if (this.spec.userData !== null) list.push('user_data')
        if (at(GRIZZLY)) list.push('password')
        if (at(HAVANA)) list.push('vendor_data.json')
        if (at(LIBERTY)) list.push('network_data.json')
        if (at(NEWTON_TWO)) list.push('vendor_data2.json')
        return data(list.join('\n'), TEXT_PLAIN)
      }
      case 'meta_data.json':
        return data(this.metadataJson(version), APPLICATION_JSON, false)
      case 'user_data':
        return this.spec.userData === null ? null : data(this.spec.userData, TEXT_PLAIN)
      case 'password':
        return at(GRIZZLY) ? {cacheable: false, value: {kind: 'password'}} : null
      case 'vendor_data.json':
        if (!at(HAVANA) || !this.settings.vendordataProviders.includes('StaticJSON')) return null
        return data(pythonJsonDumps(this.settings.vendorData), APPLICATION_JSON)
      case 'vendor_data2.json': {
        if (!at(NEWTON_TWO)) return null
        const j: Record<string, unknown> = {}
        // DynamicJSON without vendordata_dynamic_targets contributes nothing
        if (this.settings.vendordataProviders.includes('StaticJSON')) j.static = this.settings.vendorData
        return data(pythonJsonDumps(j), APPLICATION_JSON)
      }
      case 'network_data.json':
        // nova serves it for every version and never switches the mimetype: text/plain
        return data(pythonJsonDumps(this.networkData()), TEXT_PLAIN)
      default:
        return null
    }
  }

  /** _metadata_as_json, key order included; random_seed is fresh per request as in nova. */
  private metadataJson(version: string): string {
    let parts = this.mdJsonParts.get(version)
    if (!parts) {
      const s = this.spec
      const at = (required: string): boolean => versionAtLeast(OPENSTACK_VERSIONS, required, version)
      const md: Record<string, unknown> = {uuid: s.uuid}
      if (Object.keys(s.meta).length > 0) md.meta = s.meta
      if (s.publicKey) {
        md.public_keys = {[s.publicKey.name]: s.publicKey.key}
        md.keys = [{name: s.publicKey.name, type: 'ssh', data: s.publicKey.key}]
      }
      md.hostname = this.hostname
      md.name = s.name
      md.launch_index = s.launchIndex
      md.availability_zone = s.availabilityZone
      const SEED = '\u0000seed\u0000'
      if (at(GRIZZLY)) md.random_seed = SEED
      if (at(LIBERTY)) md.project_id = s.projectId
      if (at(NEWTON_ONE)) md.devices = []
      if (at(VICTORIA)) md.dedicated_cpus = []
      const text = pythonJsonDumps(md)
      const quotedSeed = pythonJsonDumps(SEED)
      const i = text.indexOf(quotedSeed)
      parts = i === -1 ? {head: text, tail: null} : {head: text.slice(0, i), tail: text.slice(i + quotedSeed.length)}
      this.mdJsonParts.set(version, parts)
    }
    return parts.tail === null ? parts.head : `${parts.head}"${randomBytes(512).toString('base64')}"${parts.tail}`
  }

  /** netutils.get_network_metadata for one neutron port with DHCP-enabled subnets. */
  private networkData(): unknown {
    const s = this.spec
    if (s.networkData !== undefined) return s.networkData
    const linkId = `tap${s.portId}`.slice(0, 14)
    const networks: unknown[] = []
    const v4 = s.fixedIps.find((ip) => isIPv4(ip))
    const v6 = s.fixedIps.find((ip) => !isIPv4(ip))
    const networkId = s.networkId ?? null
    if (v4) networks.push({id: `network${networks.length}`, type: 'ipv4_dhcp', link: linkId, network_id: networkId})
    if (v6) networks.push({id: `network${networks.length}`, type: 'ipv6_dhcp', link: linkId, network_id: networkId})
    return {
      links: [{id: linkId, vif_id: s.portId, type: 'ovs', mtu: null, ethernet_mac_address: s.macAddress}],
      networks,
      services: [],
    }
  }
}
