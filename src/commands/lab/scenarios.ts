import {Command} from '@oclif/core'

import {SCENARIOS, type Scenario} from '../../lab/index.js'
import {renderScenarios} from '../../lab/render.js'

export default class LabScenarios extends Command {
  static override summary = 'List the lab scenarios: name, path (router|dhcp), the hop each one breaks, what it does.'
  static override enableJsonFlag = true

  async run(): Promise<Scenario[]> {
    await this.parse(LabScenarios)
    this.log(renderScenarios(SCENARIOS))
    return [...SCENARIOS]
  }
}
