// The Northbound rows neutron-server would write for one network with one VM port, when
// `[ovn] ovn_metadata_enabled = True`: the logical switch, the metadata localport, the VM port and
// the subnet's DHCP_Options (neutron 21.0.0 ovn_client.py `_get_ovn_dhcpv4_opts`).
import {run} from '../run.js'
import {OVN_GATEWAY_IP, OVN_GUEST_IP, OVN_GUEST_MAC, OVN_IDS, OVN_METADATA_MAC, OVN_METADATA_PORT_IP, OVN_NB, OVN_ROUTER_MAC, OVN_SUBNET} from './plan.js'

const nbctl = async (...args: string[]): Promise<string> => (await run(['ovn-nbctl', `--db=${OVN_NB}`, '--timeout=10', ...args])).stdout.trim()

export const LS = `neutron-${OVN_IDS.network}`
export const CLASSLESS_ROUTE = `{169.254.169.254/32,${OVN_METADATA_PORT_IP}, 0.0.0.0/0,${OVN_GATEWAY_IP}}`
const prefix = OVN_SUBNET.split('/')[1]

export async function addNetwork(): Promise<void> {
  await nbctl('ls-add', LS, '--', 'set', 'Logical_Switch', LS, 'external_ids:"neutron:network_name"=mdovn-net', 'other_config:mcast_snoop=false')
}

export async function addDhcpOptions(): Promise<string> {
  const uuid = await nbctl(
    'create',
    'DHCP_Options',
    `cidr=${OVN_SUBNET}`,
    `options:classless_static_route="${CLASSLESS_ROUTE}"`,
    'options:lease_time=43200',
    'options:mtu=1442',
    `options:router=${OVN_GATEWAY_IP}`,
    `options:server_id=${OVN_GATEWAY_IP}`,
    `options:server_mac="${OVN_ROUTER_MAC}"`,
    `external_ids:subnet_id=${OVN_IDS.subnet}`,
  )
  return uuid
}

export async function dhcpOptionsUuid(): Promise<string> {
  return nbctl('--bare', '--columns=_uuid', 'find', 'DHCP_Options', `cidr="${OVN_SUBNET}"`)
}

export async function setDhcpRoute(present: boolean): Promise<void> {
  const uuid = await dhcpOptionsUuid()
  await (present ? nbctl('set', 'DHCP_Options', uuid, `options:classless_static_route="${CLASSLESS_ROUTE}"`) : nbctl('remove', 'DHCP_Options', uuid, 'options', 'classless_static_route'))
}

export async function addMetadataPort(): Promise<void> {
  const p = OVN_IDS.metadataPort
  await nbctl(
    'lsp-add', LS, p,
    '--', 'lsp-set-type', p, 'localport',
    '--', 'lsp-set-addresses', p, `${OVN_METADATA_MAC} ${OVN_METADATA_PORT_IP}`,
    '--', 'set', 'Logical_Switch_Port', p,
    `external_ids:"neutron:cidrs"="${OVN_METADATA_PORT_IP}/${prefix}"`,
    `external_ids:"neutron:device_id"=ovnmeta-${OVN_IDS.network}`,
    'external_ids:"neutron:device_owner"="network:distributed"',
    `external_ids:"neutron:network_name"=${LS}`,
    `external_ids:"neutron:project_id"=${OVN_IDS.project}`,
  )
}

export async function deleteMetadataPort(): Promise<void> {
  await nbctl('--if-exists', 'lsp-del', OVN_IDS.metadataPort)
}

export async function addVmPort(dhcpUuid: string): Promise<void> {
  const p = OVN_IDS.vmPort
  await nbctl(
    'lsp-add', LS, p,
    '--', 'lsp-set-addresses', p, `${OVN_GUEST_MAC} ${OVN_GUEST_IP}`,
    '--', 'lsp-set-dhcpv4-options', p, dhcpUuid,
    '--', 'set', 'Logical_Switch_Port', p,
    `external_ids:"neutron:cidrs"="${OVN_GUEST_IP}/${prefix}"`,
    `external_ids:"neutron:device_id"=${OVN_IDS.instance}`,
    'external_ids:"neutron:device_owner"="compute:nova"',
    `external_ids:"neutron:network_name"=${LS}`,
    `external_ids:"neutron:project_id"=${OVN_IDS.project}`,
  )
}

/** bump nb_cfg and wait until the SB has it: the agent then reports `neutron:ovn-metadata-sb-cfg` */
export async function syncSb(): Promise<void> {
  await nbctl('--wait=sb', 'sync')
}
