/**
 * mdctl lab: the OpenStack metadata path (guest, DHCP, router, haproxy, agent, nova) rebuilt in
 * network namespaces on one Linux host, with named faults.
 *
 *   const lab = await labUp({scenario: 'redirect-missing', stateDir: '/tmp/lab'})
 *   // lab.namespaces.guest, lab.addresses.guest, lab.commands.doctor, lab.expectedHop ...
 *   await labDown({stateDir: '/tmp/lab'})      // {removed: [...]}
 *
 * Needs root and iproute2, iptables, haproxy, dnsmasq, dhclient, nsenter (+ sshd with ssh).
 */
export {labUp, type LabUpOptions} from './up.js'
export {labDown, type LabDownOptions} from './down.js'
export {labStatus, type LabStatus} from './status.js'
export {labInfo, type LabInfo} from './info.js'
export {SCENARIOS, DEFAULT_SCENARIO, findScenario, resolveSpec, type Scenario, type LabSpec, type LabPath} from './scenarios.js'
export {LabError} from './errors.js'
export {
  DEFAULT_STATE_DIR,
  GUEST_NETNS,
  NET_NETNS,
  HOST_LINK,
  LAB_UUID_PREFIX,
  SUBNET_CIDR,
  GATEWAY_IP,
  DHCP_PORT_IP,
  GUEST_IP,
  isLabNetns,
} from './plan.js'
export {LAB_TOOLS, SSH_TOOLS, missingTools} from './preflight.js'
