// From the validated config to each component's start options (shared by the in-process and the
// worker-thread stack).
import type {AgentOptions} from './agent.js'
import type {ApiOptions} from './api.js'
import type {ReferenceConfig} from './config.js'
import type {LogSink} from './log.js'
import type {ProxyOptions} from './proxy.js'

type Logging = {log?: LogSink | false}

export const apiOptions = (c: ReferenceConfig, l: Logging = {}): ApiOptions => ({
  dhcpDomain: c.api.dhcpDomain,
  echoHeaders: c.api.echoHeaders,
  faults: c.api.faults,
  instances: c.instances,
  listen: c.api.listen,
  log: l.log,
  logLevel: c.log,
  maxBodyBytes: c.api.maxBodyBytes,
  secret: c.api.secret ?? c.secret,
  serviceMetadataProxy: c.api.serviceMetadataProxy,
  vendorData: c.api.vendorData,
  vendordataProviders: c.api.vendordataProviders,
})

/** `apiAddress`: where the api really listens, when api.listen asked for port 0. */
export function agentOptions(c: ReferenceConfig, l: Logging = {}, apiAddress?: string): AgentOptions {
  const apiPort = /:0$/.test(c.api.listen) && apiAddress ? Number(/:(\d+)$/.exec(apiAddress)?.[1]) : undefined
  return {
    faults: c.agent.faults,
    instances: c.instances,
    log: l.log,
    logLevel: c.log,
    maxBodyBytes: c.agent.maxBodyBytes,
    novaHost: c.agent.novaHost,
    novaPort: apiPort ?? c.agent.novaPort,
    novaTimeoutMs: c.agent.novaTimeoutMs,
    secret: c.agent.secret ?? c.secret,
    socket: c.agent.socket,
    socketMode: c.agent.socketMode,
  }
}

export const proxyOptions = (c: ReferenceConfig, l: Logging = {}): ProxyOptions => ({
  faults: c.proxy.faults,
  keepAliveTimeoutMs: c.proxy.keepAliveTimeoutMs,
  listen: c.proxy.listen,
  log: l.log,
  logLevel: c.log,
  maxBodyBytes: c.proxy.maxBodyBytes,
  networkId: c.proxy.networkId,
  routerId: c.proxy.routerId,
  socket: c.proxy.socket,
  timeoutClientMs: c.proxy.timeoutClientMs,
  timeoutHttpRequestMs: c.proxy.timeoutHttpRequestMs,
  timeoutServerMs: c.proxy.timeoutServerMs,
})
