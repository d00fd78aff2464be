/**
 * mdctl's reference metadata stack: a proxy, an agent and an API that behave like neutron's
 * haproxy metadata proxy, neutron-metadata-agent (2025.1+) and nova's metadata API.
 *
 *   guest/curl ──TCP──> proxy ──unix socket──> agent ──TCP──> api
 *
 * Programmatic use (tests, the lab):
 *
 *   const config = await loadReferenceConfig('ref.json')   // or parseReferenceConfig({...})
 *   const stack = await startStack(config)                 // api, agent, proxy in one process
 *   // stack.address = proxy HOST:PORT; stack.api.address; stack.agent.address = socket path
 *   await stack.close()                                    // stops all three, removes the socket
 *
 * or one component at a time, each resolving to {address, close()}:
 *
 *   startApi({listen: '127.0.0.1:0', secret, instances})
 *   startAgent({socket, secret, instances, novaHost, novaPort})
 *   startProxy({listen: '127.0.0.1:0', socket, routerId})
 *
 * Faults (`parseFault('status=500', 'api', where)` or config strings): delay=MS, status=CODE,
 * drop-header=NAME, wrong-secret, close, refuse. Logs are JSON lines (default: stderr, batched;
 * call `flushLogs()` before exiting); pass `log: (line) => …` to capture them or `log: false` to
 * silence. No secret is ever logged or returned; `signInstanceId(secret, id)` is neutron's HMAC
 * for probes and tests; `renderNeutronHaproxyConfig` writes the haproxy config neutron would.
 */
export {startAgent, type AgentOptions} from './agent.js'
export {startApi, type ApiOptions} from './api.js'
export {startProxy, type ProxyOptions} from './proxy.js'
export {startStack, type RunningStack, type StackOptions} from './stack.js'
export type {RunningServer} from './running.js'
export {
  loadReferenceConfig,
  parseReferenceConfig,
  defaultSocketPath,
  type ReferenceConfig,
  type ProxyConfig,
  type AgentConfig,
  type ApiConfig,
} from './config.js'
export type {InstanceSpec} from './instance.js'
export {ReferenceConfigError} from './errors.js'
export {parseFault, parseFaultFlag, formatFault, type Fault, type Component} from './faults.js'
export {signInstanceId} from './signature.js'
export {flushLogs, type LogSink, type LogLevel} from './log.js'
export {renderNeutronHaproxyConfig, type NeutronHaproxyOptions} from '../lib/neutron-haproxy-template.js'
