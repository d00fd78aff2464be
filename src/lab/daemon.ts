// Entry of the lab's background reference agent / API (`node daemon.js agent|api <lab.json>`).
// Each reads the lab node's config files as the real service would (the agent metadata_agent.ini
// and neutron.conf, the API nova.conf) plus the lab inventory, starts listening, then writes its
// pid file: the pid file appearing is the "ready" signal `lab up` waits for.
import {readFile, rm, writeFile} from 'node:fs/promises'

import {get, getBool, parseIni, type Ini} from '../parsers/ini.js'
import {flushLogs, parseReferenceConfig, startAgent, startApi, type RunningServer} from '../reference/index.js'
import {daemonPidFile, type DaemonRole} from './daemon-launch.js'
import {labPaths} from './plan.js'
import {readState} from './state.js'

async function ini(path: string): Promise<Ini> {
  return parseIni(await readFile(path, 'utf8'))
}

async function start(role: DaemonRole, stateFile: string): Promise<{server: RunningServer; pidFile: string}> {
  const state = await readState(stateFile)
  if (state === undefined) throw new Error(`no lab state in ${stateFile}`)
  const p = labPaths(state.dir, state.ids, state.systemPaths !== undefined)
  const {instances} = JSON.parse(await readFile(p.inventory, 'utf8')) as {instances: unknown[]}
  let server: RunningServer
  if (role === 'agent') {
    const statePath = get(await ini(p.neutronConf), 'DEFAULT', 'state_path') ?? '/var/lib/neutron'
    const agent = await ini(p.metadataAgentIni)
    const socket = (get(agent, 'DEFAULT', 'metadata_proxy_socket') ?? '$state_path/metadata_proxy').replaceAll('$state_path', statePath)
    const cfg = parseReferenceConfig({
      agent: {
        nova_metadata_host: get(agent, 'DEFAULT', 'nova_metadata_host') ?? '127.0.0.1',
        nova_metadata_port: Number(get(agent, 'DEFAULT', 'nova_metadata_port') ?? 8775),
        socket,
      },
      instances,
      secret: get(agent, 'DEFAULT', 'metadata_proxy_shared_secret') ?? '',
    })
    server = await startAgent({instances: cfg.instances, novaHost: cfg.agent.novaHost, novaPort: cfg.agent.novaPort, secret: cfg.secret, socket: cfg.agent.socket})
  } else {
    const nova = await ini(p.novaConf)
    const cfg = parseReferenceConfig({
      api: {
        listen: `${get(nova, 'DEFAULT', 'metadata_listen') ?? '0.0.0.0'}:${get(nova, 'DEFAULT', 'metadata_listen_port') ?? '8775'}`,
        service_metadata_proxy: getBool(nova, 'neutron', 'service_metadata_proxy') ?? false,
      },
      instances,
      secret: get(nova, 'neutron', 'metadata_proxy_shared_secret') ?? '',
    })
    server = await startApi({instances: cfg.instances, listen: cfg.api.listen, secret: cfg.secret, serviceMetadataProxy: cfg.api.serviceMetadataProxy})
  }
  const pidFile = daemonPidFile(p, role)
  await writeFile(pidFile, `${process.pid}\n`)
  return {pidFile, server}
}

const [role, stateFile] = process.argv.slice(2)
if ((role !== 'agent' && role !== 'api') || stateFile === undefined) {
  process.stderr.write('usage: daemon.js agent|api <lab.json>\n')
  process.exit(2)
}
try {
  const {server, pidFile} = await start(role, stateFile)
  const stop = async (): Promise<void> => {
    await server.close()
    await rm(pidFile, {force: true})
    flushLogs()
    process.exit(0)
  }
  process.once('SIGTERM', () => void stop())
  process.once('SIGINT', () => void stop())
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`)
  flushLogs()
  process.exit(1)
}
