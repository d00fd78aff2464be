// What the lab's agents write for the metadata proxy and the router: the haproxy config the
// l3 / DHCP agent of neutron 21.0.0 (Debian 12's package, the release installed next to the lab)
// renders, and the router's iptables input. One place, so test/lab/neutron-fidelity.test.ts
// compares exactly what `lab up` writes with what neutron's own code renders.
import {renderNeutronHaproxyConfig} from '../lib/neutron-haproxy-template.js'
import {deviceName, dhcpNetns, METADATA_IP, METADATA_PORT_ROUTER, proxyConfFile, proxyPidFile, routerNetns, type LabIds, type LabPaths} from './plan.js'
import type {RouterRulesInput} from './router-iptables.js'
import type {LabSpec} from './scenarios.js'

/** neutron_lib METADATA_V6_IP: the DHCP agent binds it on the tap when IPv6 is on */
export const METADATA_V6_IP = 'fe80::a9fe:a9fe'

export interface LabProxy {
  netns: string
  conf: string
  pidFile: string
  text: string
}

/**
 * The proxy of the scenario's path, or undefined when that path has none (isolated network with
 * enable_isolated_metadata off). `ipv6`: the host has IPv6, as neutron's netutils.is_ipv6_enabled()
 * sees it: the l3 agent then binds `::`, the DHCP agent adds the fe80::a9fe:a9fe bind on the tap.
 */
export function labProxy(spec: LabSpec, ids: LabIds, p: LabPaths, ipv6: boolean): LabProxy | undefined {
  if (spec.path === 'dhcp' && !spec.isolatedMetadata) return undefined
  const router = spec.path === 'router'
  const ownId = router ? ids.router : ids.network
  const pidFile = proxyPidFile(p, ownId)
  const text = renderNeutronHaproxyConfig({
    bind: router ? (ipv6 ? `:::${METADATA_PORT_ROUTER}` : `0.0.0.0:${METADATA_PORT_ROUTER}`) : `${METADATA_IP}:80`,
    ...(!router && ipv6 ? {bindV6Line: `bind ${METADATA_V6_IP}:80 interface ${deviceName('tap', ids.dhcpPort)}`} : {}),
    // the lab runs its agents as root: neutron resolves its euid/egid to these names
    group: 'root',
    id: spec.proxyResourceId === 'stale' ? ids.staleResource : ownId,
    kind: router ? 'router' : 'network',
    pidfile: pidFile,
    release: 'zed',
    socketPath: p.defaultSocket,
    user: 'root',
  })
  return {conf: proxyConfFile(p, ownId), netns: router ? routerNetns(ids) : dhcpNetns(ids), pidFile, text}
}

export function labRouterRules(spec: LabSpec, ids: LabIds): RouterRulesInput {
  return {internalDevice: deviceName('qr-', ids.routerPort), metadataPort: METADATA_PORT_ROUTER, natRedirect: spec.natRedirect}
}
