import {Command, Flags} from '@oclif/core'

import {SCENARIOS, type Scenario} from '../../lab/index.js'
import {OVN_SCENARIOS, type OvnScenario} from '../../lab/ovn/scenarios.js'
import {renderScenarios} from '../../lab/render.js'

export default class LabScenarios extends Command {
  static override summary = 'List the lab scenarios: name, path (router|dhcp|ovn), the hop each one breaks, what it does.'
  static override enableJsonFlag = true

  static override flags = {
    backend: Flags.string({default: 'ovs', description: 'ovs (ML2/OVS lab) or ovn (ML2/OVN lab)', options: ['ovs', 'ovn']}),
  }

  async run(): Promise<Scenario[] | OvnScenario[]> {
    const {flags} = await this.parse(LabScenarios)
    if (flags.backend === 'ovn') {
      this.log(renderScenarios(OVN_SCENARIOS.map((s) => ({...s, path: 'ovn'}))))
      return [...OVN_SCENARIOS]
    }
    this.log(renderScenarios(SCENARIOS))
    return [...SCENARIOS]
  }
}
