import {Command, Flags} from '@oclif/core'

import {DEFAULT_STATE_DIR, labStatus, type LabStatus} from '../../lab/index.js'
import {renderLabStatus} from '../../lab/render.js'
import {labErrorMessage} from '../../lab/errors.js'

export default class LabStatusCommand extends Command {
  static override summary = 'Show the lab: scenario, namespaces, daemons, and the doctor/guest commands for it.'
  static override enableJsonFlag = true

  static override flags = {
    'state-dir': Flags.string({default: DEFAULT_STATE_DIR, description: 'lab directory given to `lab up`'}),
  }

  async run(): Promise<LabStatus> {
    const {flags} = await this.parse(LabStatusCommand)
    try {
      const status = await labStatus({stateDir: flags['state-dir']})
      this.log(renderLabStatus(status))
      return status
    } catch (error) {
      this.error(labErrorMessage(error), {exit: 1})
    }
  }
}
