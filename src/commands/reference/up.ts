import {Command, Flags} from '@oclif/core'

import {applyFlags, serveUntilSignal, startErrorMessage} from '../../reference/cli.js'
import {loadReferenceConfig, ReferenceConfigError, startStack} from '../../reference/index.js'

export default class ReferenceUp extends Command {
  static override summary = 'Run the reference proxy, agent and API (neutron haproxy, neutron-metadata-agent, nova metadata) in one process until SIGINT/SIGTERM.'
  static override examples = [
    '<%= config.bin %> reference up --config ref.json',
    '<%= config.bin %> reference up --config ref.json --fault api:wrong-secret --fault proxy:delay=2000',
  ]

  static override flags = {
    config: Flags.string({char: 'c', description: 'reference config file (JSON)', required: true}),
    'proxy-listen': Flags.string({description: 'proxy HOST:PORT (default from config, else 127.0.0.1:9697)'}),
    'api-listen': Flags.string({description: 'api HOST:PORT (default from config, else 127.0.0.1:8775)'}),
    socket: Flags.string({description: "the agent's unix socket path"}),
    'router-id': Flags.string({description: 'proxy in a router namespace: X-Neutron-Router-ID to send'}),
    'network-id': Flags.string({description: 'proxy in a DHCP namespace: X-Neutron-Network-ID to send'}),
    'echo-headers': Flags.boolean({description: 'api answers with the headers it received (signature hidden)'}),
    fault: Flags.string({description: 'COMPONENT:FAULT, e.g. api:status=500, agent:close, proxy:delay=2000 (repeatable)', multiple: true}),
    log: Flags.string({description: 'access (default), warning or off'}),
    threads: Flags.boolean({allowNo: true, default: true, description: 'run each component in its own worker thread'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(ReferenceUp)
    try {
      const config = applyFlags(await loadReferenceConfig(flags.config), {
        apiListen: flags['api-listen'],
        echoHeaders: flags['echo-headers'],
        faults: flags.fault,
        log: flags.log,
        networkId: flags['network-id'],
        proxyListen: flags['proxy-listen'],
        routerId: flags['router-id'],
        socket: flags.socket,
      })
      const stack = await startStack(config, {threads: flags.threads})
      this.log(`reference stack up: proxy ${stack.address} -> agent ${stack.agent.address} -> api ${stack.api.address}`)
      const signal = await serveUntilSignal(stack, stack.failed)
      this.log(`reference stack stopped (${signal})`)
    } catch (error) {
      this.error(startErrorMessage(error), {exit: error instanceof ReferenceConfigError ? 2 : 1})
    }
  }
}
