import type {Hop} from '../hops.js'
import type {FailureKind} from '../parsers/guest-http-probe.js'
import type {Severity} from '../report/types.js'

/**
 * Every finding code mdctl emits, with the words a person needs around it: what it means, the
 * neutron/nova mechanism behind it, how to confirm it by hand, the fix, and the OpenStack releases
 * it applies to. `mdctl explain`, the README's check table and the report's "more:" line read
 * this one list. Commands use shell variables for the values only the node knows
 * ($ROUTER_ID, $NETWORK_ID, $NS for the namespace, $NOVA_HOST, $GUEST_IP); the findings
 * themselves carry commands with this node's values filled in.
 *
 * A test scans src/checks and the guest probe classifier for every code they can emit and fails
 * on a code without an entry here, or an entry nothing emits.
 */
export interface CodeEntry {
  readonly code: string
  /** the hop the finding names (the probe classifier's codes name the hop the answer implicates); `any` for codes every hop uses */
  readonly hop: Hop | 'any'
  readonly severity: Severity
  readonly title: string
  readonly meaning: string
  readonly mechanism: string
  readonly confirm: readonly string[]
  readonly fix: {readonly text: string; readonly commands: readonly string[]}
  readonly releases: string
}

type Body = Omit<CodeEntry, 'code' | 'hop' | 'severity' | 'title'>

const entry = (code: string, hop: Hop | 'any', severity: Severity, title: string, body: Body): CodeEntry => ({code, hop, severity, title, ...body})
const none = {commands: [], text: 'Nothing to fix: this records a healthy state.'} as const
const ALL = 'All releases.'
const OVN_RELEASES = 'ML2/OVN, from Train (networking-ovn merged into neutron in Ussuri); neutron-ovn-agent from 2023.2.'

// Mechanisms shared by several codes: each says what neutron or nova does, and where.
const M = {
  ovn:
    'On ML2/OVN, neutron-ovn-metadata-agent (neutron/agent/ovn/metadata/agent.py; from 2023.2 also neutron-ovn-agent with the metadata extension) runs on every chassis: it reads the local OVS DB and the Southbound DB, registers in this chassis\'s Chassis_Private (neutron:ovn-metadata-id, neutron:ovn-metadata-sb-cfg), and for every network with a VM port bound here creates ovnmeta-<network> with a veth to br-int (iface-id = the metadata localport), 169.254.169.254/32 and the port IP, and an haproxy on 169.254.169.254:80 that forwards to its unix socket. It resolves a guest from Port_Binding neutron:cidrs / device_id / project_id. OVN native DHCP hands out the 169.254.169.254/32 route from the subnet\'s DHCP_Options.',
  agent:
    "neutron-metadata-agent (neutron/agent/metadata/agent.py) listens on the unix socket metadata_proxy_socket, resolves the guest's port from X-Forwarded-For plus X-Neutron-Router-ID / X-Neutron-Network-ID over RPC to neutron-server (the OVN agent reads the OVN southbound Port_Binding table instead), signs the instance id and forwards the request to nova_metadata_protocol://nova_metadata_host:nova_metadata_port with a 60 s timeout.",
  agentConf:
    'metadata_agent.ini [DEFAULT] (neutron/conf/agent/metadata/config.py): nova_metadata_host (default 127.0.0.1; named nova_metadata_ip until Pike), nova_metadata_port (8775), nova_metadata_protocol (http or https), metadata_proxy_shared_secret (empty by default; nova reads the same key from nova.conf [neutron]).',
  cloudInit:
    "cloud-init's OpenStack datasource probes http://169.254.169.254/openstack (and, from 23.1, http://[fe80::a9fe:a9fe%iface]) once per URL with a 10 s timeout, then reads openstack/<version>/meta_data.json and the EC2 tree. Failures are logged as \"Calling '<url>' failed [<elapsed>/<max_wait>s]: <reason>\" and, when every URL failed, \"No active metadata service found\". ds-identify skips the metadata service when a config drive is present.",
  dhcpOpts:
    'The DHCP agent renders $state_path/dhcp/<network>/opts for dnsmasq (neutron/agent/linux/dhcp.py _generate_opts_per_subnet): for each IPv4 subnet it pushes 169.254.169.254/32 via the subnet gateway (routed subnet) or via the DHCP port IP (isolated subnet when enable_isolated_metadata or force_metadata is on), as both option:classless-static-route (121) and 249 (the Microsoft copy of 121), followed by 0.0.0.0/0 via the gateway.',
  dhcpServe:
    'dhcp_agent.ini enable_isolated_metadata (default False) lets the DHCP agent serve metadata on subnets whose gateway IP is not a router port; force_metadata (default False) makes it serve every network; enable_metadata_network serves a 169.254.0.0/16 metadata network and requires enable_isolated_metadata (neutron/conf/agent/dhcp.py, should_enable_metadata in neutron/agent/linux/dhcp.py).',
  guestRoute:
    "The guest reaches 169.254.169.254 through its default gateway (a neutron router's qr- port), or through a /32 host route pushed by DHCP option 121 via the gateway or the DHCP/OVN metadata port. RHEL/CentOS initscripts (ifup-eth) add the zeroconf route 169.254.0.0/16 dev <if> scope link unless /etc/sysconfig/network sets NOZEROCONF (any non-empty value): without a /32 host route, 169.254.169.254 then becomes on-link and the guest ARPs for it.",
  haproxyPages:
    "haproxy in the namespace answers with its built-in pages when it cannot get an answer: 503 \"No server is available to handle this request.\" (backend unix socket absent or refused), 504 \"The server didn't respond in time.\" (timeout server 32s), 502 \"The server returned an invalid or incomplete response.\". The agent itself answers 503 \"The remote metadata server is temporarily unavailable\" when nova is unreachable (neutron 2024.2+), 500 \"An unknown error has occurred\" on an exception, and relays nova's 403/404/500.",
  intercept:
    'In a qrouter- namespace the l3 agent installs (neutron/agent/metadata/driver.py, router_info.py initialize_metadata_iptables): nat PREROUTING "-d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 9697", mangle PREROUTING "-j MARK --set-xmark 0x1/0xffff" for the same packets, and filter INPUT "-m mark --mark 0x1/0xffff -j ACCEPT" before "-p tcp -m tcp --dport 9697 -j DROP". The rules sit in neutron-l3-agent-* chains jumped to from the built-in chains.',
  metadataIp:
    'The DHCP agent adds 169.254.169.254/32 to the DHCP port device in qdhcp-<network> when enable_isolated_metadata or force_metadata is on (a /16 until Ussuri); the OVN metadata agent adds it to tap<net>1 in ovnmeta-<network>. haproxy binds 169.254.169.254:80 there (Stein and later); no iptables rule is involved.',
  nova:
    "nova's metadata API (nova/api/metadata/handler.py) listens on metadata_listen:metadata_listen_port (0.0.0.0:8775) in nova-api-metadata, nova-api with enabled_apis containing metadata, or a WSGI app. GET / returns the version list without any instance lookup, so it is a pure reachability test.",
  novaProxy:
    "nova.conf [neutron] service_metadata_proxy (default False) makes nova trust the X-Instance-ID / X-Tenant-ID headers the agent sends, after checking X-Instance-ID-Signature = HMAC-SHA256(metadata_proxy_shared_secret, instance id). A wrong signature is answered 403 \"Invalid proxy request signature.\".",
  proxy:
    'The l3 agent (routers) and DHCP agent (isolated networks) spawn "haproxy -f $state_path/ns-metadata-proxy/<id>.conf" inside the namespace (neutron/agent/metadata/driver.py; the OVN agent uses ovn-metadata-proxy/<network>.conf). Routers bind 9697 (l3_agent.ini metadata_port), DHCP and OVN bind 169.254.169.254:80. The config sets X-Neutron-Router-ID or X-Neutron-Network-ID (X-OVN-Network-ID for OVN) and forwards to the unix socket metadata_proxy_socket. Before Pike the proxy was the Python neutron-ns-metadata-proxy.',
  proxyMonitor:
    'The agent records the proxy pid in $state_path/external/pids/<id>.pid.haproxy (<id>.pid before Train) and, every check_child_processes_interval (60 s), checks that the pid is alive with <id> in its /proc/<pid>/cmdline; check_child_processes_action = respawn restarts it ("Respawning metadata-proxy for uuid …").',
  secret:
    'The agent signs each request with HMAC-SHA256 keyed by metadata_agent.ini metadata_proxy_shared_secret over the instance id (neutron/common/utils.py sign_instance_id); nova recomputes it with nova.conf [neutron] metadata_proxy_shared_secret and answers 403 "Invalid proxy request signature." when they differ. mdctl compares salted fingerprints, never the secrets.',
  socket:
    'The metadata agent creates the unix socket metadata_proxy_socket (default $state_path/metadata_proxy) when it starts, and chmods it per metadata_proxy_socket_mode (deduce/user/group/all; neutron 2025.1+ leaves the mode to the umask). haproxy runs as metadata_proxy_user/group and connects to it; when it cannot, it answers the guest 503 "No server is available to handle this request.".',
  l3:
    'l3_agent.ini enable_metadata_proxy (default True) makes the l3 agent spawn a metadata proxy and the REDIRECT rules in every qrouter- namespace; HA routers run it only on the keepalived primary (neutron/agent/l3/ha.py), DVR routers on every node hosting them.',
  namespace:
    'neutron names the namespaces qrouter-<router id> (l3 agent), qdhcp-<network id> (DHCP agent) and ovnmeta-<network id> (OVN metadata agent; the OVN datapath id before Wallaby). The agent creates them when the router or network is scheduled to this node and deletes them when it goes away.',
  probe:
    'The guest probe GETs http://169.254.169.254/, /openstack and /latest/meta-data/ the way cloud-init does; what comes back names the hop: a refused connection means the request was delivered locally with nothing listening, a timeout or "no route" means it never reached an interceptor, and HTTP error bodies are the exact texts of haproxy, the metadata agent, webob and nova.',
  instance:
    "The agent maps the guest's source address to exactly one port on the networks behind the router (or on the network) with get_ports(fixed_ips=…); allowed-address-pair IPs do not match. With no single match it answers 404 (\"Instance was not found on router/network …\" from 2025.1). nova then loads the instance and answers 404 when it is gone or its project differs from X-Tenant-ID.",
} as const

// How to look by hand, shared by several codes.
const C = {
  agentLog: ['journalctl -u neutron-metadata-agent -n 100', 'systemctl status neutron-metadata-agent'],
  agentIni: ["grep -E '^(nova_metadata_(host|ip|port|protocol)|metadata_proxy_socket)' /etc/neutron/metadata_agent.ini"],
  dhcpOpts: ['grep -e 169.254.169.254 /var/lib/neutron/dhcp/$NETWORK_ID/opts', "grep -E '^(enable_isolated_metadata|force_metadata|enable_metadata_network)' /etc/neutron/dhcp_agent.ini"],
  guestRoute: ['ip route get 169.254.169.254', 'ip route', 'grep -s NOZEROCONF /etc/sysconfig/network'],
  guestProbe: ['curl -sv http://169.254.169.254/openstack'],
  iptables: ['ip netns exec qrouter-$ROUTER_ID iptables-save | grep -e 169.254.169.254 -e 9697'],
  listeners: ['ip netns exec $NS ss -lntp', 'cat /var/lib/neutron/ns-metadata-proxy/$ROUTER_ID.conf'],
  nova: ['curl -sS http://$NOVA_HOST:8775/', "grep -E '^(service_metadata_proxy|metadata_listen|metadata_listen_port|enabled_apis)' /etc/nova/nova.conf"],
  pid: ['cat /var/lib/neutron/external/pids/$ROUTER_ID.pid.haproxy', 'ps -o pid,args -p $(cat /var/lib/neutron/external/pids/$ROUTER_ID.pid.haproxy)'],
  socket: ['stat /var/lib/neutron/metadata_proxy', 'ss -xlp | grep metadata_proxy', 'grep -h "server metadata" /var/lib/neutron/ns-metadata-proxy/*.conf'],
} as const

const F = {
  agentRestart: ['systemctl restart neutron-metadata-agent', 'journalctl -u neutron-metadata-agent -n 50'],
  dhcpResync: ['systemctl restart neutron-dhcp-agent'],
  l3Resync: ['systemctl restart neutron-l3-agent'],
  secret: ['crudini --get /etc/neutron/metadata_agent.ini DEFAULT metadata_proxy_shared_secret | sha256sum', 'crudini --get /etc/nova/nova.conf neutron metadata_proxy_shared_secret | sha256sum'],
} as const

/** The guest probe's transport failures, one per FailureKind (the compiler insists on each). */
const PROBE_FAILURES: Record<FailureKind, {hop: Hop; meaning: string; fix: string}> = {
  refused: {fix: 'Run mdctl doctor on the network node: the metadata proxy in the qrouter/qdhcp/ovnmeta namespace is not listening.', hop: 'proxy', meaning: 'The connection to 169.254.169.254:80 was refused: the request was delivered (by a REDIRECT, or to the address itself) and nothing listens there.'},
  reset: {fix: 'Run mdctl doctor on the network node: the proxy or the agent behind it drops the connection.', hop: 'proxy', meaning: 'The connection was reset or closed without an answer.'},
  timeout: {fix: 'Run mdctl doctor on the network node to see whether the namespace intercepts 169.254.169.254:80.', hop: 'intercept', meaning: 'Nothing answered within the timeout: the request is not intercepted (router REDIRECT missing, no 169.254.169.254 on the DHCP/OVN port) or a security group drops it.'},
  'no-route': {fix: 'See the guest-route and guest-arp hops; with a working route, run mdctl doctor on the network node.', hop: 'guest-route', meaning: '"No route to host": the kernel gave up resolving the next hop by ARP, or the gateway answered host-unreachable.'},
  unreachable: {fix: 'See the guest-route hop; with a working route, run mdctl doctor on the network node.', hop: 'guest-route', meaning: '"Network is unreachable": the guest has no route, or the gateway does not intercept 169.254.169.254 and answers unreachable.'},
  'no-answer': {fix: 'Run mdctl doctor on the network node: it probes the agent over its socket and nova one by one.', hop: 'agent', meaning: 'The connection to 169.254.169.254:80 was accepted (the proxy listens), then no answer came: haproxy waits 32 s for the agent and the agent up to 60 s for nova, so a stuck agent or a slow nova is behind it. The guest cannot tell which.'},
  dns: {fix: 'Use http://169.254.169.254/ directly and check http_proxy.', hop: 'intercept', meaning: 'The client tried to resolve a name: the URL or a proxy setting names a host instead of 169.254.169.254.'},
  other: {fix: 'Run curl -v by hand and read its last lines; then mdctl doctor on the network node.', hop: 'intercept', meaning: 'The client failed for a reason its output does not name.'},
}

/** The code the guest probe check builds from a failure kind (src/checks/guest/probe.ts). */
export const probeFailureCode = (kind: FailureKind): string => `PROBE_${kind.toUpperCase().replace(/-/g, '_')}`

const probeFailures = (): CodeEntry[] =>
  (Object.entries(PROBE_FAILURES) as Array<[FailureKind, (typeof PROBE_FAILURES)[FailureKind]]>).map(([kind, p]) =>
    entry(probeFailureCode(kind), p.hop, 'fail', `guest probe: ${kind.replace(/-/g, ' ')}`, {
      confirm: ['curl -sv --max-time 10 http://169.254.169.254/openstack', 'ip route get 169.254.169.254', 'ip neigh'],
      fix: {commands: ['mdctl doctor'], text: p.fix},
      meaning: p.meaning,
      mechanism: M.probe,
      releases: ALL,
    }),
  )


export const CATALOGUE: readonly CodeEntry[] = [
  // ── dhcp-route ────────────────────────────────────────────────────────────────────────────
  entry('L3_METADATA_PROXY_ENABLED', 'intercept', 'pass', 'routers serve metadata', {
    confirm: ["grep -E '^enable_metadata_proxy' /etc/neutron/l3_agent.ini"],
    fix: none,
    meaning: 'enable_metadata_proxy is on (set or default), so the l3 agent runs a metadata proxy in the routers on this node.',
    mechanism: M.l3,
    releases: ALL,
  }),
  entry('L3_METADATA_PROXY_OFF_FORCE_METADATA', 'intercept', 'info', 'routers do not serve metadata; the DHCP agent serves every network', {
    confirm: ["grep -E '^enable_metadata_proxy' /etc/neutron/l3_agent.ini", "grep -E '^force_metadata' /etc/neutron/dhcp_agent.ini"],
    fix: none,
    meaning: 'enable_metadata_proxy = False in l3_agent.ini, and force_metadata = True in dhcp_agent.ini: guests get metadata from the DHCP port instead of the router. A supported layout.',
    mechanism: `${M.l3} ${M.dhcpServe}`,
    releases: 'Liberty (neutron 7.0.0) and later (force_metadata).',
  }),
  entry('L3_METADATA_PROXY_DISABLED', 'intercept', 'fail', 'nothing serves metadata to routed networks', {
    confirm: ["grep -E '^enable_metadata_proxy' /etc/neutron/l3_agent.ini", "grep -E '^force_metadata' /etc/neutron/dhcp_agent.ini", 'ls /var/lib/neutron/ns-metadata-proxy/'],
    fix: {commands: ['crudini --set /etc/neutron/l3_agent.ini DEFAULT enable_metadata_proxy True', 'systemctl restart neutron-l3-agent'], text: 'Enable the l3 agent metadata proxy, or set force_metadata = True in dhcp_agent.ini so the DHCP agent serves every network.'},
    meaning: 'The routers here run no metadata proxy and the DHCP agent does not serve routed networks either: guests behind these routers send metadata requests to a router that drops them.',
    mechanism: `${M.l3} ${M.dhcpServe}`,
    releases: ALL,
  }),
  entry('METADATA_NETWORK_NEEDS_ISOLATED', 'dhcp-route', 'warn', 'enable_metadata_network without enable_isolated_metadata', {
    confirm: ["grep -E '^(enable_metadata_network|enable_isolated_metadata)' /etc/neutron/dhcp_agent.ini"],
    fix: {commands: ['crudini --set /etc/neutron/dhcp_agent.ini DEFAULT enable_isolated_metadata True', ...F.dhcpResync], text: 'enable_metadata_network only works with enable_isolated_metadata = True.'},
    meaning: 'dhcp_agent.ini turns on enable_metadata_network but not enable_isolated_metadata, so the metadata network option has no effect.',
    mechanism: M.dhcpServe,
    releases: ALL,
  }),
  entry('DHCP_OPTS_MISSING', 'dhcp-route', 'warn', 'no dnsmasq opts file for the network', {
    confirm: ['ls -l /var/lib/neutron/dhcp/$NETWORK_ID/', 'ip netns exec qdhcp-$NETWORK_ID ps -ef | grep dnsmasq'],
    fix: {commands: F.dhcpResync, text: 'Let the DHCP agent resync the network; it rewrites the opts file and reloads dnsmasq.'},
    meaning: 'The qdhcp- namespace exists but $state_path/dhcp/<network>/opts does not, so what DHCP hands out (including the metadata route) cannot be read.',
    mechanism: M.dhcpOpts,
    releases: ALL,
  }),
  entry('DHCP_METADATA_ROUTE_OFFERED', 'dhcp-route', 'pass', 'DHCP offers a 169.254.169.254/32 route', {
    confirm: C.dhcpOpts,
    fix: none,
    meaning: 'The opts file pushes 169.254.169.254/32 to the guests of this network.',
    mechanism: M.dhcpOpts,
    releases: 'Liberty (neutron 7.0.0) and later push the route on every subnet; earlier only on isolated ones.',
  }),
  entry('DHCP_ISOLATED_METADATA_DISABLED', 'dhcp-route', 'fail', 'isolated network without metadata', {
    confirm: [...C.dhcpOpts, 'openstack subnet show $SUBNET_ID -c gateway_ip', 'openstack port list --device-owner network:router_interface --network $NETWORK_ID'],
    fix: {commands: ['crudini --set /etc/neutron/dhcp_agent.ini DEFAULT enable_isolated_metadata True', ...F.dhcpResync], text: 'Let the DHCP agent serve metadata on isolated networks, or attach the subnet to a router through its gateway IP.'},
    meaning: "The network has no router port on its gateway IP, DHCP pushes no route to 169.254.169.254, and enable_isolated_metadata is off: nothing on this network answers the guests' metadata requests.",
    mechanism: `${M.dhcpServe} A subnet counts as isolated unless a router interface port holds its gateway_ip (get_isolated_subnets).`,
    releases: ALL,
  }),
  entry('DHCP_METADATA_ROUTE_NOT_RENDERED', 'dhcp-route', 'warn', 'metadata enabled but no route in the opts file', {
    confirm: C.dhcpOpts,
    fix: {commands: F.dhcpResync, text: 'Resync the DHCP agent: the opts file is stale or the network has no DHCP-enabled IPv4 subnet.'},
    meaning: 'dhcp_agent.ini asks for metadata on isolated networks, yet the opts file carries no 169.254.169.254 route, so guests never learn where to send metadata requests.',
    mechanism: M.dhcpOpts,
    releases: ALL,
  }),
  entry('DHCP_ROUTE_121_249', 'dhcp-route', 'pass', 'options 121 and 249 agree', {
    confirm: C.dhcpOpts,
    fix: none,
    meaning: 'Both the RFC 3442 option (121, Linux) and the Microsoft option (249, Windows) route 169.254.169.254 via the same next hop.',
    mechanism: M.dhcpOpts,
    releases: ALL,
  }),
  entry('DHCP_ROUTE_GATEWAYS_DIFFER', 'dhcp-route', 'warn', 'options 121 and 249 route metadata differently', {
    confirm: C.dhcpOpts,
    fix: {commands: F.dhcpResync, text: 'Resync the DHCP agent so both options are rendered from one subnet.'},
    meaning: 'Linux and Windows guests are told to reach 169.254.169.254 through different next hops; one of them is stale or hand-edited.',
    mechanism: M.dhcpOpts,
    releases: ALL,
  }),
  entry('DHCP_ROUTE_249_MISSING', 'dhcp-route', 'warn', 'only option 121 carries the metadata route', {
    confirm: C.dhcpOpts,
    fix: {commands: F.dhcpResync, text: 'Resync the DHCP agent; neutron renders both the 121 and the 249 line.'},
    meaning: 'Windows guests, which read option 249, get no route to 169.254.169.254.',
    mechanism: `${M.dhcpOpts} OVN native DHCP sets only classless_static_route (121).`,
    releases: ALL,
  }),
  entry('DHCP_ROUTE_121_MISSING', 'dhcp-route', 'warn', 'only option 249 carries the metadata route', {
    confirm: C.dhcpOpts,
    fix: {commands: F.dhcpResync, text: 'Resync the DHCP agent; neutron renders both the 121 and the 249 line.'},
    meaning: 'Linux guests, which read option 121, get no route to 169.254.169.254.',
    mechanism: M.dhcpOpts,
    releases: ALL,
  }),
  entry('GUEST_LEASE_METADATA_ROUTE', 'dhcp-route', 'pass', 'the lease carries a metadata host route', {
    confirm: ['grep -h -e rfc3442 -e unknown-121 /var/lib/dhcp/*.leases /var/lib/dhclient/*.lease* 2>/dev/null'],
    fix: none,
    meaning: 'The guest DHCP lease holds 169.254.169.254/32 via a next hop.',
    mechanism: M.dhcpOpts,
    releases: ALL,
  }),
  entry('GUEST_LEASE_NO_METADATA_ROUTE', 'dhcp-route', 'info', 'the lease has no metadata host route', {
    confirm: ['grep -h -e rfc3442 -e unknown-121 -e routers /var/lib/dhcp/*.leases /var/lib/dhclient/*.lease* 2>/dev/null'],
    fix: none,
    meaning: 'No 169.254.169.254/32 route came with the lease: metadata depends on the default gateway being a neutron router that intercepts it.',
    mechanism: M.dhcpOpts,
    releases: 'Before Liberty (neutron 7.0.0) routed subnets got no host route; later neutron pushes one on every subnet.',
  }),
  entry('GUEST_121_WITHOUT_DEFAULT', 'dhcp-route', 'warn', 'option 121 without a default route', {
    confirm: ['grep -h -e rfc3442 -e routers /var/lib/dhcp/*.leases /var/lib/dhclient/*.lease* 2>/dev/null', 'ip route'],
    fix: {commands: ['openstack subnet show $SUBNET_ID -c host_routes -c gateway_ip'], text: 'Add 0.0.0.0/0 to the subnet host routes (neutron adds it by itself when the subnet has a gateway).'},
    meaning: 'The lease has option 121 but no 0.0.0.0/0 in it. RFC 3442 clients then ignore the router option, so the guest gets no default route.',
    mechanism: `${M.dhcpOpts} RFC 3442: when option 121 is present the client must ignore option 3 (router).`,
    releases: ALL,
  }),
  entry('GUEST_NO_METADATA_ROUTE_FROM_DHCP', 'dhcp-route', 'fail', 'no metadata route from DHCP and the default path does not reach metadata', {
    confirm: [...C.guestRoute, ...C.guestProbe],
    fix: {commands: ['mdctl doctor'], text: 'On the DHCP agent node: let the agent serve isolated metadata (enable_isolated_metadata = True) or attach the subnet to a router through its gateway IP.'},
    meaning: 'DHCP gave the guest no 169.254.169.254/32 route and its default path does not lead to anything that answers for metadata.',
    mechanism: `${M.dhcpOpts} ${M.dhcpServe}`,
    releases: ALL,
  }),

  // ── guest-route ───────────────────────────────────────────────────────────────────────────
  entry('GUEST_NO_ROUTE', 'guest-route', 'fail', 'no route to 169.254.169.254', {
    confirm: C.guestRoute,
    fix: {commands: ['dhclient -r eth0; dhclient eth0', 'ip route'], text: 'Apply the DHCP lease again (or fix the network configuration): the guest has neither a default route nor a metadata host route.'},
    meaning: 'The guest kernel has no route for 169.254.169.254: the request fails with "Network is unreachable" before leaving the guest.',
    mechanism: M.guestRoute,
    releases: ALL,
  }),
  entry('GUEST_ZEROCONF_ROUTE', 'guest-route', 'fail', 'zeroconf route makes metadata on-link', {
    confirm: C.guestRoute,
    fix: {commands: ["echo 'NOZEROCONF=yes' >> /etc/sysconfig/network", 'ip route del 169.254.0.0/16'], text: 'Turn off the zeroconf route (NOZEROCONF, any non-empty value) or let DHCP push the 169.254.169.254/32 host route, which wins by longest prefix.'},
    meaning: 'The guest reaches 169.254.169.254 on-link through 169.254.0.0/16 and has no /32 host route, so it ARPs for 169.254.169.254; on a router path nobody answers.',
    mechanism: `${M.guestRoute} The qdhcp tap and the ovnmeta veth do hold 169.254.169.254, so on an isolated or OVN network on-link ARP may still be answered.`,
    releases: 'All releases, for RHEL/CentOS guests using initscripts.',
  }),
  entry('GUEST_METADATA_ON_LINK', 'guest-route', 'fail', '169.254.169.254 is on-link', {
    confirm: C.guestRoute,
    fix: {commands: ['ip route'], text: 'Route 169.254.169.254 via the gateway or the DHCP port instead of on-link.'},
    meaning: 'A route makes the metadata address on-link (no gateway). Unless the DHCP or OVN metadata port answers ARP for it on this segment, requests go nowhere.',
    mechanism: M.guestRoute,
    releases: ALL,
  }),
  entry('GUEST_ROUTE_VIA_GATEWAY', 'guest-route', 'pass', 'metadata routed via a gateway', {
    confirm: C.guestRoute,
    fix: none,
    meaning: 'The kernel sends 169.254.169.254 to a next hop (the router or the DHCP/metadata port).',
    mechanism: M.guestRoute,
    releases: ALL,
  }),
  entry('GUEST_LEASE_ROUTE_NOT_INSTALLED', 'guest-route', 'warn', 'the lease offers a metadata route the kernel does not use', {
    confirm: ['grep -n rfc3442 /etc/dhcp/dhclient.conf', ...C.guestRoute],
    fix: {commands: ['grep -n rfc3442 /etc/dhcp/dhclient.conf', 'dhclient -r eth0; dhclient eth0'], text: "Make the DHCP client request and apply option 121 (dhclient.conf's rfc3442-classless-static-routes and its exit hook)."},
    meaning: 'The lease holds 169.254.169.254/32 via a next hop, but the routing table has no such route: the DHCP client does not apply option 121.',
    mechanism: M.guestRoute,
    releases: ALL,
  }),
  entry('GUEST_ROUTE_TABLE_DIFFERS', 'guest-route', 'info', 'ip route get and the main table disagree', {
    confirm: ['ip route get 169.254.169.254', 'ip rule', 'ip route show table all | grep 169.254'],
    fix: none,
    meaning: 'The route the kernel picks for 169.254.169.254 is not the one the main table suggests: policy routing or another table is in play.',
    mechanism: M.guestRoute,
    releases: ALL,
  }),
  entry('GUEST_NO_PROXY_FOR_METADATA', 'guest-route', 'pass', 'no HTTP proxy captures metadata requests', {
    confirm: ['env | grep -i proxy', 'cat /etc/environment'],
    fix: none,
    meaning: 'No http_proxy is set, or no_proxy exempts 169.254.169.254.',
    mechanism: 'cloud-init and curl honour http_proxy/no_proxy; a proxy cannot reach the link-local metadata address on the guest network.',
    releases: ALL,
  }),
  entry('GUEST_HTTP_PROXY', 'guest-route', 'warn', 'an HTTP proxy would capture metadata requests', {
    confirm: ['env | grep -i proxy', 'cat /etc/environment', 'curl -sv --noproxy 169.254.169.254 http://169.254.169.254/openstack'],
    fix: {commands: ["echo 'no_proxy=169.254.169.254' >> /etc/environment"], text: 'Add 169.254.169.254 to no_proxy.'},
    meaning: 'http_proxy is set without a no_proxy exemption for 169.254.169.254: cloud-init and curl send metadata requests to the proxy, which cannot reach the link-local address.',
    mechanism: 'cloud-init uses python-requests, which honours http_proxy/no_proxy from the environment.',
    releases: ALL,
  }),
  entry('FOREIGN_HTTP_PROXY', 'guest-route', 'fail', 'the answer came from an HTTP proxy', {
    confirm: ['env | grep -i proxy', 'curl -sv --noproxy 169.254.169.254 http://169.254.169.254/openstack'],
    fix: {commands: ['env | grep -i proxy', 'export no_proxy=169.254.169.254,$no_proxy'], text: 'Exempt 169.254.169.254 with no_proxy.'},
    meaning: 'The HTTP answer carries a proxy signature (Squid, Privoxy, tinyproxy): the request never reached the metadata path.',
    mechanism: 'HTTP clients that honour http_proxy send the request to the proxy, which answers with its own error page.',
    releases: ALL,
  }),
  entry('PATH_NOT_FOUND', 'guest-route', 'fail', 'nova does not serve this path', {
    confirm: ['curl -s http://169.254.169.254/openstack', 'curl -s http://169.254.169.254/latest/meta-data/'],
    fix: {commands: ['curl -s http://169.254.169.254/openstack'], text: 'Ask for a version nova lists (GET /openstack) or a file this instance has (user_data and vendor_data exist only when set).'},
    meaning: 'A 404 for a path nova does not serve to this instance (an unknown version or an optional file), not a lookup failure.',
    mechanism: 'nova/api/metadata/base.py serves the EC2 versions up to 2009-04-04 and the OpenStack versions it lists under /openstack; an unknown path raises InvalidMetadataPath, answered 404.',
    releases: ALL,
  }),
  entry('REQUEST_TIMEOUT', 'any', 'info', 'haproxy timed out waiting for the request', {
    confirm: C.guestProbe,
    fix: {commands: ['curl -sv http://169.254.169.254/openstack'], text: 'The client sent an incomplete request; check the client and anything between it and the router (MTU).'},
    meaning: "haproxy answered 408: it did not get a complete request within 'timeout http-request' (30 s). A client-side problem.",
    mechanism: M.haproxyPages,
    releases: ALL,
  }),
  entry('PASSWORD_ALREADY_SET', 'guest-route', 'fail', 'nova refuses to overwrite the password', {
    confirm: ['curl -s http://169.254.169.254/openstack/latest/password'],
    fix: {commands: ['openstack server clear password $SERVER_ID'], text: 'Clear the stored password before posting a new one.'},
    meaning: 'A POST to openstack/<version>/password got 409: a password is already stored.',
    mechanism: 'nova/api/metadata/password.py sets the password only when it is empty, else 409 Conflict.',
    releases: ALL,
  }),
  entry('UNRECOGNISED_RESPONSE', 'guest-route', 'fail', 'a status the metadata path does not produce', {
    confirm: C.guestProbe,
    fix: {commands: ['curl -sv http://169.254.169.254/openstack'], text: 'Something other than the metadata path answered; look at the response headers for who it was.'},
    meaning: 'The HTTP status is none that haproxy, the agent or nova produce for metadata.',
    mechanism: M.haproxyPages,
    releases: ALL,
  }),
  entry('HTTP_ERROR_NO_BODY', 'any', 'info', 'an error status without a body', {
    confirm: ['curl -sv http://169.254.169.254/openstack', 'printf "GET /openstack HTTP/1.0\\r\\nHost: 169.254.169.254\\r\\n\\r\\n" | nc 169.254.169.254 80'],
    fix: {commands: ['curl -sv http://169.254.169.254/openstack'], text: 'Probe again with a client that keeps error bodies (curl, or a raw GET through nc): the body names the hop.'},
    meaning: 'The guest got an HTTP error with an empty body. haproxy, the metadata agent and nova answer the same statuses; only the body tells them apart, so no hop is named and the hop stays not judged.',
    mechanism: `${M.haproxyPages} busybox wget and wget without --content-on-error drop error bodies; mdctl then sends the same GET raw through nc.`,
    releases: ALL,
  }),
  entry('TOO_MANY_REQUESTS_FOREIGN', 'any', 'info', 'HTTP 429 with a foreign body', {
    confirm: C.guestProbe,
    fix: {commands: ['curl -sv http://169.254.169.254/openstack'], text: "Read the response headers and body: haproxy's rate limit says \"You have sent too many requests\"; this is something else."},
    meaning: "A 429 whose body is not haproxy's rate-limit page: something else on the way answered.",
    mechanism: M.haproxyPages,
    releases: ALL,
  }),
  entry('NOT_FOUND_FOREIGN', 'any', 'info', 'HTTP 404 with a foreign body', {
    confirm: C.guestProbe,
    fix: {commands: ['curl -sv http://169.254.169.254/openstack'], text: 'Read the response headers and body: neither the agent nor nova wrote this 404.'},
    meaning: 'A 404 whose body neither the metadata agent nor nova writes: something else on the way answered.',
    mechanism: M.haproxyPages,
    releases: ALL,
  }),
  entry('AGENT_NOVA_UNAVAILABLE', 'any', 'info', 'the agent cannot reach nova (seen from the guest)', {
    confirm: ['mdctl doctor', ...C.agentLog],
    fix: {commands: ['mdctl doctor'], text: 'Run mdctl doctor on the network node: it tells a dead nova from an agent pointing at the wrong nova_metadata_host/port.'},
    meaning: 'The agent answered 503 "The remote metadata server is temporarily unavailable": it could not connect to nova. From the guest a dead nova and a wrong nova_metadata_host look the same, so the agent and nova hops stay not judged.',
    mechanism: `${M.agent} ${M.nova}`,
    releases: 'neutron 2024.2 (25.0.0) and later answer 503 here; earlier releases answer 500 "An unknown error has occurred".',
  }),
  entry('AGENT_INSTANCE_NOT_FOUND', 'any', 'info', 'the agent found no instance for the guest (seen from the guest)', {
    confirm: ['mdctl doctor --instance-ip $GUEST_IP'],
    fix: {commands: ['mdctl doctor --instance-ip $GUEST_IP'], text: 'Run mdctl doctor on the network node with this guest\'s address: it tells an address no port holds from a proxy carrying a stale router/network id.'},
    meaning: 'The agent answered 404: no single port holds the guest\'s source address on the router/network the proxy named. From the guest, an unknown address and a proxy naming a stale id look the same, so the proxy and instance hops stay not judged.',
    mechanism: M.agent,
    releases: ALL,
  }),
  entry('GUEST_METADATA_ON_LINK_ANSWERED', 'guest-route', 'warn', '169.254.169.254 answers on-link, without a /32', {
    confirm: ['ip route get 169.254.169.254', 'ip neigh show 169.254.169.254'],
    fix: {commands: ["echo 'NOZEROCONF=yes' >> /etc/sysconfig/network"], text: 'It works because the DHCP/OVN metadata port holds 169.254.169.254 and answers ARP on this network; on a routed network nothing would. Ask DHCP for option 121 (or drop the zeroconf route) so the /32 is used.'},
    meaning: 'The guest reaches 169.254.169.254 on-link through the zeroconf 169.254.0.0/16 route and it answered: the network has a DHCP or OVN metadata port holding the address.',
    mechanism: M.probe,
    releases: ALL,
  }),

  // ── guest-arp ─────────────────────────────────────────────────────────────────────────────
  entry('GUEST_ARP_OK', 'guest-arp', 'pass', 'the next hop answers ARP', {
    confirm: ['ip neigh'],
    fix: none,
    meaning: 'The neighbour entry for the next hop is REACHABLE/STALE/DELAY with a MAC address.',
    mechanism: 'The guest resolves its next hop (router qr- port, DHCP port or OVN metadata port) by ARP before sending.',
    releases: ALL,
  }),
  entry('GUEST_ARP_FAILED', 'guest-arp', 'fail', 'the next hop does not answer ARP', {
    confirm: ['ip neigh', 'arping -c 3 -I eth0 $GATEWAY_IP', 'openstack port show $PORT_ID -c status -c binding_vif_type'],
    fix: {commands: ['ip route get 169.254.169.254', 'openstack port show $PORT_ID -c status -c binding_vif_type'], text: 'Make the next hop answer: the router/DHCP port must be up and bound, and port security must let the guest through; if 169.254.169.254 itself is on-link, route it via the gateway instead.'},
    meaning: 'The neighbour entry for the next hop (or for 169.254.169.254 itself, when it is on-link) is INCOMPLETE or FAILED: the request never leaves the guest.',
    mechanism: M.guestRoute,
    releases: ALL,
  }),
  entry('GUEST_NEIGHBOUR_UNKNOWN', 'guest-arp', 'info', 'no neighbour entry for the next hop', {
    confirm: ['ip neigh', 'curl -s -o /dev/null http://169.254.169.254/ ; ip neigh'],
    fix: none,
    meaning: 'The guest has not tried to reach the next hop recently, so ARP cannot be judged (run the probe first).',
    mechanism: 'Linux neighbour entries appear only after traffic to the next hop and age out.',
    releases: ALL,
  }),

  // ── namespace ─────────────────────────────────────────────────────────────────────────────
  entry('NAMESPACE_PRESENT', 'namespace', 'pass', 'the namespace exists', {
    confirm: ['ip netns list'],
    fix: none,
    meaning: 'The qrouter-, qdhcp- or ovnmeta- namespace for the router/network is on this node.',
    mechanism: M.namespace,
    releases: ALL,
  }),
  entry('NAMESPACE_MISSING', 'namespace', 'fail', 'the namespace is not on this node', {
    confirm: ['ip netns list', 'openstack network agent list --router $ROUTER_ID', 'openstack network agent list --network $NETWORK_ID'],
    fix: {commands: ['openstack network agent list --router $ROUTER_ID'], text: 'Run doctor on the node hosting the router or DHCP agent of this network, or resync the agent that should host it here.'},
    meaning: 'The namespace for the requested router or network does not exist here: either it is hosted on another node, or the agent failed to create it.',
    mechanism: M.namespace,
    releases: 'All releases; OVN names ovnmeta- after the neutron network from Wallaby (neutron 18.0.0), after the OVN datapath before.',
  }),
  entry('NO_METADATA_NAMESPACES', 'namespace', 'warn', 'no metadata namespaces on this node', {
    confirm: ['ip netns list', 'openstack network agent list --host $(hostname)'],
    fix: {commands: ['openstack network agent list --host $(hostname)'], text: 'Run doctor on the network node that hosts the router or DHCP agent of the guest (or the compute node, for OVN).'},
    meaning: 'No qrouter-, qdhcp- or ovnmeta- namespace exists: this does not look like a node on the metadata path.',
    mechanism: M.namespace,
    releases: ALL,
  }),
  entry('NAMESPACES_FOUND', 'namespace', 'pass', 'metadata namespaces found', {
    confirm: ['ip netns list'],
    fix: none,
    meaning: 'This node hosts router, DHCP or OVN metadata namespaces.',
    mechanism: M.namespace,
    releases: ALL,
  }),
  entry('PROXY_CONFIGS_MATCHED', 'namespace', 'pass', 'every proxy config has its namespace', {
    confirm: ['ls /var/lib/neutron/ns-metadata-proxy/', 'ip netns list'],
    fix: none,
    meaning: 'Each haproxy config under $state_path/ns-metadata-proxy belongs to a namespace that exists.',
    mechanism: M.proxy,
    releases: 'Pike (neutron 11.0.0) and later (haproxy configs).',
  }),
  entry('PROXY_CONFIG_ORPHANED', 'namespace', 'warn', 'proxy configs without a namespace', {
    confirm: ['ls /var/lib/neutron/ns-metadata-proxy/', 'ip netns list'],
    fix: {commands: ['systemctl restart neutron-l3-agent neutron-dhcp-agent'], text: 'Resync the agents: configs without a namespace are left over from deleted routers/networks, or the namespace was removed by hand while the router still exists.'},
    meaning: 'Some metadata proxy configs name routers or networks whose namespace is gone from this node.',
    mechanism: M.proxy,
    releases: 'Pike (neutron 11.0.0) and later (haproxy configs).',
  }),

  // ── intercept ─────────────────────────────────────────────────────────────────────────────
  entry('REDIRECT_PRESENT', 'intercept', 'pass', 'the router redirects 169.254.169.254:80', {
    confirm: C.iptables,
    fix: none,
    meaning: 'The qrouter- namespace redirects 169.254.169.254:80 to the metadata proxy port.',
    mechanism: M.intercept,
    releases: ALL,
  }),
  entry('REDIRECT_WRONG_PORT', 'intercept', 'fail', 'the REDIRECT goes to another port', {
    confirm: [...C.iptables, "grep -E '^metadata_port' /etc/neutron/l3_agent.ini"],
    fix: {commands: F.l3Resync, text: 'Restart the l3 agent so the rule and the proxy agree on l3_agent.ini metadata_port.'},
    meaning: 'The nat REDIRECT sends metadata requests to a port the metadata proxy does not listen on: the guest sees "connection refused".',
    mechanism: M.intercept,
    releases: ALL,
  }),
  entry('REDIRECT_UNREACHABLE', 'intercept', 'fail', 'the REDIRECT rule is never reached', {
    confirm: ['ip netns exec qrouter-$ROUTER_ID iptables-save -t nat'],
    fix: {commands: F.l3Resync, text: 'Resync the l3 agent: it rebuilds its chains and the jumps to them.'},
    meaning: 'The REDIRECT rule exists but sits in a chain PREROUTING never jumps to, so it never fires.',
    mechanism: M.intercept,
    releases: ALL,
  }),
  entry('REDIRECT_MISSING', 'intercept', 'fail', 'no REDIRECT for 169.254.169.254:80', {
    confirm: C.iptables,
    fix: {commands: F.l3Resync, text: 'Resync the l3 agent, which rebuilds the rule; until then guests behind this router time out.'},
    meaning: 'Nothing in the router namespace catches metadata requests: they are routed onwards and time out.',
    mechanism: M.intercept,
    releases: 'All releases (--to-port until Mitaka, --to-ports from Newton).',
  }),
  entry('FILTER_TABLE_NOT_CAPTURED', 'intercept', 'info', 'no filter table in the capture', {
    confirm: ['ip netns exec qrouter-$ROUTER_ID iptables-save -t filter'],
    fix: none,
    meaning: 'The capture has no filter table, so whether INPUT drops the proxy port cannot be judged.',
    mechanism: M.intercept,
    releases: ALL,
  }),
  entry('PROXY_PORT_NOT_FILTERED', 'intercept', 'pass', 'nothing drops the proxy port', {
    confirm: C.iptables,
    fix: none,
    meaning: 'No INPUT rule drops the metadata proxy port.',
    mechanism: M.intercept,
    releases: ALL,
  }),
  entry('METADATA_MARK_ACCEPTED', 'intercept', 'pass', 'redirected requests are marked and accepted', {
    confirm: C.iptables,
    fix: none,
    meaning: 'The mangle MARK and the filter INPUT ACCEPT by mark come before the DROP of the proxy port.',
    mechanism: M.intercept,
    releases: 'Liberty (neutron 7.0.0) and later use the 0x1/0xffff mark.',
  }),
  entry('METADATA_MARK_MISSING', 'intercept', 'fail', 'no MARK for redirected requests', {
    confirm: ['ip netns exec qrouter-$ROUTER_ID iptables-save -t mangle | grep 169.254', ...C.iptables],
    fix: {commands: F.l3Resync, text: 'Resync the l3 agent: it writes the MARK and ACCEPT rules together with the REDIRECT.'},
    meaning: 'Redirected metadata requests are not marked, so they hit the INPUT DROP of the proxy port: the guest times out.',
    mechanism: `${M.intercept} From Rocky (neutron 13.0.0) the MARK rule is written at router init.`,
    releases: ALL,
  }),
  entry('METADATA_ACCEPT_MISSING', 'intercept', 'fail', 'INPUT drops the proxy port without accepting marked requests', {
    confirm: ['ip netns exec qrouter-$ROUTER_ID iptables-save -t filter | grep -e mark -e 9697'],
    fix: {commands: F.l3Resync, text: 'Resync the l3 agent: it writes the ACCEPT by mark before the DROP.'},
    meaning: 'The filter INPUT chain drops the proxy port without first accepting marked metadata requests: the guest times out.',
    mechanism: M.intercept,
    releases: ALL,
  }),
  entry('METADATA_IP_PRESENT', 'intercept', 'pass', '169.254.169.254 is on the metadata port', {
    confirm: ['ip netns exec $NS ip -br addr'],
    fix: none,
    meaning: 'The DHCP or OVN namespace holds 169.254.169.254 on its port.',
    mechanism: M.metadataIp,
    releases: 'All releases: a /16 until Ussuri, a /32 from Victoria (neutron 17.0.0).',
  }),
  entry('METADATA_IP_MISSING', 'intercept', 'fail', '169.254.169.254 is not on the metadata port', {
    confirm: ['ip netns exec $NS ip -br addr', ...C.dhcpOpts],
    fix: {commands: F.dhcpResync, text: 'Resync the DHCP agent (or restart the OVN metadata agent): it adds the address when it sets up the port.'},
    meaning: 'DHCP routes guests to this port for metadata, but the namespace does not hold 169.254.169.254: requests get no answer.',
    mechanism: M.metadataIp,
    releases: ALL,
  }),

  // ── proxy ─────────────────────────────────────────────────────────────────────────────────
  entry('HA_BACKUP_NO_PROXY_EXPECTED', 'proxy', 'info', 'HA router in backup state', {
    confirm: ['cat /var/lib/neutron/ha_confs/$ROUTER_ID/state'],
    fix: none,
    meaning: 'This node holds the HA router in backup state; its metadata proxy runs on the primary.',
    mechanism: `${M.l3} The state is in $state_path/ha_confs/<router>/state ("primary" from Victoria, "master" before).`,
    releases: ALL,
  }),
  entry('PROXY_LISTENING', 'proxy', 'pass', 'a metadata proxy listens', {
    confirm: C.listeners,
    fix: none,
    meaning: 'Something listens on the metadata proxy port in the namespace.',
    mechanism: M.proxy,
    releases: ALL,
  }),
  entry('PROXY_NOT_LISTENING', 'proxy', 'fail', 'no metadata proxy listens', {
    confirm: [...C.listeners, ...C.pid],
    fix: {commands: F.l3Resync, text: 'Restart the agent that owns the namespace (l3 for qrouter-, DHCP for qdhcp-, OVN metadata for ovnmeta-): it respawns haproxy; check its log for "metadata-proxy … not found" or a haproxy start error.'},
    meaning: 'Nothing listens on 9697 (router) or 169.254.169.254:80 (DHCP/OVN) in the namespace: the guest gets "connection refused".',
    mechanism: `${M.proxy} ${M.proxyMonitor}`,
    releases: ALL,
  }),
  entry('PROXY_OWNER_UNKNOWN', 'proxy', 'info', 'listener owner unknown', {
    confirm: ['ip netns exec $NS ss -lntp'],
    fix: none,
    meaning: 'The listener exists but which process owns it cannot be told without root (the process map).',
    mechanism: M.proxy,
    releases: ALL,
  }),
  entry('PROXY_WRONG_PROCESS', 'proxy', 'fail', 'the proxy port is held by another process', {
    confirm: ['ip netns exec $NS ss -lntp'],
    fix: {commands: ['ip netns exec $NS ss -lntp', 'systemctl restart neutron-l3-agent'], text: 'Stop the process holding the port and let the agent respawn haproxy.'},
    meaning: 'Something other than haproxy or neutron-ns-metadata-proxy holds the metadata port in the namespace.',
    mechanism: M.proxy,
    releases: ALL,
  }),
  entry('PROXY_STALE_ID', 'proxy', 'fail', "the proxy serves another router's or network's id", {
    confirm: ['grep -i x-neutron /var/lib/neutron/ns-metadata-proxy/$ROUTER_ID.conf', ...C.pid],
    fix: {commands: F.l3Resync, text: 'Let the agent rewrite the config and restart haproxy (it does so when the config is obsolete).'},
    meaning: 'The proxy in this namespace sends a router/network id that is not the namespace\'s: the agent looks guests up in the wrong place and answers 404.',
    mechanism: `${M.proxy} The agent compares the on-disk config with the one it would write and restarts haproxy when they differ (is_config_file_obsolete).`,
    releases: ALL,
  }),
  entry('PROXY_PROCESS_OK', 'proxy', 'pass', 'the listener is the metadata proxy', {
    confirm: ['ip netns exec $NS ss -lntp'],
    fix: none,
    meaning: 'haproxy (or the pre-Pike neutron-ns-metadata-proxy) for this namespace holds the port.',
    mechanism: M.proxy,
    releases: ALL,
  }),
  entry('PROXY_CONFIG_ABSENT', 'proxy', 'info', 'no haproxy config file', {
    confirm: ['ls /var/lib/neutron/ns-metadata-proxy/'],
    fix: none,
    meaning: 'The namespace has no haproxy config file; a pre-Pike neutron-ns-metadata-proxy needs none.',
    mechanism: M.proxy,
    releases: 'Before Pike (neutron 11.0.0) there is no haproxy config.',
  }),
  entry('PROXY_HEADER_MISSING', 'proxy', 'fail', 'the proxy adds no router/network id header', {
    confirm: ['grep -i -e x-neutron -e x-ovn /var/lib/neutron/ns-metadata-proxy/$ROUTER_ID.conf'],
    fix: {commands: F.l3Resync, text: 'Let the agent rewrite the config.'},
    meaning: 'Without X-Neutron-Router-ID / X-Neutron-Network-ID the agent cannot find the instance: every request fails.',
    mechanism: M.proxy,
    releases: 'Pike (neutron 11.0.0) and later.',
  }),
  entry('PROXY_HEADER_KIND', 'proxy', 'fail', 'router header in a DHCP namespace, or the reverse', {
    confirm: ['grep -i x-neutron /var/lib/neutron/ns-metadata-proxy/*.conf'],
    fix: {commands: F.l3Resync, text: 'Let the agent rewrite the config.'},
    meaning: 'The proxy sends a router id in a qdhcp- namespace (or a network id in a qrouter- one); the agent looks the guest up on the wrong object. enable_metadata_network is the one layout where a qdhcp- proxy sends a router id.',
    mechanism: M.proxy,
    releases: 'Pike (neutron 11.0.0) and later.',
  }),
  entry('PROXY_BIND_MISMATCH', 'proxy', 'fail', 'the proxy config binds another port', {
    confirm: ['grep -i bind /var/lib/neutron/ns-metadata-proxy/$ROUTER_ID.conf', ...C.iptables],
    fix: {commands: F.l3Resync, text: 'Let the agent rewrite the config so it binds the metadata port.'},
    meaning: 'The haproxy config does not bind the port the namespace sends metadata to (9697 in routers, 80 in DHCP/OVN).',
    mechanism: M.proxy,
    releases: 'Pike (neutron 11.0.0) and later.',
  }),
  entry('PROXY_CONFIG_OK', 'proxy', 'pass', 'proxy config matches the namespace', {
    confirm: C.listeners,
    fix: none,
    meaning: "The config binds the metadata port and sends this namespace's id.",
    mechanism: M.proxy,
    releases: 'Pike (neutron 11.0.0) and later.',
  }),
  entry('PROXY_PIDFILE_MISSING', 'proxy', 'warn', 'no pid file for the proxy', {
    confirm: ['ls /var/lib/neutron/external/pids/'],
    fix: {commands: F.l3Resync, text: 'Restart the agent: without a pid file it cannot monitor or respawn the proxy.'},
    meaning: 'The agent has no pid file for this proxy, so it will not notice if the proxy dies.',
    mechanism: M.proxyMonitor,
    releases: 'All releases (the .pid.haproxy name from Train, neutron 15.0.0).',
  }),
  entry('PROXY_DEAD', 'proxy', 'fail', 'the proxy named by the pid file is dead', {
    confirm: C.pid,
    fix: {commands: F.l3Resync, text: 'Restart the agent: it respawns the proxy on resync. Check why the monitor did not (check_child_processes_action, or a stuck agent).'},
    meaning: 'The pid file names a process that is not running, or is not a proxy for this namespace: the proxy died and was not respawned.',
    mechanism: M.proxyMonitor,
    releases: ALL,
  }),
  entry('PROXY_WRONG_NAMESPACE', 'proxy', 'fail', 'the proxy runs in another namespace', {
    confirm: [...C.pid, 'ip netns identify $(cat /var/lib/neutron/external/pids/$ROUTER_ID.pid.haproxy)'],
    fix: {commands: F.l3Resync, text: 'Kill the stray proxy and let the agent respawn it in the right namespace.'},
    meaning: 'The process in the pid file runs outside the namespace it serves.',
    mechanism: M.proxyMonitor,
    releases: ALL,
  }),
  entry('PROXY_PIDFILE_OK', 'proxy', 'pass', 'the pid file names the live proxy', {
    confirm: C.pid,
    fix: none,
    meaning: 'The pid file names a running proxy for this namespace.',
    mechanism: M.proxyMonitor,
    releases: ALL,
  }),
  entry('PROXY_BOTH_IDS', 'proxy', 'fail', 'the proxy sends both a router and a network id', {
    confirm: ['grep -i x-neutron /var/lib/neutron/ns-metadata-proxy/*.conf'],
    fix: {commands: F.l3Resync, text: 'Let the agent rewrite the config: set-header/del-header lines keep exactly one id (Ussuri and later).'},
    meaning: 'The agent got both X-Neutron-Network-ID and X-Neutron-Router-ID and refused the request (400 "Both network … and router … defined.").',
    mechanism: `${M.agent} Both headers present: 404 until 2024.2, 400 from 2025.1.`,
    releases: 'neutron 2025.1 and later answer 400 with this body; earlier releases answer 404.',
  }),
  entry('RATE_LIMITED', 'proxy', 'warn', 'metadata rate limiting denied the request', {
    confirm: ['grep -A6 metadata_rate_limiting /etc/neutron/neutron.conf /etc/neutron/*.ini'],
    fix: {commands: [], text: 'Wait and retry, or raise [metadata_rate_limiting] base/burst_query_rate_limit.'},
    meaning: 'haproxy denied the request with 429: this guest exceeded [metadata_rate_limiting].',
    mechanism: 'With [metadata_rate_limiting] rate_limit_enabled, the haproxy config tracks request rates per source in stick tables and denies with 429 above base_query_rate_limit / burst_query_rate_limit.',
    releases: '2023.2 (neutron 23.0.0) and later.',
  }),
  ...probeFailures(),
  entry('PROBE_RATE_LIMITED', 'proxy', 'warn', 'the guest probe was rate limited', {
    confirm: ['grep -A6 metadata_rate_limiting /etc/neutron/neutron.conf /etc/neutron/*.ini'],
    fix: {commands: [], text: 'Wait and retry, or raise [metadata_rate_limiting] base/burst_query_rate_limit.'},
    meaning: 'The guest probe got 429: [metadata_rate_limiting] is on and this guest exceeded it.',
    mechanism: 'With [metadata_rate_limiting] rate_limit_enabled, haproxy denies requests above the configured rate with 429.',
    releases: '2023.2 (neutron 23.0.0) and later.',
  }),

  // ── socket ────────────────────────────────────────────────────────────────────────────────
  entry('SOCKET_PATH_AGREED', 'socket', 'pass', 'every proxy points at the agent socket', {
    confirm: C.socket,
    fix: none,
    meaning: 'The proxy configs and metadata_agent.ini name the same unix socket.',
    mechanism: M.socket,
    releases: ALL,
  }),
  entry('SOCKET_PATH_MISMATCH', 'socket', 'fail', 'the proxies point at another socket', {
    confirm: [...C.socket, ...C.agentIni],
    fix: {commands: ['systemctl restart neutron-metadata-agent neutron-l3-agent neutron-dhcp-agent'], text: 'Set the same metadata_proxy_socket for the l3, DHCP and metadata agents (it belongs in neutron.conf [DEFAULT]); the proxies are regenerated on agent restart.'},
    meaning: 'haproxy connects to a socket path the agent does not listen on: every request gets 503 "No server is available".',
    mechanism: M.socket,
    releases: ALL,
  }),
  entry('SOCKET_MISSING', 'socket', 'fail', 'the agent socket does not exist', {
    confirm: C.socket,
    fix: {commands: F.agentRestart, text: 'Start the metadata agent (it creates the socket), or point it at the path the proxies use.'},
    meaning: 'No file at the socket path: haproxy answers every request with 503.',
    mechanism: M.socket,
    releases: ALL,
  }),
  entry('SOCKET_NOT_A_SOCKET', 'socket', 'fail', 'the socket path holds something else', {
    confirm: C.socket,
    fix: {commands: ['systemctl restart neutron-metadata-agent'], text: 'Move the file away and restart the agent.'},
    meaning: 'A regular file, directory or link sits at the socket path.',
    mechanism: M.socket,
    releases: ALL,
  }),
  entry('SOCKET_MODE_DENIES_PROXY', 'socket', 'fail', 'the proxy user may not connect to the socket', {
    confirm: [...C.socket, "grep -E '^metadata_proxy_(user|group|socket_mode)' /etc/neutron/*.ini"],
    fix: {commands: ['crudini --set /etc/neutron/metadata_agent.ini DEFAULT metadata_proxy_socket_mode all', 'systemctl restart neutron-metadata-agent'], text: 'Set metadata_proxy_socket_mode (group or all), or run the proxy as the agent user.'},
    meaning: 'haproxy drops to metadata_proxy_user and the socket mode does not let that user write to it: haproxy answers 503.',
    mechanism: M.socket,
    releases: 'All releases; 2025.1 and later leave the mode to the agent umask.',
  }),
  entry('SOCKET_FILE_OK', 'socket', 'pass', 'socket present and reachable', {
    confirm: C.socket,
    fix: none,
    meaning: 'The socket exists and its mode lets the proxy user connect.',
    mechanism: M.socket,
    releases: ALL,
  }),
  entry('SOCKET_STALE', 'socket', 'fail', 'the socket file is left behind', {
    confirm: C.socket,
    fix: {commands: F.agentRestart, text: 'Restart the agent: it recreates the socket.'},
    meaning: 'The socket file exists but nobody listens on it: the agent that made it is gone.',
    mechanism: M.socket,
    releases: ALL,
  }),
  entry('SOCKET_NO_LISTENER', 'socket', 'fail', 'nobody listens on the agent socket', {
    confirm: C.socket,
    fix: {commands: F.agentRestart, text: 'Start the metadata agent.'},
    meaning: 'No process listens on the socket path.',
    mechanism: M.socket,
    releases: ALL,
  }),
  entry('SOCKET_LISTENING', 'socket', 'pass', 'something listens on the socket', {
    confirm: C.socket,
    fix: none,
    meaning: 'A listener holds the socket; its owner is unknown without the process map.',
    mechanism: M.socket,
    releases: ALL,
  }),
  entry('SOCKET_OWNED_BY_AGENT', 'socket', 'pass', 'the metadata agent listens on the socket', {
    confirm: C.socket,
    fix: none,
    meaning: 'The listener on the socket is the metadata agent.',
    mechanism: M.socket,
    releases: ALL,
  }),
  entry('SOCKET_OWNER_UNRECOGNISED', 'socket', 'info', 'the socket is held by a process mdctl does not recognise as the agent', {
    confirm: ['ss -xlp | grep metadata_proxy', 'ps -o pid,args -p $(ss -xlpH | awk \'/metadata_proxy/ {print $NF}\' | grep -o "pid=[0-9]*" | cut -d= -f2)'],
    fix: {commands: ['ss -xlp | grep metadata_proxy'], text: 'Information: the agent-probe check judges whether the listener answers as the metadata agent does; a listener that is not the agent is a fault only when its answers are wrong.'},
    meaning: 'Something listens on the agent socket whose command line is none of the neutron metadata agent forms mdctl knows (python3 /usr/bin/neutron-metadata-agent, a kolla venv, neutron-ovn-metadata-agent, neutron-ovn-agent).',
    mechanism: M.agent,
    releases: ALL,
  }),
  entry('SOCKET_ACCESS_UNKNOWN', 'socket', 'info', "the proxy's group cannot be read", {
    confirm: C.socket,
    fix: {commands: ['stat /var/lib/neutron/metadata_proxy'], text: "Information: the socket admits only its group, and the proxy's config does not name a group, so whether haproxy may connect cannot be told from here."},
    meaning: "The socket's mode lets only its owner and group connect, and the metadata proxy's group is not in its config.",
    mechanism: M.agent,
    releases: ALL,
  }),
  entry('AGENT_PROCESS_UNRECOGNISED', 'agent', 'info', 'no known agent command line, but the socket answers as the agent', {
    confirm: ['ps -eww -o pid,args | grep -i metadata', 'ss -xlp | grep metadata_proxy'],
    fix: {commands: ['ps -eww -o pid,args'], text: 'Information: no process has a command line of the neutron metadata agent, yet the socket answers as the agent does (a wrapper, a container runtime hiding argv, or another implementation).'},
    meaning: 'The process list holds none of the agent forms mdctl recognises, but the probe over the socket got an answer shaped like the agent\'s.',
    mechanism: M.agent,
    releases: ALL,
  }),
  entry('PROXY_NO_SERVER', 'socket', 'fail', 'haproxy cannot reach the agent socket', {
    confirm: C.socket,
    fix: {commands: ['mdctl doctor'], text: 'On the network node: the metadata agent socket is missing, refused or not writable by the haproxy user.'},
    meaning: 'The guest got haproxy\'s 503 "No server is available to handle this request.": the proxy could not connect to its backend, the agent socket.',
    mechanism: `${M.socket} ${M.haproxyPages}`,
    releases: ALL,
  }),

  // ── agent ─────────────────────────────────────────────────────────────────────────────────
  entry('AGENT_CONFIG_MISSING', 'agent', 'warn', 'metadata_agent.ini not found', {
    confirm: ['ls /etc/neutron', 'ps -eo args | grep -e neutron-metadata-agent -e neutron-ovn-metadata-agent'],
    fix: {commands: ['ls /etc/neutron'], text: 'Point doctor at the directory holding metadata_agent.ini with --neutron-config-dir (containerised deployments keep it elsewhere), or run it on the node that runs the agent.'},
    meaning: 'The agent settings could not be read; they are assumed to be the defaults.',
    mechanism: M.agentConf,
    releases: ALL,
  }),
  entry('AGENT_NOVA_METADATA_IP_OBSOLETE', 'agent', 'warn', 'only the pre-Queens nova_metadata_ip is set', {
    confirm: C.agentIni,
    fix: {commands: ['systemctl restart neutron-metadata-agent'], text: 'Rename nova_metadata_ip to nova_metadata_host in metadata_agent.ini and restart the agent.'},
    meaning: 'nova_metadata_ip was renamed nova_metadata_host; on Queens and later the agent ignores it and talks to 127.0.0.1.',
    mechanism: `${M.agentConf} The alias was deprecated in Pike (neutron 11.0.0) and removed in Queens (12.0.0).`,
    releases: 'Queens (neutron 12.0.0) and later ignore the old name.',
  }),
  entry('AGENT_NOVA_PORT_INVALID', 'agent', 'fail', 'nova_metadata_port is not a port', {
    confirm: C.agentIni,
    fix: {commands: ['crudini --set /etc/neutron/metadata_agent.ini DEFAULT nova_metadata_port 8775', 'systemctl restart neutron-metadata-agent'], text: "Set nova_metadata_port to nova's metadata_listen_port (8775 by default)."},
    meaning: 'The agent cannot build the URL of nova from this value.',
    mechanism: M.agentConf,
    releases: ALL,
  }),
  entry('AGENT_NOVA_PROTOCOL_INVALID', 'agent', 'fail', 'nova_metadata_protocol is neither http nor https', {
    confirm: C.agentIni,
    fix: {commands: ['crudini --set /etc/neutron/metadata_agent.ini DEFAULT nova_metadata_protocol http', 'systemctl restart neutron-metadata-agent'], text: 'nova_metadata_protocol must be http or https.'},
    meaning: 'oslo.config refuses the value (choices http, https): the agent does not start.',
    mechanism: M.agentConf,
    releases: ALL,
  }),
  entry('AGENT_SECRET_EMPTY', 'agent', 'warn', 'no shared secret', {
    confirm: ['crudini --get /etc/neutron/metadata_agent.ini DEFAULT metadata_proxy_shared_secret | wc -c'],
    fix: {commands: F.secret, text: 'Set the same non-empty metadata_proxy_shared_secret in metadata_agent.ini [DEFAULT] and nova.conf [neutron], then restart both services.'},
    meaning: 'The agent signs instance ids with an empty key: it works only if nova is empty too, and then anyone reaching nova can read any instance\'s metadata.',
    mechanism: `${M.secret} nova logs "metadata_proxy_shared_secret is not configured" at start when the proxy is on with an empty secret.`,
    releases: ALL,
  }),
  entry('AGENT_CONFIG_OK', 'agent', 'pass', 'metadata_agent.ini is sane', {
    confirm: C.agentIni,
    fix: none,
    meaning: 'The nova host, port and protocol are usable.',
    mechanism: M.agentConf,
    releases: ALL,
  }),
  entry('AGENT_RUNNING', 'agent', 'pass', 'the metadata agent runs', {
    confirm: ['ps -eo pid,user,args | grep -e neutron-metadata-agent -e neutron-ovn-metadata-agent -e neutron-ovn-agent'],
    fix: none,
    meaning: 'A neutron-metadata-agent (or OVN metadata agent) process runs.',
    mechanism: M.agent,
    releases: ALL,
  }),
  entry('AGENT_NOT_RUNNING', 'agent', 'fail', 'the metadata agent is not running', {
    confirm: ['ps -eo pid,user,args | grep -e neutron-metadata-agent -e neutron-ovn-metadata-agent -e neutron-ovn-agent', ...C.agentLog],
    fix: {commands: F.agentRestart, text: 'Start the metadata agent (in containerised deployments: its container) and read its log for why it stopped.'},
    meaning: 'No metadata agent process: haproxy finds no listener on the socket and answers 503.',
    mechanism: M.agent,
    releases: 'All releases; the OVN metadata agent is replaced by neutron-ovn-agent with the metadata extension from 2025.2.',
  }),
  entry('AGENT_PROBE_TIMEOUT', 'agent', 'fail', 'the agent does not answer in time', {
    confirm: ['curl -sv --max-time 10 --unix-socket /var/lib/neutron/metadata_proxy -H "X-Forwarded-For: 192.0.2.1" -H "X-Neutron-Router-ID: $ROUTER_ID" http://169.254.169.254/', ...C.agentLog],
    fix: {commands: F.agentRestart, text: 'The agent accepted the connection but is stuck (RPC to neutron-server, or all workers busy): restart it and read its log.'},
    meaning: 'A request over the socket got no answer within 5 s.',
    mechanism: `${M.agent} neutron 2025.1 and 2025.2 ignored metadata_workers (fixed in 2026.1).`,
    releases: ALL,
  }),
  entry('AGENT_NOT_ANSWERING', 'agent', 'fail', 'the agent does not accept connections', {
    confirm: ['curl -sv --max-time 10 --unix-socket /var/lib/neutron/metadata_proxy -H "X-Forwarded-For: 192.0.2.1" -H "X-Neutron-Router-ID: $ROUTER_ID" http://169.254.169.254/', ...C.agentLog],
    fix: {commands: F.agentRestart, text: 'Restart the metadata agent and read its log.'},
    meaning: 'The socket refuses connections: the agent is down or wedged.',
    mechanism: M.agent,
    releases: ALL,
  }),
  entry('AGENT_ANSWERS', 'agent', 'pass', 'the agent answers over its socket', {
    confirm: ['curl -sv --max-time 10 --unix-socket /var/lib/neutron/metadata_proxy -H "X-Forwarded-For: 192.0.2.1" -H "X-Neutron-Router-ID: $ROUTER_ID" http://169.254.169.254/'],
    fix: none,
    meaning: 'A request over the socket got an HTTP answer from the agent (a 404 for an unknown address is the expected one).',
    mechanism: M.agent,
    releases: ALL,
  }),
  entry('AGENT_ERROR', 'agent', 'fail', 'the agent fails a plain request', {
    confirm: C.agentLog,
    fix: {commands: ['journalctl -u neutron-metadata-agent -n 100'], text: 'Read the agent log around the probe time: an RPC failure to neutron-server, or an exception.'},
    meaning: 'The agent answered a plain request with an error status (500): it fails requests itself.',
    mechanism: `${M.agent} Any exception becomes 500 "An unknown error has occurred." (≤2024.x) or a closed connection (2025.1+).`,
    releases: ALL,
  }),
  entry('AGENT_NOVA_TARGET_OK', 'agent', 'pass', "the agent calls nova where it listens", {
    confirm: [...C.agentIni, ...C.nova],
    fix: none,
    meaning: "nova_metadata_host/port in metadata_agent.ini match nova.conf's metadata_listen/metadata_listen_port.",
    mechanism: `${M.agentConf} ${M.nova}`,
    releases: ALL,
  }),
  entry('AGENT_WRONG_NOVA_HOST', 'agent', 'fail', 'the agent calls nova at the wrong address', {
    confirm: [...C.agentIni, ...C.nova],
    fix: {commands: ['crudini --get /etc/nova/nova.conf DEFAULT metadata_listen_port', 'systemctl restart neutron-metadata-agent'], text: "Point nova_metadata_host / nova_metadata_port in metadata_agent.ini at nova's metadata API (or the VIP in front of it)."},
    meaning: 'The address the agent uses does not answer, while nova answers where nova.conf says it listens: guests get 503/500 from the agent.',
    mechanism: `${M.agentConf} ${M.nova}`,
    releases: ALL,
  }),
  entry('AGENT_NOVA_TARGET_DIFFERS', 'agent', 'info', "the agent calls another address than nova's", {
    confirm: [...C.agentIni, ...C.nova],
    fix: {commands: C.agentIni, text: 'Fine behind a VIP or a proxy; otherwise point the agent at nova.'},
    meaning: 'metadata_agent.ini names another host/port than nova.conf on this host listens on; without probes mdctl cannot tell whether a VIP makes that right.',
    mechanism: `${M.agentConf} ${M.nova}`,
    releases: ALL,
  }),
  entry('AGENT_NOVA_TARGET_ELSEWHERE', 'agent', 'info', 'the agent uses a nova on another host', {
    confirm: C.agentIni,
    fix: none,
    meaning: "The agent calls a nova other than this host's, and that one answers.",
    mechanism: M.agentConf,
    releases: ALL,
  }),
  entry('PROXY_BAD_GATEWAY', 'agent', 'fail', 'haproxy got no valid answer from the agent', {
    confirm: C.agentLog,
    fix: {commands: ['mdctl doctor'], text: 'On the network node: the metadata agent closed the connection without replying; read its log for the exception.'},
    meaning: 'The guest got haproxy\'s 502 "The server returned an invalid or incomplete response.".',
    mechanism: `${M.haproxyPages} The 2025.1+ agent re-raises exceptions and closes the socket without a reply.`,
    releases: 'Mostly neutron 2025.1 and later.',
  }),
  entry('AGENT_UNKNOWN_ERROR', 'any', 'info', 'the agent hit an exception, or could not reach nova (seen from the guest)', {
    confirm: ['journalctl -u neutron-metadata-agent | grep -B2 -A20 "Unexpected error"'],
    fix: {commands: ['mdctl doctor'], text: 'Read the agent log ("Unexpected error."); before 2024.2 this is also how an unreachable nova looks.'},
    meaning: 'The guest got 500 "An unknown error has occurred. Please try your request again.".',
    mechanism: `${M.haproxyPages} nova uses the same text for a failed instance lookup.`,
    releases: 'neutron up to 2024.1 for nova-down; all releases for agent exceptions.',
  }),
  entry('METADATA_500', 'any', 'info', 'HTTP 500 with an unrecognised body', {
    confirm: C.agentLog,
    fix: {commands: ['mdctl doctor'], text: 'Read the metadata agent and nova metadata logs at the time of the request.'},
    meaning: 'A 500 whose body is none of the known haproxy, agent or nova texts.',
    mechanism: M.haproxyPages,
    releases: ALL,
  }),
  entry('NOVA_MISSING_HEADERS', 'agent', 'fail', 'nova rejected the headers the agent sent', {
    confirm: ["grep -i 'is missing from request' /var/log/nova/*metadata*.log"],
    fix: {commands: ['mdctl doctor'], text: 'Something between the agent and nova drops X-Instance-ID / X-Tenant-ID / the signature (a load balancer), or nova expects X-Metadata-Provider.'},
    meaning: 'nova answered 400 "X-Instance-ID header is missing from request." (or a sibling).',
    mechanism: `${M.novaProxy} nova validates X-Instance-ID, X-Instance-ID-Signature and X-Tenant-ID in that order, each missing one giving 400.`,
    releases: ALL,
  }),
  entry('METADATA_400', 'agent', 'fail', 'HTTP 400', {
    confirm: C.guestProbe,
    fix: {commands: ['mdctl doctor'], text: 'Read the agent and nova logs: the request was malformed by the time it reached them.'},
    meaning: 'A 400 with an unrecognised body.',
    mechanism: M.haproxyPages,
    releases: ALL,
  }),

  // ── nova ──────────────────────────────────────────────────────────────────────────────────
  entry('NOVA_TIMEOUT', 'nova', 'fail', "nova's metadata API does not answer in time", {
    confirm: C.nova,
    fix: {commands: ['openstack endpoint list --service nova'], text: 'Make nova-api-metadata (or the unit serving it) answer, or point the agent at one that does.'},
    meaning: 'GET / on the host:port the agent uses timed out.',
    mechanism: M.nova,
    releases: ALL,
  }),
  entry('NOVA_UNREACHABLE', 'nova', 'fail', "nova's metadata API is unreachable", {
    confirm: C.nova,
    fix: {commands: ['openstack endpoint list --service nova'], text: 'Start nova\'s metadata API, or point nova_metadata_host/port in metadata_agent.ini at it.'},
    meaning: 'The host:port the agent uses refuses or cannot be reached; guests get 503 "The remote metadata server is temporarily unavailable" (neutron 2024.2+) or 500 (earlier).',
    mechanism: `${M.nova} ${M.agent}`,
    releases: 'All releases; the guest sees 503 from neutron 2024.2 (25.0.0), 500 before.',
  }),
  entry('NOVA_ANSWERS', 'nova', 'pass', "nova's metadata API answers", {
    confirm: C.nova,
    fix: none,
    meaning: 'GET / lists the metadata versions.',
    mechanism: M.nova,
    releases: ALL,
  }),
  entry('NOVA_BAD_RESPONSE', 'nova', 'fail', 'something else answers where nova should', {
    confirm: C.nova,
    fix: {commands: C.agentIni, text: 'Point nova_metadata_host/port at nova\'s metadata API (8775 by default), not at another service.'},
    meaning: 'GET / did not return the version list: the port belongs to another service.',
    mechanism: M.nova,
    releases: ALL,
  }),
  entry('NOVA_METADATA_PROXY_DISABLED', 'signature', 'fail', 'service_metadata_proxy is off', {
    confirm: ["crudini --get /etc/nova/nova.conf neutron service_metadata_proxy"],
    fix: {commands: ['crudini --set /etc/nova/nova.conf neutron service_metadata_proxy True', 'systemctl restart nova-api-metadata'], text: "Turn on [neutron] service_metadata_proxy and restart the service serving nova's metadata API."},
    meaning: "nova ignores the agent's X-Instance-ID and looks the instance up by the agent host's address: every guest gets 404.",
    mechanism: `${M.novaProxy} With it off nova logs "X-Instance-ID present in request headers. The 'service_metadata_proxy' option must be enabled to process this header.".`,
    releases: 'All releases ([neutron] section from Juno; [DEFAULT] service_neutron_metadata_proxy before).',
  }),
  entry('NOVA_METADATA_PROXY_ENABLED', 'signature', 'pass', 'nova trusts signed requests from the agent', {
    confirm: ["crudini --get /etc/nova/nova.conf neutron service_metadata_proxy"],
    fix: none,
    meaning: 'service_metadata_proxy is on.',
    mechanism: M.novaProxy,
    releases: ALL,
  }),
  entry('NOVA_METADATA_API_NOT_ENABLED', 'nova', 'warn', 'this nova-api does not serve metadata', {
    confirm: ["crudini --get /etc/nova/nova.conf DEFAULT enabled_apis", 'ss -lntp | grep 8775'],
    fix: {commands: ["crudini --get /etc/nova/nova.conf DEFAULT enabled_apis"], text: 'Make sure another service (nova-api-metadata, or a WSGI app) serves metadata, or add metadata to enabled_apis.'},
    meaning: 'enabled_apis does not include metadata on this host.',
    mechanism: `${M.nova} enabled_apis was removed with the eventlet servers in 2025.2 (nova 32.0.0).`,
    releases: 'Up to 2025.1 (nova 31.x); later releases serve metadata only through WSGI.',
  }),
  entry('NOVA_METADATA_API_ENABLED', 'nova', 'pass', 'nova on this host serves the metadata API', {
    confirm: ["grep -E '^enabled_apis' /etc/nova/nova.conf"],
    fix: none,
    meaning: 'enabled_apis includes metadata (or is unset, with the default osapi_compute,metadata).',
    mechanism: M.nova,
    releases: ALL,
  }),
  entry('NOVA_UNAVAILABLE', 'nova', 'fail', 'HTTP 503 passed through from nova', {
    confirm: C.nova,
    fix: {commands: ['mdctl doctor'], text: "Check nova's metadata API and the load balancer in front of it."},
    meaning: 'A 503 that is neither haproxy\'s nor the agent\'s own: nova or its load balancer answered it.',
    mechanism: `${M.haproxyPages} neutron 2024.2+ passes 502/503/504 from nova through.`,
    releases: 'neutron 2024.2 (25.0.0) and later pass it through.',
  }),
  entry('PROXY_GATEWAY_TIMEOUT', 'any', 'info', 'haproxy gave up waiting for the agent', {
    confirm: ['time curl -sS http://$NOVA_HOST:8775/', ...C.agentLog],
    fix: {commands: ['mdctl doctor'], text: "Find why nova's metadata API is slow or hanging (its workers, the database, the cell)."},
    meaning: 'haproxy answered 504 after \'timeout server\' (32 s); the agent waits up to 60 s for nova, so a slow nova shows up here.',
    mechanism: M.haproxyPages,
    releases: ALL,
  }),
  entry('NOVA_GATEWAY_TIMEOUT', 'nova', 'fail', 'HTTP 504 passed through from nova', {
    confirm: C.nova,
    fix: {commands: ['mdctl doctor'], text: "Check nova's metadata API and the load balancer in front of it."},
    meaning: 'A 504 that is not haproxy\'s own page.',
    mechanism: M.haproxyPages,
    releases: 'neutron 2024.2 (25.0.0) and later pass it through.',
  }),
  entry('NOVA_BAD_GATEWAY', 'nova', 'fail', 'HTTP 502 passed through from nova', {
    confirm: C.nova,
    fix: {commands: ['mdctl doctor'], text: "Check nova's metadata API and the load balancer in front of it."},
    meaning: 'A 502 that is not haproxy\'s own page.',
    mechanism: M.haproxyPages,
    releases: 'neutron 2024.2 (25.0.0) and later pass it through.',
  }),
  entry('NOVA_INTERNAL_ERROR', 'nova', 'fail', "nova's metadata API failed the request", {
    confirm: ["grep -i 'Failed to get metadata' /var/log/nova/*metadata*.log"],
    fix: {commands: ['mdctl doctor'], text: "Read nova-api(-metadata) logs: the instance lookup failed (database, cell mapping)."},
    meaning: 'The agent relayed nova\'s 500 ("Remote metadata server experienced an internal server error.").',
    mechanism: `${M.haproxyPages} nova answers 500 when the instance lookup raises anything but not-found.`,
    releases: ALL,
  }),

  // ── signature ─────────────────────────────────────────────────────────────────────────────
  entry('SECRET_MATCH', 'signature', 'pass', 'agent and nova secrets match', {
    confirm: F.secret,
    fix: none,
    meaning: 'The salted fingerprints of both secrets are equal.',
    mechanism: M.secret,
    releases: ALL,
  }),
  entry('SECRET_MISMATCH', 'signature', 'fail', 'agent and nova hold different secrets', {
    confirm: F.secret,
    fix: {commands: ['systemctl restart neutron-metadata-agent', 'systemctl restart nova-api-metadata'], text: 'Make metadata_agent.ini [DEFAULT] metadata_proxy_shared_secret and nova.conf [neutron] metadata_proxy_shared_secret the same string, then restart both services.'},
    meaning: 'nova recomputes a different signature and answers 403 to every guest.',
    mechanism: M.secret,
    releases: ALL,
  }),
  entry('SIGNED_PROBE_NO_ANSWER', 'signature', 'info', 'nova did not answer the signed probe', {
    confirm: C.nova,
    fix: none,
    meaning: 'The signature cannot be judged because nova did not answer (see the nova hop).',
    mechanism: M.novaProxy,
    releases: ALL,
  }),
  entry('SIGNATURE_REJECTED', 'signature', 'fail', "nova rejects the agent's signature", {
    confirm: [...F.secret, "grep 'does not match the expected' /var/log/nova/*metadata*.log"],
    fix: {commands: ['systemctl restart neutron-metadata-agent', 'systemctl restart nova-api-metadata'], text: 'Make the shared secrets equal on both sides and restart both services.'},
    meaning: 'A request signed with the agent\'s secret got 403: the shared secrets differ.',
    mechanism: M.novaProxy,
    releases: ALL,
  }),
  entry('SIGNATURE_ACCEPTED', 'signature', 'pass', "nova accepts the agent's signature", {
    confirm: C.nova,
    fix: none,
    meaning: 'A signed request for a random instance id got 404: the signature passed, only the instance is unknown.',
    mechanism: M.novaProxy,
    releases: ALL,
  }),
  entry('SIGNED_PROBE_400', 'signature', 'warn', 'nova refused the probe headers', {
    confirm: ["grep -i 'is missing from request' /var/log/nova/*metadata*.log"],
    fix: {commands: ["grep -i 'is missing from request' /var/log/nova/*metadata*.log"], text: "Read nova's metadata log: it wants headers the probe did not send (X-Metadata-Provider deployments)."},
    meaning: 'nova answered 400 to the signed probe.',
    mechanism: M.novaProxy,
    releases: ALL,
  }),
  entry('SIGNED_PROBE_INCONCLUSIVE', 'signature', 'info', 'signed probe inconclusive', {
    confirm: C.nova,
    fix: none,
    meaning: 'The signed probe got a status that neither accepts nor rejects the signature.',
    mechanism: M.novaProxy,
    releases: ALL,
  }),
  entry('SIGNATURE_MISMATCH', 'signature', 'fail', 'nova rejected the signature (seen from the guest)', {
    confirm: [...F.secret, "grep 'does not match the expected' /var/log/nova/*metadata*.log"],
    fix: {commands: ['mdctl doctor'], text: 'On the network node and the controller: make metadata_proxy_shared_secret equal in metadata_agent.ini and nova.conf [neutron].'},
    meaning: 'The guest got 403 "Invalid proxy request signature." or the agent\'s relayed "Access was denied to this resource.".',
    mechanism: M.novaProxy,
    releases: ALL,
  }),
  entry('METADATA_403', 'any', 'info', 'HTTP 403 with an unrecognised body', {
    confirm: F.secret,
    fix: {commands: ['mdctl doctor'], text: 'nova answers 403 only for a bad signature: compare the shared secrets.'},
    meaning: 'A 403 whose body is none of the known texts.',
    mechanism: M.novaProxy,
    releases: ALL,
  }),

  // ── instance ──────────────────────────────────────────────────────────────────────────────
  entry('INSTANCE_FOUND', 'instance', 'pass', 'the guest IP resolves to its instance', {
    confirm: ['openstack port list --fixed-ip ip-address=$GUEST_IP --long'],
    fix: none,
    meaning: 'The agent mapped the address to one instance and nova served its metadata.',
    mechanism: M.instance,
    releases: ALL,
  }),
  entry('INSTANCE_NOT_FOUND', 'instance', 'fail', 'the guest IP does not resolve to one instance', {
    confirm: ['openstack port list --fixed-ip ip-address=$GUEST_IP --long', "grep -e 'No port found' -e 'not found on' /var/log/neutron/*metadata*.log"],
    fix: {commands: ['openstack port list --fixed-ip ip-address=$GUEST_IP --long'], text: "Exactly one port must hold the guest's fixed IP on a network behind the router (allowed-address-pair IPs do not count), and its project must be the instance's."},
    meaning: 'The agent found no single port for the source address, or nova found no instance / the project did not match: 404.',
    mechanism: M.instance,
    releases: 'All releases; the "Instance was not found on …" body from neutron 2025.1.',
  }),
  entry('INSTANCE_PROBE_NO_ANSWER', 'instance', 'info', 'the lookup probe got no answer', {
    confirm: C.agentLog,
    fix: none,
    meaning: 'The agent did not answer the lookup probe; the agent hop explains why.',
    mechanism: M.agent,
    releases: ALL,
  }),
  entry('INSTANCE_PROBE_OTHER', 'instance', 'info', 'the lookup ended with another status', {
    confirm: C.agentLog,
    fix: none,
    meaning: 'The lookup probe ended with a status the earlier hops explain.',
    mechanism: M.agent,
    releases: ALL,
  }),
  entry('PROBE_OK', 'instance', 'pass', 'the guest gets its metadata', {
    confirm: C.guestProbe,
    fix: none,
    meaning: 'The probe from the guest got 200.',
    mechanism: M.probe,
    releases: ALL,
  }),
  entry('METADATA_OK', 'instance', 'pass', 'the metadata service answered 200', {
    confirm: C.guestProbe,
    fix: none,
    meaning: 'A 200 from the metadata path.',
    mechanism: M.probe,
    releases: ALL,
  }),
  entry('GUEST_CONFIG_DRIVE', 'instance', 'info', 'a config drive is attached', {
    confirm: ['blkid -t LABEL=config-2'],
    fix: none,
    meaning: 'cloud-init reads the config drive (config-2) and may never ask the metadata service.',
    mechanism: M.cloudInit,
    releases: ALL,
  }),
  entry('CLOUD_INIT_NO_METADATA', 'instance', 'warn', 'cloud-init found no metadata service at boot', {
    confirm: ['grep -n -e "failed \\[" -e "No active metadata service" /var/log/cloud-init.log | tail'],
    fix: {commands: ['cloud-init clean --logs', 'cloud-init init'], text: 'Fix the hop named by the live probe, then re-run cloud-init.'},
    meaning: 'cloud-init gave up on the metadata service at boot; the hop is guessed from the last failure reason.',
    mechanism: M.cloudInit,
    releases: 'All cloud-init releases.',
  }),
  entry('CLOUD_INIT_RETRIES', 'instance', 'info', 'cloud-init retried before it got metadata', {
    confirm: ['grep -n "failed \\[" /var/log/cloud-init.log | tail'],
    fix: none,
    meaning: 'Some calls failed at boot before one succeeded.',
    mechanism: M.cloudInit,
    releases: 'All cloud-init releases.',
  }),
  entry('CLOUD_INIT_DATASOURCE', 'instance', 'info', "cloud-init's datasource", {
    confirm: ['cloud-id', 'grep -n "Using metadata source" /var/log/cloud-init.log'],
    fix: none,
    meaning: 'Which datasource cloud-init used.',
    mechanism: M.cloudInit,
    releases: 'All cloud-init releases.',
  }),
  entry('NOT_EVALUATED', 'any', 'info', 'a subject could not be judged', {
    confirm: ['mdctl doctor --verbose'],
    fix: none,
    meaning: 'A check ran, but for this one subject the evidence was missing or unusable; the summary says what is missing. The finding names the hop of the check that could not judge it.',
    mechanism: 'mdctl never guesses a failure: evidence that is missing, unreadable or masked makes a subject not evaluated.',
    releases: ALL,
  }),
  // ── ML2/OVN: the chassis, its Southbound rows and the ovnmeta namespace ─────────────────────
  entry('AGENT_NOT_LISTENING', 'agent', 'fail', "the OVN metadata agent runs but does not listen", {
    confirm: ["ss -xlp | grep metadata_proxy", "ps -eww -o pid,args | grep ovn-metadata"],
    fix: {commands: ["journalctl -u neutron-ovn-metadata-agent -n 50", "systemctl restart neutron-ovn-metadata-agent"], text: "Read the agent log for its OVS/Southbound connection errors, fix them, restart the agent."},
    meaning: "The OVN metadata agent process runs, but nothing listens on its unix socket: it starts its metadata server only after it reached the local OVS DB and the Southbound DB.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_DHCP_NOT_OFFERED', 'dhcp-route', 'info', "no OVN DHCP options for the network", {
    confirm: ["ovn-sbctl --columns=logical_datapath,actions find Logical_Flow external_ids:stage-name=ls_in_dhcp_options"],
    fix: {commands: [], text: "Information: with OVN DHCP off, the guest needs its metadata route from elsewhere (config drive, a static route)."},
    meaning: "The Southbound has no put_dhcp_opts logical flow for this network: OVN does not serve DHCP on it (DHCP off, or another server).",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_DHCP_ROUTE_MISSING', 'dhcp-route', 'fail', "OVN DHCP hands out no 169.254.169.254 route", {
    confirm: ["ovn-sbctl --columns=logical_datapath,actions find Logical_Flow external_ids:stage-name=ls_in_dhcp_options"],
    fix: {commands: ["openstack subnet show $SUBNET_ID", "ovn-nbctl list DHCP_Options"], text: "neutron-server writes the route into the NB DHCP_Options when the subnet has a metadata port: resync the network (or re-create the subnet's DHCP options) from neutron."},
    meaning: "The subnet's DHCP options (put_dhcp_opts in the Southbound logical flows) carry no classless_static_route with 169.254.169.254/32: guests send metadata requests to their gateway.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_DHCP_ROUTE_WRONG_HOP', 'dhcp-route', 'fail', "the OVN DHCP route points elsewhere", {
    confirm: ["ovn-nbctl list DHCP_Options"],
    fix: {commands: ["openstack port list --device-owner network:distributed --network $NETWORK_ID"], text: "Resync the network from neutron so the route points at the metadata port's address."},
    meaning: "classless_static_route sends 169.254.169.254/32 to an address that is not the network's metadata port IP.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_DHCP_ROUTE_OFFERED', 'dhcp-route', 'pass', "OVN DHCP hands out the metadata route", {
    confirm: ["ovn-sbctl find Logical_Flow external_ids:stage-name=ls_in_dhcp_options"],
    fix: none,
    meaning: "put_dhcp_opts carries 169.254.169.254/32 via the metadata port's IP.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_INSTANCE_PORT_NOT_FOUND', 'instance', 'fail', "no Southbound port holds the guest address", {
    confirm: ["ovn-sbctl --columns=logical_port,external_ids list Port_Binding"],
    fix: {commands: ["openstack port list --fixed-ip ip-address=$GUEST_IP"], text: "Check the guest's port and fixed IP in neutron (allowed-address-pairs are not looked up)."},
    meaning: "No Port_Binding of the network has the address in neutron:cidrs: the OVN agent answers 404 for it.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_INSTANCE_PORT_DUPLICATE', 'instance', 'fail', "several Southbound ports hold the guest address", {
    confirm: ["ovn-sbctl --columns=logical_port,external_ids list Port_Binding"],
    fix: {commands: ["openstack port list --fixed-ip ip-address=$GUEST_IP"], text: "Remove the stale port holding the same address."},
    meaning: "More than one Port_Binding of the network lists the address: the agent cannot pick one.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_INSTANCE_PORT_INCOMPLETE', 'instance', 'fail', "the guest's port lacks device or project id", {
    confirm: ["ovn-sbctl --columns=logical_port,external_ids list Port_Binding"],
    fix: {commands: ["openstack port show $PORT_ID"], text: "Resync the port from neutron (its external_ids come from neutron-server)."},
    meaning: "The Port_Binding holding the address has no neutron:device_id or neutron:project_id: the agent answers 500 or 404.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_INSTANCE_PORT_FOUND', 'instance', 'pass', "the guest address resolves to one instance", {
    confirm: ["ovn-sbctl --columns=logical_port,external_ids list Port_Binding"],
    fix: none,
    meaning: "One Port_Binding holds the address, with its device and project ids, as the agent looks it up.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_LOG_SB_UNREACHABLE', 'agent', 'info', "agent log: Southbound unreachable", {
    confirm: ["tail -n 100 /var/log/neutron/neutron-ovn-metadata-agent.log"],
    fix: {commands: ["grep -n ovn_sb_connection /etc/neutron/neutron_ovn_metadata_agent.ini"], text: "Check ovn_sb_connection and the SSL files in the agent config, and that the Southbound answers from here."},
    meaning: "The agent log has \"Unable to open stream to \u2026 to retrieve schema\": it cannot reach the Southbound DB.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_LOG_FORBIDDEN', 'signature', 'info', "agent log: nova answered Forbidden", {
    confirm: ["tail -n 100 /var/log/neutron/neutron-ovn-metadata-agent.log"],
    fix: {commands: ["mdctl doctor"], text: "Compare the shared secrets (mdctl doctor on the agent's and nova's hosts)."},
    meaning: "The agent log has \"The remote metadata server responded with Forbidden\": nova refused the signature.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_LOG_NO_PORT', 'instance', 'info', "agent log: no port for a requesting address", {
    confirm: ["tail -n 100 /var/log/neutron/neutron-ovn-metadata-agent.log"],
    fix: {commands: ["openstack port list --network $NETWORK_ID"], text: "Check the guest's port and fixed IP in neutron."},
    meaning: "The agent log has \"No port found in network \u2026 with IP address\": a request came from an address no bound port holds.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_LOG_PROXY_RESPAWN', 'proxy', 'info', "agent log: haproxy respawned", {
    confirm: ["tail -n 100 /var/log/neutron/neutron-ovn-metadata-agent.log"],
    fix: {commands: ["journalctl -t haproxy-metadata-proxy -n 50"], text: "Information: find why haproxy died (its log goes to syslog)."},
    meaning: "The agent log shows its process monitor finding haproxy dead and respawning it.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_LOG_BRIDGE_MISSING', 'agent', 'info', "agent log: the OVN bridge is missing", {
    confirm: ["tail -n 100 /var/log/neutron/neutron-ovn-metadata-agent.log"],
    fix: {commands: ["ovs-vsctl get Open_vSwitch . external_ids:ovn-bridge"], text: "Create the integration bridge or fix ovn-bridge in the local Open_vSwitch row."},
    meaning: "The agent log has \"Configured OVN bridge \u2026 cannot be found in the system\".",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_AGENT_LOG_ABSENT', 'agent', 'info', "the OVN agent log was not found", {
    confirm: ["ls -l /var/log/neutron/"],
    fix: {commands: ["journalctl -u neutron-ovn-metadata-agent -n 100"], text: "Information: read the journal instead."},
    meaning: "No agent log file could be read here (journal-only deployments).",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_AGENT_LOG_CLEAN', 'agent', 'pass', "the OVN agent log shows no known failure", {
    confirm: ["tail -n 100 /var/log/neutron/neutron-ovn-metadata-agent.log"],
    fix: none,
    meaning: "None of the known failure lines appear in the last megabyte of the agent log.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_NO_LOCAL_PORTS', 'namespace', 'info', "no VM port is bound to this chassis", {
    confirm: ["ovn-sbctl --columns=logical_port,chassis list Port_Binding"],
    fix: {commands: [], text: "Information: run doctor on the chassis hosting the guest."},
    meaning: "No Port_Binding of a VM is bound here, so no ovnmeta namespace is expected on this chassis.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_METADATA_PORT_MISSING', 'namespace', 'fail', "the network has no metadata localport", {
    confirm: ["ovn-sbctl find Port_Binding type=localport"],
    fix: {commands: ["openstack port list --device-owner network:distributed --network $NETWORK_ID"], text: "neutron-server creates the metadata port per network: resync the network (neutron-ovn-db-sync-util, or re-enable DHCP on a subnet)."},
    meaning: "No localport with neutron:device_owner network:distributed exists for the network: the agent tears its namespace down and nothing serves metadata.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_METADATA_PORT_INCOMPLETE', 'namespace', 'fail', "the metadata localport has no address", {
    confirm: ["ovn-sbctl find Port_Binding type=localport"],
    fix: {commands: ["openstack port list --device-owner network:distributed --network $NETWORK_ID"], text: "Resync the metadata port from neutron."},
    meaning: "The metadata localport lacks neutron:cidrs or a MAC: the agent cannot configure its namespace.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_METADATA_PORT_OK', 'namespace', 'pass', "the metadata localport is there", {
    confirm: ["ovn-sbctl find Port_Binding type=localport"],
    fix: none,
    meaning: "The network's metadata localport exists with its addresses.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_NAMESPACE_PRESENT', 'namespace', 'pass', "the ovnmeta namespace exists", {
    confirm: ["ip netns list"],
    fix: none,
    meaning: "ovnmeta-<network> exists on this chassis for a network with a VM port bound here.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_NAMESPACE_MISSING', 'namespace', 'fail', "the ovnmeta namespace is missing", {
    confirm: ["ip netns list"],
    fix: {commands: ["systemctl restart neutron-ovn-metadata-agent", "journalctl -u neutron-ovn-metadata-agent -n 50"], text: "Restart the OVN metadata agent (it provisions every network with a bound port) and read its log."},
    meaning: "A VM port of the network is bound here but there is no ovnmeta-<network> namespace: the agent did not provision metadata for it.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_NAMESPACE_STALE', 'namespace', 'warn', "an ovnmeta namespace no port needs", {
    confirm: ["ip netns list"],
    fix: {commands: ["systemctl restart neutron-ovn-metadata-agent"], text: "Restart the agent (it removes namespaces it does not need), or delete the namespace."},
    meaning: "ovnmeta-<network> exists but no VM port of that network is bound here: a leftover the agent normally cleans up.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_VETH_UNPLUGGED', 'intercept', 'fail', "the namespace veth is not on br-int", {
    confirm: ["ovs-vsctl list-ports br-int"],
    fix: {commands: ["systemctl restart neutron-ovn-metadata-agent", "ovs-vsctl list-ports br-int"], text: "Restart the agent so it re-plugs the veth, or add the port back to br-int."},
    meaning: "The br-int side of the ovnmeta veth is not an interface of the integration bridge: guest requests never reach the namespace.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_VETH_IFACE_ID', 'intercept', 'fail', "the veth iface-id is not the metadata port", {
    confirm: ["ovs-vsctl --columns=name,external_ids list Interface"],
    fix: {commands: ["systemctl restart neutron-ovn-metadata-agent"], text: "Restart the agent so it re-creates the veth with the right iface-id."},
    meaning: "The br-int side of the veth has an external_ids:iface-id other than the metadata localport: OVN does not bind it.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_VETH_ADDRESS_MISSING', 'intercept', 'fail', "169.254.169.254 or the port IP is not in the namespace", {
    confirm: ["ip netns exec ovnmeta-$NETWORK_ID ip addr"],
    fix: {commands: ["systemctl restart neutron-ovn-metadata-agent"], text: "Restart the agent so it re-provisions the namespace."},
    meaning: "The namespace side of the veth lacks 169.254.169.254/32 or the metadata port's IP.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_VETH_OK', 'intercept', 'pass', "the namespace veth is plugged and addressed", {
    confirm: ["ip netns exec ovnmeta-$NETWORK_ID ip addr"],
    fix: none,
    meaning: "br-int side with the localport iface-id, namespace side with 169.254.169.254/32 and the port IP.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_CHECKSUM_NOT_NEEDED', 'intercept', 'info', "no checksum rule needed (kernel datapath)", {
    confirm: ["ovs-vsctl get Bridge br-int datapath_type"],
    fix: {commands: [], text: "Information only."},
    meaning: "br-int uses the kernel datapath: no CHECKSUM --checksum-fill rule is needed in the namespace.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_CHECKSUM_FILL', 'intercept', 'pass', "the checksum-fill rule is there (netdev datapath)", {
    confirm: ["ip netns exec ovnmeta-$NETWORK_ID iptables-save -t mangle"],
    fix: none,
    meaning: "On a netdev datapath the agent adds the mangle POSTROUTING CHECKSUM --checksum-fill rule, and it is present.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_CHECKSUM_FILL_MISSING', 'intercept', 'fail', "the checksum-fill rule is missing (netdev datapath)", {
    confirm: ["ip netns exec ovnmeta-$NETWORK_ID iptables-save -t mangle"],
    fix: {commands: ["systemctl restart neutron-ovn-metadata-agent"], text: "Restart the agent (it adds the rule for netdev datapaths)."},
    meaning: "On a netdev (userspace) datapath, replies from the namespace carry bad TCP checksums without the CHECKSUM --checksum-fill rule: guests time out.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_SB_ANSWERS', 'agent', 'pass', "the Southbound DB answers", {
    confirm: ["ovn-sbctl --db=$OVN_SB_CONNECTION show"],
    fix: none,
    meaning: "ovn-sbctl with the agent's own connection settings reads the Southbound DB.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_SB_UNREACHABLE', 'agent', 'fail', "the Southbound DB does not answer", {
    confirm: ["ovn-sbctl --db=$OVN_SB_CONNECTION show"],
    fix: {commands: ["systemctl restart neutron-ovn-metadata-agent"], text: "Fix ovn_sb_connection (and its SSL key/cert/CA) in the agent config, or the Southbound DB service, then restart the agent."},
    meaning: "ovn-sbctl with the agent's ovn_sb_connection and SSL files cannot read the Southbound DB: the agent cannot resolve ports or register.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVS_SYSTEM_ID_MISSING', 'agent', 'fail', "the local OVS has no system-id", {
    confirm: ["ovs-vsctl get Open_vSwitch . external_ids"],
    fix: {commands: ["ovs-vsctl get Open_vSwitch . external_ids"], text: "Set external_ids:system-id on the local Open_vSwitch row (the deployment tool normally does) and restart ovn-controller."},
    meaning: "The local Open_vSwitch row has no external_ids:system-id: ovn-controller and the agent cannot name this chassis.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_CHASSIS_NOT_REGISTERED', 'agent', 'fail', "this chassis is not in the Southbound", {
    confirm: ["ovn-sbctl list Chassis"],
    fix: {commands: ["systemctl restart ovn-controller"], text: "Start ovn-controller and check ovn-remote."},
    meaning: "No Chassis row carries this host's system-id: ovn-controller is not running or cannot reach the Southbound.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_AGENT_NOT_REGISTERED', 'agent', 'fail', "the metadata agent is not registered", {
    confirm: ["ovn-sbctl list Chassis_Private"],
    fix: {commands: ["systemctl restart neutron-ovn-metadata-agent", "journalctl -u neutron-ovn-metadata-agent -n 50"], text: "Start the OVN metadata agent and read its log."},
    meaning: "This chassis's Chassis_Private has no neutron:ovn-metadata-id: the OVN metadata agent never registered (not running, or cannot reach the Southbound).",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_AGENT_SB_CFG_BEHIND', 'agent', 'warn', "the agent is not keeping up with nb_cfg", {
    confirm: ["ovn-sbctl list Chassis_Private", "ovn-sbctl get SB_Global . nb_cfg"],
    fix: {commands: ["systemctl restart neutron-ovn-metadata-agent"], text: "Check the agent is running and connected; restart it if it is stuck."},
    meaning: "neutron:ovn-metadata-sb-cfg lags the Southbound nb_cfg: neutron-server sees the agent as dead (its liveness signal).",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_AGENT_REGISTERED', 'agent', 'pass', "the metadata agent is registered and alive", {
    confirm: ["ovn-sbctl list Chassis_Private"],
    fix: none,
    meaning: "Chassis_Private carries neutron:ovn-metadata-id and a current neutron:ovn-metadata-sb-cfg.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVS_OVN_SETTINGS_MISSING', 'agent', 'warn', "the local OVS lacks OVN settings", {
    confirm: ["ovs-vsctl get Open_vSwitch . external_ids"],
    fix: {commands: ["ovs-vsctl get Open_vSwitch . external_ids"], text: "Set the missing external_ids (the deployment tool normally does) and restart ovn-controller."},
    meaning: "The local Open_vSwitch row lacks ovn-remote, ovn-encap-type or ovn-encap-ip.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVN_BRIDGE_MISSING', 'agent', 'fail', "the OVN integration bridge is missing", {
    confirm: ["ovs-vsctl list-br"],
    fix: {commands: ["ovs-vsctl add-br br-int", "systemctl restart ovn-controller"], text: "Create the bridge (ovn-controller creates br-int when allowed) and restart the agent."},
    meaning: "The bridge named by ovn-bridge (br-int by default) does not exist: nothing plugs guests or the metadata veth.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
  entry('OVS_OVN_SETTINGS_OK', 'agent', 'pass', "the local OVS carries the OVN settings", {
    confirm: ["ovs-vsctl get Open_vSwitch . external_ids"],
    fix: none,
    meaning: "system-id, ovn-bridge, ovn-remote and ovn-encap-* are set.",
    mechanism: M.ovn,
    releases: OVN_RELEASES,
  }),
]
