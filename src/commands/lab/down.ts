import {Command, Flags} from '@oclif/core'

import {DEFAULT_STATE_DIR, labDown} from '../../lab/index.js'
import {labErrorMessage} from '../../lab/errors.js'
import {ovnLabDown} from '../../lab/ovn/down.js'

export default class LabDown extends Command {
  static override summary = 'Remove every namespace, link, process and file `mdctl lab up` made, also after a crash. Safe to run twice.'
  static override enableJsonFlag = true

  static override flags = {
    backend: Flags.string({default: 'ovs', description: 'the backend given to `lab up`', options: ['ovs', 'ovn']}),
    'state-dir': Flags.string({description: `lab directory given to \`lab up\` [default: ${DEFAULT_STATE_DIR}, with --backend ovn: /var/lib/mdctl-lab-ovn]`}),
  }

  async run(): Promise<{removed: string[]}> {
    const {flags} = await this.parse(LabDown)
    try {
      const result = flags.backend === 'ovn' ? await ovnLabDown(flags['state-dir'] ? {stateDir: flags['state-dir']} : {}) : await labDown({stateDir: flags['state-dir'] ?? DEFAULT_STATE_DIR})
      this.log(result.removed.length === 0 ? 'nothing to remove' : `removed:\n${result.removed.map((r) => `  ${r}`).join('\n')}`)
      return result
    } catch (error) {
      this.error(labErrorMessage(error), {exit: 1})
    }
  }
}
