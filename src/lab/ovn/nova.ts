// Entry of the OVN lab's nova metadata API (`node nova.js <nova.conf> <instances.json> <pidfile>`):
// the reference API configured from the lab's nova.conf ([DEFAULT] metadata_listen /
// metadata_listen_port, [neutron] metadata_proxy_shared_secret) as nova-api-metadata would be.
// Writes its pid file once listening: the ready signal `lab up` waits for.
import {readFile, rm, writeFile} from 'node:fs/promises'

import {get, getBool, parseIni} from '../../parsers/ini.js'
import {flushLogs, parseReferenceConfig, startApi} from '../../reference/index.js'

const [novaConf, inventory, pidFile] = process.argv.slice(2)
if (novaConf === undefined || inventory === undefined || pidFile === undefined) {
  process.stderr.write('usage: nova.js <nova.conf> <instances.json> <pidfile>\n')
  process.exit(2)
}
try {
  const nova = parseIni(await readFile(novaConf, 'utf8'))
  const {instances} = JSON.parse(await readFile(inventory, 'utf8')) as {instances: unknown[]}
  const cfg = parseReferenceConfig({
    api: {
      listen: `${get(nova, 'DEFAULT', 'metadata_listen') ?? '0.0.0.0'}:${get(nova, 'DEFAULT', 'metadata_listen_port') ?? '8775'}`,
      service_metadata_proxy: getBool(nova, 'neutron', 'service_metadata_proxy') ?? false,
    },
    instances,
    secret: get(nova, 'neutron', 'metadata_proxy_shared_secret') ?? '',
  })
  const server = await startApi({instances: cfg.instances, listen: cfg.api.listen, secret: cfg.secret, serviceMetadataProxy: cfg.api.serviceMetadataProxy})
  await writeFile(pidFile, `${process.pid}\n`)
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
