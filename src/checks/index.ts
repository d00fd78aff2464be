import type {Check} from '../engine/check.js'
import type {NodeModel} from '../model/node-model.js'
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
