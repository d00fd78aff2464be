// The OVN chassis as the OVN metadata agent sees it: the local OVS row, the SB rows it reads, and
// what follows from them (this chassis, the VIF ports bound here, each network's metadata
// localport and DHCP options), computed the way neutron 21.0.0's agent does.
import {captureId, parseCapture, parseOptionalFile, type Parsed} from '../engine/parsed.js'
import {mapOf, type OvsdbRow, parseOvsdbJson, strOf} from '../parsers/ovsdb-json.js'
import {type OvnDhcpOpts, parseOvnDhcpAction} from '../parsers/ovn-dhcp-opts.js'
import type {Capture} from '../sources/capture.js'

export interface PortBinding {
  uuid: string
  logicalPort: string
  type: string
  /** the `mac` column's first entry: "<mac> <ip> …" */
  mac: string
  chassis?: string
  datapath: string
  externalIds: Record<string, string>
  up: boolean
}

export interface OvnModel {
  readonly ovsLocal: Parsed<OvsdbRow[]>
  readonly ovsBridges: Parsed<OvsdbRow[]>
  readonly ovsInterfaces: Parsed<OvsdbRow[]>
  readonly chassis: Parsed<OvsdbRow[]>
  readonly chassisPrivate: Parsed<OvsdbRow[]>
  readonly sbGlobal: Parsed<OvsdbRow[]>
  readonly datapaths: Parsed<OvsdbRow[]>
  readonly bindings: Parsed<PortBinding[]>
  readonly dhcpFlows: Parsed<Array<{datapath: string; opts: OvnDhcpOpts}>>
  readonly agentLog: Parsed<string | undefined>
}

const parseBindings = (t: string): PortBinding[] =>
  parseOvsdbJson(t).map((r) => ({
    chassis: strOf(r, 'chassis'),
    datapath: strOf(r, 'datapath') ?? '',
    externalIds: mapOf(r, 'external_ids'),
    logicalPort: strOf(r, 'logical_port') ?? '',
    mac: strOf(r, 'mac') ?? '',
    type: strOf(r, 'type') ?? '',
    up: r.up === true || (Array.isArray(r.up) && r.up[0] === true),
    uuid: strOf(r, '_uuid') ?? '',
  }))

const parseDhcpFlows = (t: string): Array<{datapath: string; opts: OvnDhcpOpts}> =>
  parseOvsdbJson(t).flatMap((r) => {
    const opts = parseOvnDhcpAction(strOf(r, 'actions') ?? '')
    return opts ? [{datapath: strOf(r, 'logical_datapath') ?? '', opts}] : []
  })

export function buildOvnModel(get: (key: string) => Capture | undefined): OvnModel {
  const rows = (key: string): Parsed<OvsdbRow[]> => parseCapture(get(key), key, parseOvsdbJson)
  return {
    agentLog: parseOptionalFile(get('node.ovn-agent-log'), 'node.ovn-agent-log', (t) => t),
    bindings: parseCapture(get('node.ovn-sb-port-binding'), 'node.ovn-sb-port-binding', parseBindings),
    chassis: rows('node.ovn-sb-chassis'),
    chassisPrivate: rows('node.ovn-sb-chassis-private'),
    datapaths: rows('node.ovn-sb-datapath'),
    dhcpFlows: parseCapture(get('node.ovn-sb-lflow-dhcp'), 'node.ovn-sb-lflow-dhcp', parseDhcpFlows),
    ovsBridges: rows('node.ovs-bridges'),
    ovsInterfaces: rows('node.ovs-interfaces'),
    ovsLocal: rows('node.ovs-local'),
    sbGlobal: rows('node.ovn-sb-global'),
  }
}

export const ovnCapture = (captures: ReadonlyMap<string, Capture>) => (key: string): Capture | undefined => captures.get(captureId(key))

/** external_ids of the local Open_vSwitch row */
export const ovsExternalIds = (o: OvnModel): Record<string, string> => (o.ovsLocal.ok ? mapOf(o.ovsLocal.value[0], 'external_ids') : {})

/** This chassis's SB Chassis row (name = the local system-id), if any. */
export function thisChassis(o: OvnModel): OvsdbRow | undefined {
  const id = ovsExternalIds(o)['system-id']
  return id && o.chassis.ok ? o.chassis.value.find((r) => strOf(r, 'name') === id) : undefined
}

/** Network id of a datapath: Datapath_Binding external_ids name `neutron-<net>` (21.0.0 `get_network_name_from_datapath`). */
export function networkOf(o: OvnModel, datapath: string): string | undefined {
  const dp = o.datapaths.ok ? o.datapaths.value.find((r) => strOf(r, '_uuid') === datapath) : undefined
  const name = mapOf(dp, 'external_ids').name
  return name?.replace(/^neutron-/, '')
}

/** VIF ports bound to this chassis (types "" and "external", as the 21.0.0 agent selects them). */
export function localVifs(o: OvnModel): PortBinding[] {
  const ch = thisChassis(o)
  const uuid = strOf(ch, '_uuid')
  if (!uuid || !o.bindings.ok) return []
  return o.bindings.value.filter((b) => b.chassis === uuid && (b.type === '' || b.type === 'external'))
}

/** 21.0.0 `get_metadata_port_network`: the first localport of the datapath. */
export const metadataPortOf = (o: OvnModel, datapath: string): PortBinding | undefined => (o.bindings.ok ? o.bindings.value.find((b) => b.datapath === datapath && b.type === 'localport') : undefined)

/** Addresses of a binding's `mac` column after the MAC: "fa:16:3e:… 10.0.0.2 …" */
export const bindingIps = (b: PortBinding): string[] => b.mac.split(' ').slice(1).filter(Boolean)

/** The networks with a VIF bound here: datapath uuid, network id, the local ports. */
export function networksHere(o: OvnModel): Array<{datapath: string; network: string; ports: PortBinding[]}> {
  const by = new Map<string, PortBinding[]>()
  for (const b of localVifs(o)) by.set(b.datapath, [...(by.get(b.datapath) ?? []), b])
  return [...by.entries()].map(([datapath, ports]) => ({datapath, network: networkOf(o, datapath) ?? datapath, ports})).sort((a, b) => a.network.localeCompare(b.network))
}
