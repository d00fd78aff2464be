// One component of the threaded stack (`reference up`) in a worker thread: it gets the validated
// config (structured-cloned, so Buffers arrive as Uint8Arrays), starts its component, reports the
// address, and closes when told.
import {parentPort, workerData} from 'node:worker_threads'
import {startAgent} from './agent.js'
import {startApi} from './api.js'
import {agentOptions, apiOptions, proxyOptions} from './component-options.js'
import type {ReferenceConfig} from './config.js'
import {ReferenceConfigError} from './errors.js'
import type {Component} from './faults.js'
import {flushLogs} from './log.js'
import {startProxy} from './proxy.js'
import type {RunningServer} from './running.js'

export interface WorkerInput {
  component: Component
  config: ReferenceConfig
  apiAddress?: string
}

/** `details`: the errno fields of a listen error (code, address, port, path), for a one-line message */
export type WorkerMessage =
  | {type: 'ready'; address: string}
  | {type: 'failed'; message: string; configError: boolean; details?: Record<string, string | number>}
  | {type: 'closed'}

function revive(config: ReferenceConfig): ReferenceConfig {
  const instances = config.instances.map((i) => ({...i, userData: i.userData ? Buffer.from(i.userData.buffer, i.userData.byteOffset, i.userData.byteLength) : null}))
  return {...config, instances}
}

function start(input: WorkerInput): Promise<RunningServer> {
  const c = revive(input.config)
  if (input.component === 'api') return startApi(apiOptions(c))
  if (input.component === 'agent') return startAgent(agentOptions(c, {}, input.apiAddress))
  return startProxy(proxyOptions(c))
}

if (parentPort) {
  const port = parentPort
  const post = (m: WorkerMessage): void => port.postMessage(m)
  start(workerData as WorkerInput).then(
    (server) => {
      post({address: server.address, type: 'ready'})
      port.on('message', (m: unknown) => {
        if (m !== 'close') return
        server.close().then(() => {
          flushLogs()
          post({type: 'closed'})
          port.close()
        })
      })
    },
    (error: unknown) => {
      flushLogs()
      const e = error as NodeJS.ErrnoException & {address?: string; port?: number}
      const details = Object.fromEntries(
        (['code', 'address', 'port', 'path'] as const).filter((k) => typeof e?.[k] === 'string' || typeof e?.[k] === 'number').map((k) => [k, e[k] as string | number]),
      )
      post({configError: error instanceof ReferenceConfigError, details, message: String(e?.message ?? error), type: 'failed'})
      port.close()
    },
  )
}
