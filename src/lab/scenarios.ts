// The named faults the lab can build. Each scenario is the healthy base of its path plus a few
// declared changes; the builder reads only the resolved LabSpec, never the scenario name.
import type {Hop} from '../hops.js'

export type LabPath = 'router' | 'dhcp'

/** Everything the builder needs to decide; each field names the component it changes. */
export interface LabSpec {
  path: LabPath
  /** dhcp_agent.ini enable_isolated_metadata: route via the DHCP port, 169.254.169.254 on the tap, haproxy in qdhcp */
  isolatedMetadata: boolean
  /** the guest's dhclient asks for option 121 (CentOS 6-era dhclient.conf did not) */
  guestRequestsOption121: boolean
  /** ifup-eth's zeroconf route `169.254.0.0/16 dev eth0 scope link metric 1000+ifindex` */
  guestZeroconfRoute: boolean
  /** the l3 agent's nat REDIRECT rule for 169.254.169.254:80 */
  natRedirect: boolean
  /** running, or killed with its pid file left behind */
  proxy: 'running' | 'killed'
  /** the id in the haproxy config: the namespace's own, or one of a deleted router/network */
  proxyResourceId: 'own' | 'stale'
  /** where haproxy's `server metadata` points: the agent's socket, or the default path while the agent listens elsewhere */
  proxySocket: 'agent' | 'mismatch'
  /** running, or crashed leaving its socket file with nobody listening */
  agent: 'running' | 'crashed'
  /** metadata_agent.ini nova_metadata_host: the API's address, or 127.0.0.2 where nothing listens */
  agentNovaHost: 'api' | 'wrong'
  nova: 'running' | 'stopped'
  /** nova.conf [neutron] metadata_proxy_shared_secret: same as metadata_agent.ini, or another one */
  novaSecret: 'shared' | 'different'
  /** the API's inventory holds the guest's fixed IP, or not */
  inventoryHasGuest: boolean
}

export interface Scenario {
  name: string
  /** the path the scenario is built on unless `lab up --path` says otherwise */
  path: LabPath
  /** CONTRACT hop id the fault breaks; null when the path is healthy */
  expectedHop: Hop | null
  description: string
  changes: Partial<Omit<LabSpec, 'path'>>
  /**
   * The other path the same fault can be built on, and the hop it breaks there (the zeroconf route
   * works on an isolated network: the DHCP port holds 169.254.169.254 and answers ARP on-link).
   */
  alsoOn?: {path: LabPath; expectedHop: Hop | null}
}

const HEALTHY: Omit<LabSpec, 'path' | 'isolatedMetadata'> = {
  agent: 'running',
  agentNovaHost: 'api',
  guestRequestsOption121: true,
  guestZeroconfRoute: false,
  inventoryHasGuest: true,
  natRedirect: true,
  nova: 'running',
  novaSecret: 'shared',
  proxy: 'running',
  proxyResourceId: 'own',
  proxySocket: 'agent',
}

// Router path: the subnet's gateway is a router port, so dnsmasq pushes 169.254.169.254/32 via the
// gateway and the DHCP agent runs with neutron's default enable_isolated_metadata = False.
// DHCP path: no router on the subnet (isolated), route via the DHCP port.
const BASE: Record<LabPath, LabSpec> = {
  dhcp: {...HEALTHY, isolatedMetadata: true, path: 'dhcp'},
  router: {...HEALTHY, isolatedMetadata: false, path: 'router'},
}

export const SCENARIOS: readonly Scenario[] = [
  {changes: {}, description: 'routed subnet: dnsmasq pushes 169.254.169.254/32 via the gateway, qrouter REDIRECT to haproxy, agent, nova', expectedHop: null, name: 'healthy-router', path: 'router'},
  {changes: {}, description: 'isolated subnet with enable_isolated_metadata = True: route via the DHCP port, haproxy on 169.254.169.254:80 in qdhcp', expectedHop: null, name: 'healthy-dhcp', path: 'dhcp'},
  {
    changes: {guestRequestsOption121: false, guestZeroconfRoute: true},
    description: 'guest ignores option 121 and has the zeroconf route 169.254.0.0/16 on-link: it ARPs for 169.254.169.254 and nobody answers',
    expectedHop: 'guest-route',
    name: 'zeroconf',
    alsoOn: {expectedHop: null, path: 'dhcp'},
    path: 'router',
  },
  {
    changes: {isolatedMetadata: false},
    description: 'isolated subnet with enable_isolated_metadata = False: no 169.254 route in opts, no 169.254.169.254 on the tap, no haproxy in qdhcp',
    expectedHop: 'dhcp-route',
    name: 'isolated-metadata-disabled',
    path: 'dhcp',
  },
  {changes: {natRedirect: false}, description: 'the qrouter nat REDIRECT rule for 169.254.169.254:80 is missing', expectedHop: 'intercept', name: 'redirect-missing', path: 'router'},
  {changes: {proxy: 'killed'}, description: 'haproxy in the qrouter was killed; its pid file is left behind', expectedHop: 'proxy', name: 'proxy-dead',
    alsoOn: {expectedHop: 'proxy', path: 'dhcp'}, path: 'router'},
  {changes: {proxyResourceId: 'stale'}, description: 'the haproxy config carries the id of another (deleted) router', expectedHop: 'proxy', name: 'proxy-stale-id',
    alsoOn: {expectedHop: 'proxy', path: 'dhcp'}, path: 'router'},
  {changes: {agent: 'crashed'}, description: 'the metadata agent crashed: its socket file is left, nobody listens (haproxy answers 503)', expectedHop: 'socket', name: 'agent-down',
    alsoOn: {expectedHop: 'socket', path: 'dhcp'}, path: 'router'},
  {
    changes: {proxySocket: 'mismatch'},
    description: "metadata_proxy_socket is set only in metadata_agent.ini: haproxy points at the default path, the agent listens elsewhere",
    expectedHop: 'socket',
    name: 'socket-mismatch',
    alsoOn: {expectedHop: 'socket', path: 'dhcp'},
    path: 'router',
  },
  {changes: {nova: 'stopped'}, description: 'the nova metadata API is not running (the agent answers 503)', expectedHop: 'nova', name: 'nova-down',
    alsoOn: {expectedHop: 'nova', path: 'dhcp'}, path: 'router'},
  {changes: {agentNovaHost: 'wrong'}, description: 'metadata_agent.ini nova_metadata_host is 127.0.0.2, where nothing listens', expectedHop: 'agent', name: 'wrong-nova-host',
    alsoOn: {expectedHop: 'agent', path: 'dhcp'}, path: 'router'},
  {changes: {novaSecret: 'different'}, description: "nova.conf's metadata_proxy_shared_secret differs from the agent's: nova answers 403", expectedHop: 'signature', name: 'secret-mismatch',
    alsoOn: {expectedHop: 'signature', path: 'dhcp'}, path: 'router'},
  {changes: {inventoryHasGuest: false}, description: "no port/instance holds the guest's IP: the agent answers 404 Instance was not found", expectedHop: 'instance', name: 'unknown-guest-ip',
    alsoOn: {expectedHop: 'instance', path: 'dhcp'}, path: 'router'},
]

export const DEFAULT_SCENARIO = 'healthy-router'

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name)
}

/** The paths a scenario can be built on, each with the hop it breaks there. */
export function scenarioPaths(s: Scenario): Array<{path: LabPath; expectedHop: Hop | null}> {
  return [{expectedHop: s.expectedHop, path: s.path}, ...(s.alsoOn ? [s.alsoOn] : [])]
}

export function expectedHopOn(s: Scenario, path: LabPath): Hop | null {
  return scenarioPaths(s).find((p) => p.path === path)?.expectedHop ?? s.expectedHop
}

export function resolveSpec(s: Scenario, path: LabPath = s.path): LabSpec {
  return {...BASE[path], ...s.changes}
}
