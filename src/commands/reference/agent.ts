import {Command, Flags} from '@oclif/core'

import {applyFlags, serveUntilSignal, startErrorMessage} from '../../reference/cli.js'
import {agentOptions} from '../../reference/component-options.js'
import {loadReferenceConfig, ReferenceConfigError, startAgent} from '../../reference/index.js'

export default class ReferenceAgent extends Command {
  static override summary = 'Run only the reference metadata agent (neutron-metadata-agent on a unix socket) until SIGINT/SIGTERM.'
  static override examples = ['<%= config.bin %> reference agent --config ref.json --socket /tmp/md/metadata_proxy']

  static override flags = {
    config: Flags.string({char: 'c', description: 'reference config file (JSON)', required: true}),
    socket: Flags.string({description: 'unix socket to listen on (metadata_proxy_socket)'}),
    fault: Flags.string({description: 'FAULT, e.g. wrong-secret, close, refuse, drop-header=X-Tenant-ID (repeatable)', multiple: true}),
    log: Flags.string({description: 'access (default), warning or off'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(ReferenceAgent)
    try {
      const config = applyFlags(await loadReferenceConfig(flags.config), {faults: flags.fault, log: flags.log, socket: flags.socket}, 'agent')
      const server = await startAgent(agentOptions(config))
      this.log(`reference agent listening on ${server.address} -> nova ${config.agent.novaHost}:${config.agent.novaPort}`)
      const signal = await serveUntilSignal(server)
      this.log(`reference agent stopped (${signal})`)
    } catch (error) {
      this.error(startErrorMessage(error), {exit: error instanceof ReferenceConfigError ? 2 : 1})
    }
  }
}
