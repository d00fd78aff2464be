import {Command, Flags} from '@oclif/core'

import {applyFlags, serveUntilSignal, startErrorMessage} from '../../reference/cli.js'
import {loadReferenceConfig, ReferenceConfigError, startProxy} from '../../reference/index.js'
import {proxyOptions} from '../../reference/component-options.js'

export default class ReferenceProxy extends Command {
  static override summary = "Run only the reference proxy (haproxy's role in a router or DHCP namespace) until SIGINT/SIGTERM."
  static override examples = ['<%= config.bin %> reference proxy --config ref.json --listen 169.254.169.254:80 --network-id NET']

  static override flags = {
    config: Flags.string({char: 'c', description: 'reference config file (JSON)', required: true}),
    listen: Flags.string({description: 'HOST:PORT (default from config, else 127.0.0.1:9697)'}),
    socket: Flags.string({description: "the agent's unix socket path"}),
    'router-id': Flags.string({description: 'X-Neutron-Router-ID to send (router namespace)'}),
    'network-id': Flags.string({description: 'X-Neutron-Network-ID to send (DHCP namespace)'}),
    fault: Flags.string({description: 'FAULT, e.g. status=429, delay=2000, close, refuse (repeatable)', multiple: true}),
    log: Flags.string({description: 'access (default), warning or off'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(ReferenceProxy)
    try {
      const config = applyFlags(
        await loadReferenceConfig(flags.config),
        {faults: flags.fault, log: flags.log, networkId: flags['network-id'], proxyListen: flags.listen, routerId: flags['router-id'], socket: flags.socket},
        'proxy',
      )
      const server = await startProxy(proxyOptions(config))
      const id = config.proxy.routerId ? `X-Neutron-Router-ID ${config.proxy.routerId}` : `X-Neutron-Network-ID ${config.proxy.networkId}`
      this.log(`reference proxy listening on ${server.address} -> ${config.proxy.socket} (${id})`)
      const signal = await serveUntilSignal(server)
      this.log(`reference proxy stopped (${signal})`)
    } catch (error) {
      this.error(startErrorMessage(error), {exit: error instanceof ReferenceConfigError ? 2 : 1})
    }
  }
}
