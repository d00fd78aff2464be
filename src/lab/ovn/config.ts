// The OVN lab's config files: the agent's neutron_ovn_metadata_agent.ini (as Debian's package
// lays it out), the nova.conf the reference API reads, and the instance inventory of the API.
import {OVN_API_PORT, OVN_GUEST_IP, OVN_GUEST_MAC, OVN_IDS, OVN_SB, type OvnLabPaths} from './plan.js'

export interface AgentSettings {
  secret: string
  novaHost: string
  sbConnection: string
}

export const healthyAgent = (secret: string): AgentSettings => ({novaHost: '127.0.0.1', sbConnection: OVN_SB, secret})

export function agentIni(p: OvnLabPaths, a: AgentSettings): string {
  return `[DEFAULT]
state_path = ${p.statePath}
log_file = ${p.agentLog}
nova_metadata_host = ${a.novaHost}
nova_metadata_port = ${OVN_API_PORT}
nova_metadata_protocol = http
metadata_proxy_shared_secret = ${a.secret}
metadata_workers = 1

[agent]
root_helper = sudo
# no process monitor: a killed haproxy stays dead until the agent restarts (the haproxy-dead fault)
check_child_processes_interval = 0

[ovs]
ovsdb_connection = unix:${p.ovsSock}

[ovn]
ovn_sb_connection = ${a.sbConnection}
`
}

export function novaConf(secret: string): string {
  return `[DEFAULT]
enabled_apis = metadata
metadata_listen = 127.0.0.1
metadata_listen_port = ${OVN_API_PORT}

[neutron]
service_metadata_proxy = True
metadata_proxy_shared_secret = ${secret}
`
}

export function inventory(): string {
  return `${JSON.stringify(
    {
      instances: [
        {
          availability_zone: 'nova',
          fixed_ips: [OVN_GUEST_IP],
          hostname: 'mdovn-guest',
          mac_address: OVN_GUEST_MAC,
          meta: {lab: 'mdctl-ovn'},
          name: 'mdovn-guest',
          network_id: OVN_IDS.network,
          port_id: OVN_IDS.vmPort,
          project_id: OVN_IDS.project,
          user_data: '#cloud-config\nhostname: mdovn-guest\n',
          uuid: OVN_IDS.instance,
        },
      ],
    },
    null,
    2,
  )}\n`
}

/** the value of one `key = value` line of an ini text */
export const iniLine = (text: string, key: string): string | undefined => new RegExp(`^${key}[ \\t]*=[ \\t]*(.*)$`, 'm').exec(text)?.[1]?.trim()
