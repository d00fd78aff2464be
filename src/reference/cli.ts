// What the `reference` commands share: flag overrides on top of the config file, and running
// until SIGINT/SIGTERM.
import type {ReferenceConfig} from './config.js'
import {ReferenceConfigError} from './errors.js'
import {type Component, parseFaultFlag} from './faults.js'
import {parseListenAddress} from './listen-address.js'
import {flushLogs, LOG_LEVELS, type LogLevel} from './log.js'
import type {RunningServer} from './running.js'

export interface ReferenceFlags {
  proxyListen?: string
  apiListen?: string
  socket?: string
  routerId?: string
  networkId?: string
  echoHeaders?: boolean
  faults?: string[]
  log?: string
}

/** The config with flags applied (flags win). `only`: the component a single-component command runs. */
export function applyFlags(config: ReferenceConfig, f: ReferenceFlags, only?: Component): ReferenceConfig {
  const c: ReferenceConfig = {
    ...config,
    agent: {...config.agent, faults: [...config.agent.faults]},
    api: {...config.api, faults: [...config.api.faults]},
    proxy: {...config.proxy, faults: [...config.proxy.faults]},
  }
  if (f.proxyListen !== undefined) {
    parseListenAddress(f.proxyListen, '--listen')
    c.proxy.listen = f.proxyListen
  }
  if (f.apiListen !== undefined) {
    parseListenAddress(f.apiListen, only ? '--listen' : '--api-listen')
    c.api.listen = f.apiListen
  }
  if (f.socket !== undefined) {
    if (!f.socket.startsWith('/')) throw new ReferenceConfigError('--socket: must be an absolute path')
    c.agent.socket = f.socket
    c.proxy.socket = f.socket
  }
  if (f.routerId !== undefined && f.networkId !== undefined) throw new ReferenceConfigError('--router-id and --network-id: give one, not both')
  if (f.routerId !== undefined) c.proxy = {...c.proxy, networkId: undefined, routerId: f.routerId}
  if (f.networkId !== undefined) c.proxy = {...c.proxy, networkId: f.networkId, routerId: undefined}
  if (f.echoHeaders) c.api.echoHeaders = true
  if (f.log !== undefined) {
    if (!LOG_LEVELS.includes(f.log as LogLevel)) throw new ReferenceConfigError(`--log: must be one of ${LOG_LEVELS.join(', ')}`)
    c.log = f.log as LogLevel
  }
  for (const spec of f.faults ?? []) {
    const {component, fault} = parseFaultFlag(spec, only)
    c[component].faults.push(fault)
  }
  return c
}

/**
 * Serve until SIGINT or SIGTERM (resolves with the signal's name) or until `failed` settles
 * (throws its reason); either way close everything and flush the logs first.
 */
export async function serveUntilSignal(server: RunningServer, failed?: Promise<string>): Promise<string> {
  let onInt = (): void => {}
  let onTerm = (): void => {}
  const signal = new Promise<string>((resolve) => {
    onInt = () => resolve('SIGINT')
    onTerm = () => resolve('SIGTERM')
    process.once('SIGINT', onInt)
    process.once('SIGTERM', onTerm)
  })
  const outcome = await Promise.race([signal.then((s) => ({s})), ...(failed ? [failed.then((f) => ({f}))] : [])])
  process.off('SIGINT', onInt)
  process.off('SIGTERM', onTerm)
  await server.close()
  flushLogs()
  if ('f' in outcome) throw new Error(outcome.f)
  return outcome.s
}

/** A start failure as one line: config problems as they are, listen errors named. */
export function startErrorMessage(error: unknown): string {
  const e = error as NodeJS.ErrnoException & {address?: string; port?: number}
  if (error instanceof ReferenceConfigError) return e.message
  const where = e.address ? `${e.address}${e.port !== undefined ? `:${e.port}` : ''}` : ''
  switch (e.code) {
    case 'EADDRINUSE':
      return `${where}: address already in use`
    case 'EADDRNOTAVAIL':
      return `${where}: address not available on this host (inside a namespace? add it to an interface first)`
    case 'EACCES':
      return `${where || e.path || ''}: permission denied${e.port !== undefined && e.port < 1024 ? ' (ports below 1024 need root)' : ''}`
    default:
      return String(e?.message ?? error).split('\n')[0] as string
  }
}
