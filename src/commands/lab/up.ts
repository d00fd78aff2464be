import {Command, Flags} from '@oclif/core'

import {DEFAULT_SCENARIO, DEFAULT_STATE_DIR, labUp, SCENARIOS, type LabInfo} from '../../lab/index.js'
import {renderLabUp} from '../../lab/render.js'
import {labErrorMessage} from '../../lab/errors.js'

export default class LabUp extends Command {
  static override summary = 'Build the metadata path in network namespaces on this host, healthy or with one named fault.'
  static override description = `Needs root and iproute2, iptables, haproxy, dnsmasq-base, isc-dhcp-client, util-linux (+ openssh-server with --ssh).
Everything lives in namespaces named mdlab-*, qrouter-1ab01ab0-*, qdhcp-1ab01ab0-* and in the state directory; \`mdctl lab down\` removes it all.`

  static override enableJsonFlag = true
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --scenario zeroconf', '<%= config.bin %> <%= command.id %> --scenario agent-down --ssh']

  static override flags = {
    scenario: Flags.string({default: DEFAULT_SCENARIO, description: 'what to build (see `mdctl lab scenarios`)', options: SCENARIOS.map((s) => s.name)}),
    ssh: Flags.boolean({description: 'also run sshd in the guest and route the guest IP from this host (veth mdlab-host)'}),
    'system-paths': Flags.boolean({description: 'keep the configs in /etc/neutron and /etc/nova and the state in /var/lib/neutron, where sos collects them (refused unless those hold only unchanged package files, which are moved aside until `lab down`)'}),
    'state-dir': Flags.string({default: DEFAULT_STATE_DIR, description: 'lab directory: configs, state path, pid files, logs'}),
  }

  async run(): Promise<LabInfo> {
    const {flags} = await this.parse(LabUp)
    const started = performance.now()
    try {
      const lab = await labUp({scenario: flags.scenario, ssh: flags.ssh, stateDir: flags['state-dir'], systemPaths: flags['system-paths']})
      this.log(renderLabUp(lab, performance.now() - started))
      return lab
    } catch (error) {
      this.error(labErrorMessage(error), {exit: 1})
    }
  }
}
