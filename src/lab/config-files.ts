// The neutron and nova configuration files of the lab node, as an operator would have them.
// Only the options the metadata path reads are set; everything else keeps neutron's/nova's default.
import {API_HOST, WRONG_NOVA_HOST, type LabPaths} from './plan.js'
import type {LabSpec} from './scenarios.js'

export interface ConfigInput {
  spec: LabSpec
  paths: LabPaths
  apiPort: number
  agentSecret: string
  novaSecret: string
}

const ini = (sections: Record<string, Record<string, string | number | boolean>>): string =>
  Object.entries(sections)
    .map(([name, opts]) => [`[${name}]`, ...Object.entries(opts).map(([k, v]) => `${k} = ${String(v)}`)].join('\n'))
    .join('\n\n') + '\n'

export function neutronConf(i: ConfigInput): string {
  return ini({DEFAULT: {core_plugin: 'ml2', state_path: i.paths.statePath}})
}

export function metadataAgentIni(i: ConfigInput): string {
  return ini({
    DEFAULT: {
      metadata_proxy_shared_secret: i.agentSecret,
      ...(i.spec.proxySocket === 'mismatch' ? {metadata_proxy_socket: i.paths.agentOwnSocket} : {}),
      nova_metadata_host: i.spec.agentNovaHost === 'wrong' ? WRONG_NOVA_HOST : API_HOST,
      nova_metadata_port: i.apiPort,
      nova_metadata_protocol: 'http',
    },
  })
}

export function dhcpAgentIni(i: ConfigInput): string {
  return ini({
    DEFAULT: {
      dhcp_driver: 'neutron.agent.linux.dhcp.Dnsmasq',
      enable_isolated_metadata: i.spec.isolatedMetadata ? 'True' : 'False',
      force_metadata: 'False',
      interface_driver: 'linuxbridge',
    },
  })
}

export function l3AgentIni(_i: ConfigInput): string {
  return ini({DEFAULT: {enable_metadata_proxy: 'True', interface_driver: 'linuxbridge', metadata_port: 9697}})
}

export function novaConf(i: ConfigInput): string {
  return ini({
    DEFAULT: {enabled_apis: 'metadata', metadata_listen: API_HOST, metadata_listen_port: i.apiPort},
    neutron: {metadata_proxy_shared_secret: i.novaSecret, service_metadata_proxy: 'true'},
  })
}
