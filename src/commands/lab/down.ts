import {Command, Flags} from '@oclif/core'

import {DEFAULT_STATE_DIR, labDown} from '../../lab/index.js'
import {labErrorMessage} from '../../lab/errors.js'

export default class LabDown extends Command {
  static override summary = 'Remove every namespace, link, process and file `mdctl lab up` made, also after a crash. Safe to run twice.'
  static override enableJsonFlag = true

  static override flags = {
    'state-dir': Flags.string({default: DEFAULT_STATE_DIR, description: 'lab directory given to `lab up`'}),
  }

  async run(): Promise<{removed: string[]}> {
    const {flags} = await this.parse(LabDown)
    try {
      const result = await labDown({stateDir: flags['state-dir']})
      this.log(result.removed.length === 0 ? 'nothing to remove' : `removed:\n${result.removed.map((r) => `  ${r}`).join('\n')}`)
      return result
    } catch (error) {
      this.error(labErrorMessage(error), {exit: 1})
    }
  }
}
