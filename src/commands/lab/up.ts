import {Command, Flags} from '@oclif/core'

import {DEFAULT_SCENARIO, DEFAULT_STATE_DIR, labUp, SCENARIOS, type LabInfo} from '../../lab/index.js'
import {renderLabUp} from '../../lab/render.js'
import {labErrorMessage} from '../../lab/errors.js'
import {renderOvnLabUp} from '../../lab/ovn/render.js'
import {OVN_SCENARIOS} from '../../lab/ovn/scenarios.js'
import {type OvnLabInfo, ovnLabUp} from '../../lab/ovn/up.js'

export default class LabUp extends Command {
  static override summary = 'Build the metadata path in network namespaces on this host, healthy or with one named fault.'
  static override description = `Needs root and iproute2, iptables, haproxy, dnsmasq-base, isc-dhcp-client, util-linux (+ openssh-server with --ssh).
Everything lives in namespaces named mdlab-*, qrouter-1ab01ab0-*, qdhcp-1ab01ab0-* and in the state directory; \`mdctl lab down\` removes it all.`

  static override enableJsonFlag = true
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --scenario zeroconf', '<%= config.bin %> <%= command.id %> --scenario agent-down --ssh', '<%= config.bin %> <%= command.id %> --scenario agent-down --path dhcp']

  static override flags = {
    backend: Flags.string({default: 'ovs', description: 'ovs: ML2/OVS (qrouter/qdhcp, reference agent); ovn: ML2/OVN from real OVN and Debian\'s neutron-ovn-metadata-agent', options: ['ovs', 'ovn']}),
    path: Flags.string({description: "build the scenario on this path (router or dhcp) when it applies to both (see `mdctl lab scenarios`)", options: ['router', 'dhcp']}),
    scenario: Flags.string({description: `what to build (see \`mdctl lab scenarios\`) [default: ${DEFAULT_SCENARIO}, with --backend ovn: healthy]`, options: [...new Set([...SCENARIOS.map((s) => s.name), ...OVN_SCENARIOS.map((s) => s.name)])]}),
    ssh: Flags.boolean({description: 'also run sshd in the guest and route the guest IP from this host (veth mdlab-host)'}),
    'system-paths': Flags.boolean({description: 'keep the configs in /etc/neutron and /etc/nova and the state in /var/lib/neutron, where sos collects them (refused unless those hold only unchanged package files, which are moved aside until `lab down`)'}),
    'state-dir': Flags.string({description: `lab directory: configs, state path, pid files, logs [default: ${DEFAULT_STATE_DIR}, with --backend ovn: /var/lib/mdctl-lab-ovn]`}),
  }

  async run(): Promise<LabInfo | OvnLabInfo> {
    const {flags} = await this.parse(LabUp)
    const started = performance.now()
    try {
      if (flags.backend === 'ovn') {
        if (flags.ssh) this.error('--ssh is not available with --backend ovn', {exit: 2})
        if (flags.scenario && !OVN_SCENARIOS.some((s) => s.name === flags.scenario)) this.error(`"${flags.scenario}" is not an OVN scenario (one of: ${OVN_SCENARIOS.map((s) => s.name).join(', ')})`, {exit: 2})
        const ovn = await ovnLabUp({scenario: flags.scenario ?? 'healthy', ...(flags['state-dir'] ? {stateDir: flags['state-dir']} : {})})
        this.log(renderOvnLabUp(ovn, performance.now() - started))
        return ovn
      }
      if (flags.scenario && !SCENARIOS.some((s) => s.name === flags.scenario)) this.error(`"${flags.scenario}" is an OVN scenario: add --backend ovn`, {exit: 2})
      const lab = await labUp({path: flags.path as 'router' | 'dhcp' | undefined, scenario: flags.scenario ?? DEFAULT_SCENARIO, ssh: flags.ssh, stateDir: flags['state-dir'] ?? DEFAULT_STATE_DIR, systemPaths: flags['system-paths']})
      this.log(renderLabUp(lab, performance.now() - started))
      return lab
    } catch (error) {
      this.error(labErrorMessage(error), {exit: 1})
    }
  }
}
