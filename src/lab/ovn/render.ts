// Human text of `lab up --backend ovn`; --json prints the OvnLabInfo itself.
import type {OvnLabInfo} from './up.js'

export function renderOvnLabUp(lab: OvnLabInfo, ms: number): string {
  return [
    `OVN lab up in ${(ms / 1000).toFixed(1)} s: scenario ${lab.scenario} (${lab.expectedHop === null ? 'healthy' : `breaks ${lab.expectedHop}`})`,
    `  chassis   ${lab.chassis}, network ${lab.network}`,
    `  guest     ${lab.namespaces.guest}  eth0 ${lab.guestIp}, instance ${lab.instance}`,
    `  metadata  ${lab.namespaces.metadata}  (built by neutron-ovn-metadata-agent)`,
    `  configs   ${lab.agentIni}, ${lab.novaConf}`,
    '',
    'Try it from the guest:',
    `  ip netns exec ${lab.namespaces.guest} curl -s http://169.254.169.254/openstack/latest/meta_data.json`,
    'Diagnose the chassis:',
    `  ${lab.commands.doctor}`,
    'Diagnose the guest side:',
    `  ${lab.commands.guest}`,
    'Tear down:',
    `  mdctl lab down --backend ovn${lab.stateDir === '/var/lib/mdctl-lab-ovn' ? '' : ` --state-dir ${lab.stateDir}`}`,
  ].join('\n')
}
