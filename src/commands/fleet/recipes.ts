import {MdctlCommand} from '../../lib/base-command.js'

import {exportRecipes} from '../../evidence/recipes.js'

export default class FleetRecipes extends MdctlCommand {
  static override hidden = true
  static override summary = "Print the evidence registry's node recipes as JSON (what the fleet playbook's collector reads)."
  static override examples = ['<%= config.bin %> <%= command.id %> > recipes.json   # then: ansible-playbook … -e mdctl_recipes=recipes.json']

  async run(): Promise<void> {
    await this.parse(FleetRecipes)
    this.log(JSON.stringify(exportRecipes(), null, 2))
  }
}
