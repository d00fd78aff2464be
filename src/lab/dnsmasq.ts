// What the neutron DHCP agent hands dnsmasq for the lab subnet: the opts file
// (Dnsmasq._generate_opts_per_subnet), the host file and the command line.
import {DHCP_PORT_IP, GATEWAY_IP, GUEST_IP, METADATA_IP, type LabIds, type LabPaths} from './plan.js'
import type {LabSpec} from './scenarios.js'

/**
 * neutron's choice of the 169.254.169.254/32 next hop: the DHCP port on an isolated subnet with
 * isolated metadata on, the gateway on a routed subnet, nothing on an isolated subnet without it.
 */
export function metadataRouteIp(spec: LabSpec): string | undefined {
  if (spec.path === 'router') return GATEWAY_IP
  return spec.isolatedMetadata ? DHCP_PORT_IP : undefined
}

export function dnsmasqOpts(spec: LabSpec, ids: LabIds): string {
  const tag = `tag:subnet-${ids.subnet}`
  const via = metadataRouteIp(spec)
  const lines: string[] = []
  if (via !== undefined) {
    const routes = `${METADATA_IP}/32,${via},0.0.0.0/0,${GATEWAY_IP}`
    lines.push(`${tag},option:classless-static-route,${routes}`, `${tag},249,${routes}`)
  }
  lines.push(`${tag},option:router,${GATEWAY_IP}`)
  return lines.join('\n') + '\n'
}

export function dnsmasqHosts(ids: LabIds): string {
  return `${ids.guestMac},host-${GUEST_IP.replaceAll('.', '-')}.openstacklocal.,${GUEST_IP}\n`
}

export function dnsmasqArgv(p: LabPaths, ids: LabIds, tapName: string): string[] {
  return [
    'dnsmasq',
    '--no-hosts',
    '--no-resolv',
    `--pid-file=${p.dhcpPid}`,
    `--dhcp-hostsfile=${p.dhcpHosts}`,
    `--addn-hosts=${p.dhcpAddnHosts}`,
    `--dhcp-optsfile=${p.dhcpOpts}`,
    `--dhcp-leasefile=${p.dhcpLeases}`,
    '--dhcp-match=set:ipxe,175',
    '--dhcp-userclass=set:ipxe6,iPXE',
    '--local-service',
    '--bind-dynamic',
    `--interface=${tapName}`,
    `--dhcp-range=set:subnet-${ids.subnet},10.254.77.0,static,255.255.255.0,86400s`,
    '--dhcp-option-force=option:mtu,1500',
    '--dhcp-lease-max=256',
    '--conf-file=/dev/null',
    '--domain=openstacklocal',
    // the lab serves DHCP only: no DNS listener next to anything on the host
    '--port=0',
  ]
}
