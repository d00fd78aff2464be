// The named faults of the ML2/OVN lab. Each is the healthy path plus one change made to the
// running path, the way it breaks in the field; the expected hops come from the definition.
import type {Hop} from '../../hops.js'

export type OvnFault =
  | 'secret-mismatch'
  | 'dhcp-route-missing'
  | 'veth-unplugged'
  | 'haproxy-dead'
  | 'agent-down'
  | 'metadata-port-missing'
  | 'wrong-nova-host'
  | 'sb-unreachable'

export interface OvnScenario {
  name: 'healthy' | OvnFault
  /** the CONTRACT hop doctor on the chassis must name; null when healthy */
  expectedHop: Hop | null
  /**
   * the hop the guest sees fail first, or null when the guest cannot know the node-side cause (it
   * must then say the path is not ok; which of its own hops it names depends on what it sees)
   */
  guestHop: Hop | null
  description: string
  /** false when the guest's view is not yet right (its verdict names a wrong hop): no guest fixture is kept then */
  guestFixture?: false
}

export const OVN_SCENARIOS: readonly OvnScenario[] = [
  {description: 'OVN native DHCP hands out 169.254.169.254/32 via the metadata localport; ovnmeta namespace, haproxy, the real agent, nova', expectedHop: null, guestHop: null, name: 'healthy'},
  {description: "nova.conf's metadata_proxy_shared_secret differs from the agent's: nova answers 403", expectedHop: 'signature', guestHop: 'signature', name: 'secret-mismatch'},
  {description: "the subnet's DHCP_Options lose classless_static_route: the guest gets no 169.254.169.254 route and sends metadata requests to its gateway", expectedHop: 'dhcp-route', guestHop: null, name: 'dhcp-route-missing'},
  {description: "the namespace's veth is unplugged from the integration bridge: the guest's requests (and, once its neighbour entry ages out, its ARP) for the metadata port IP get no answer", expectedHop: 'intercept', guestHop: null, name: 'veth-unplugged'},
  {description: 'haproxy in the ovnmeta namespace was killed; its pid file is left behind', expectedHop: 'proxy', guestHop: 'proxy', name: 'haproxy-dead'},
  {description: 'the OVN metadata agent was killed: its socket file is left, haproxy answers 503', expectedHop: 'socket', guestHop: 'socket', name: 'agent-down'},
  {description: 'the metadata localport was deleted from the Northbound DB and the agent restarted: no ovnmeta namespace, DHCP still routes via the port IP', expectedHop: 'namespace', guestHop: null, name: 'metadata-port-missing'},
  {description: "the agent's nova_metadata_host is 127.0.0.2, where nothing listens", expectedHop: 'agent', guestHop: null, name: 'wrong-nova-host'},
  {description: "the agent's ovn_sb_connection points where no Southbound DB answers", expectedHop: 'agent', guestFixture: false, guestHop: null, name: 'sb-unreachable'},
]

export const findOvnScenario = (name: string): OvnScenario | undefined => OVN_SCENARIOS.find((s) => s.name === name)
