// The whole chain: api, then agent, then proxy (each waits for the next hop). In-process by
// default; with `threads` each component runs in its own worker thread so the chain can use more
// than one core (what `reference up` does).
import {Worker} from 'node:worker_threads'
import {startAgent} from './agent.js'
import {startApi} from './api.js'
import {agentOptions, apiOptions, proxyOptions} from './component-options.js'
import type {ReferenceConfig} from './config.js'
import {ReferenceConfigError} from './errors.js'
import type {LogSink} from './log.js'
import {startProxy} from './proxy.js'
import type {RunningServer} from './running.js'
import type {WorkerInput, WorkerMessage} from './stack-worker.js'

export interface RunningStack extends RunningServer {
  /** the proxy's HOST:PORT: where guests (curl, cloud-init) point */
  readonly address: string
  readonly proxy: RunningServer
  readonly agent: RunningServer
  readonly api: RunningServer
  /** threads only: settles with a one-line reason if a component's thread dies while serving */
  readonly failed?: Promise<string>
}

export interface StackOptions {
  /** where JSON log lines go (default stderr); false: nowhere. Threads always log to stderr. */
  log?: LogSink | false
  /** run each component in a worker thread */
  threads?: boolean
}

export async function startStack(config: ReferenceConfig, opts: StackOptions = {}): Promise<RunningStack> {
  if (!config.proxy.routerId && !config.proxy.networkId) {
    throw new ReferenceConfigError('proxy: router_id or network_id is required (the id the proxy puts in X-Neutron-Router-ID / X-Neutron-Network-ID)')
  }
  const started: RunningServer[] = []
  try {
    if (opts.threads) {
      let fail: (reason: string) => void = () => {}
      const failed = new Promise<string>((r) => (fail = r))
      const api = await startWorker({component: 'api', config}, fail)
      started.push(api)
      const agent = await startWorker({apiAddress: api.address, component: 'agent', config}, fail)
      started.push(agent)
      const proxy = await startWorker({component: 'proxy', config}, fail)
      started.push(proxy)
      return {...assemble(proxy, agent, api), failed}
    }
    const l = {log: opts.log}
    const api = await startApi(apiOptions(config, l))
    started.push(api)
    const agent = await startAgent(agentOptions(config, l, api.address))
    started.push(agent)
    const proxy = await startProxy(proxyOptions(config, l))
    started.push(proxy)
    return assemble(proxy, agent, api)
  } catch (error) {
    await closeAll(started.reverse())
    throw error
  }
}

function assemble(proxy: RunningServer, agent: RunningServer, api: RunningServer): RunningStack {
  let closing: Promise<void> | null = null
  return {address: proxy.address, agent, api, close: () => (closing ??= closeAll([proxy, agent, api])), proxy}
}

async function closeAll(servers: RunningServer[]): Promise<void> {
  for (const s of servers) await s.close()
}

// V8 lets each isolate's young generation grow to ~48 MB under load; a component allocates little
// that lives, so a smaller nursery costs no measurable CPU and saves tens of MB per thread.
const resourceLimits = {maxYoungGenerationSizeMb: 16}

// Built, the worker entry is the .js next to this file. Under tsx (bin/dev.js, tests) it is the
// .ts file, and Node 20 does not carry tsx's loader hooks into workers: register them first.
function newWorker(input: WorkerInput): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./stack-worker.js', import.meta.url), {resourceLimits, workerData: input})
  const entry = new URL('./stack-worker.ts', import.meta.url).href
  const tsx = import.meta.resolve('tsx/esm/api')
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}) })`
  return new Worker(code, {eval: true, resourceLimits, workerData: input})
}

function startWorker(input: WorkerInput, onFailure: (reason: string) => void): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const worker = newWorker(input)
    let ready = false
    let closing = false
    const exited = new Promise<void>((r) =>
      worker.once('exit', (code) => {
        if (ready && !closing) onFailure(`${input.component} stopped unexpectedly (thread exit ${code})`)
        r()
      }),
    )
    worker.once('error', (e) => {
      if (!ready) reject(e)
      else onFailure(`${input.component} failed: ${String(e.message).split('\n')[0]}`)
    })
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'failed') {
        if (m.configError) reject(new ReferenceConfigError(m.message))
        else reject(Object.assign(new Error(`${input.component}: ${m.message}`), m.details))
      } else if (m.type === 'ready') {
        ready = true
        let stopping: Promise<void> | null = null
        resolve({
          address: m.address,
          close: () =>
            (stopping ??= (async () => {
              closing = true
              worker.postMessage('close')
              const timer = setTimeout(() => void worker.terminate(), 5000)
              await exited
              clearTimeout(timer)
            })()),
        })
      }
    })
  })
}
