import type {Check} from '../engine/check.js'
import {hopIndex} from '../hops.js'
import type {NodeModel} from '../model/node-model.js'
import {ovnAgentLog, ovnDhcpRoute, ovnInstancePort} from './ovn/dhcp-instance.js'
import {ovnChecksumFill, ovnMetadataPort, ovnNamespace, ovnVeth} from './ovn/network.js'
import {ovnChassisRegistered, ovnSbReachable, ovsOvnSettings} from './ovn/southbound.js'
import {agentConfig, agentNovaTarget, agentProbe, agentProcess} from './node/agent.js'
import {dhcpMetadataOptions, dhcpOptsRoute, l3MetadataProxy} from './node/dhcp-route.js'
import {instanceLookup} from './node/instance.js'
import {dhcpMetadataAddress, routerMark, routerRedirect} from './node/intercept.js'
import {namespacePresent, orphanProxyConfig} from './node/namespace.js'
import {novaConfig, novaReachable} from './node/nova.js'
import {proxyConfig, proxyListener, proxyPidfile, proxyProcess} from './node/proxy.js'
import {novaServiceMetadataProxy, secretFingerprint, signedProbe} from './node/signature.js'
import {socketFile, socketListener, socketPathAgreement} from './node/socket.js'

/** Network-node checks, in path order. Explicit: adding a check means adding it here. */
export const NODE_CHECKS: ReadonlyArray<Check<NodeModel>> = [
  // dhcp-route: what DHCP hands out
  dhcpMetadataOptions,
  dhcpOptsRoute,
  // namespace
  namespacePresent,
  orphanProxyConfig,
  // intercept: whether routers serve metadata at all, router iptables, DHCP/OVN address
  l3MetadataProxy,
  routerRedirect,
  routerMark,
  dhcpMetadataAddress,
  // proxy: listener, process, config, pid file
  proxyListener,
  proxyProcess,
  proxyConfig,
  proxyPidfile,
  // socket: path agreement, file, listener
  socketPathAgreement,
  socketFile,
  socketListener,
  // agent
  agentConfig,
  agentProcess,
  agentProbe,
  agentNovaTarget,
  // nova
  novaReachable,
  novaConfig,
  // signature
  novaServiceMetadataProxy,
  secretFingerprint,
  signedProbe,
  // instance
  instanceLookup,
]

/**
 * What an OVN chassis adds, in path order: OVN DHCP, the metadata localport and namespace, the
 * veth and checksum rule, the agent's SB registration and log, the SB instance lookup.
 */
export const OVN_CHECKS: ReadonlyArray<Check<NodeModel>> = [
  ovnDhcpRoute,
  ovnMetadataPort,
  ovnNamespace,
  ovnVeth,
  ovnChecksumFill,
  ovnSbReachable,
  ovnChassisRegistered,
  ovsOvnSettings,
  ovnAgentLog,
  ovnInstancePort,
]

/** The node checks for this model: on an OVN chassis the OVN ones join, each at its hop's place. */
export function nodeChecksFor(m: NodeModel): ReadonlyArray<Check<NodeModel>> {
  if (!m.ovn) return NODE_CHECKS
  return [...NODE_CHECKS, ...OVN_CHECKS].map((c, i) => ({c, i})).sort((a, b) => hopIndex(a.c.hop) - hopIndex(b.c.hop) || a.i - b.i).map((x) => x.c)
}
