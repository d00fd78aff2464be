import {Command, Flags} from '@oclif/core'

import {applyFlags, serveUntilSignal, startErrorMessage} from '../../reference/cli.js'
import {apiOptions} from '../../reference/component-options.js'
import {loadReferenceConfig, ReferenceConfigError, startApi} from '../../reference/index.js'

export default class ReferenceApi extends Command {
  static override summary = "Run only the reference metadata API (nova's metadata service) until SIGINT/SIGTERM."
  static override examples = ['<%= config.bin %> reference api --config ref.json --listen 127.0.0.1:8775 --echo-headers']

  static override flags = {
    config: Flags.string({char: 'c', description: 'reference config file (JSON)', required: true}),
    listen: Flags.string({description: 'HOST:PORT (default from config, else 127.0.0.1:8775)'}),
    'echo-headers': Flags.boolean({description: 'answer with the headers received (signature hidden)'}),
    fault: Flags.string({description: 'FAULT, e.g. status=500, wrong-secret, delay=2000 (repeatable)', multiple: true}),
    log: Flags.string({description: 'access (default), warning or off'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(ReferenceApi)
    try {
      const config = applyFlags(await loadReferenceConfig(flags.config), {apiListen: flags.listen, echoHeaders: flags['echo-headers'], faults: flags.fault, log: flags.log}, 'api')
      const server = await startApi(apiOptions(config))
      this.log(`reference api listening on ${server.address} (service_metadata_proxy ${config.api.serviceMetadataProxy ? 'on' : 'off'})`)
      const signal = await serveUntilSignal(server)
      this.log(`reference api stopped (${signal})`)
    } catch (error) {
      this.error(startErrorMessage(error), {exit: error instanceof ReferenceConfigError ? 2 : 1})
    }
  }
}
