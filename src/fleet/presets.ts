/**
 * Which inventory groups hold metadata agents, nova metadata APIs and OVN chassis, per
 * deployment tool. Names as the projects' own inventories spell them:
 * - kolla-ansible `ansible/inventory/multinode`: `[control]`, `[network]`, `[compute]`;
 *   `[neutron-metadata-agent:children] neutron` (neutron = network), nova's API on `control`,
 *   `[neutron-ovn-metadata-agent:children] compute`.
 * - OpenStack-Ansible `inventory/env.d`: `neutron_metadata_agent`, `nova_api_metadata`,
 *   `neutron_ovn_controller`.
 * - TripleO (`tripleo-ansible-inventory`): role groups; tripleo-heat-templates `roles/Controller.yaml`
 *   carries `NeutronMetadataAgent` and `NovaMetadata`, `roles/Networker.yaml` `NeutronMetadataAgent`,
 *   `roles/Compute.yaml` the OVN metadata agent.
 */
export interface GroupSet {
  agents: string[]
  nova: string[]
  ovn: string[]
}

export const PRESETS = {
  kolla: {agents: ['network'], nova: ['control'], ovn: ['compute']},
  osa: {agents: ['neutron_metadata_agent'], nova: ['nova_api_metadata'], ovn: ['neutron_ovn_controller']},
  tripleo: {agents: ['Controller', 'Networker'], nova: ['Controller'], ovn: ['Compute']},
} as const satisfies Record<string, GroupSet>

export type Preset = keyof typeof PRESETS

/** Groups from a preset, overridden group by group by explicit flags. */
export function resolveGroups(preset: Preset | undefined, flags: Partial<GroupSet>): GroupSet {
  const base: GroupSet = preset ? {agents: [...PRESETS[preset].agents], nova: [...PRESETS[preset].nova], ovn: [...PRESETS[preset].ovn]} : {agents: [], nova: [], ovn: []}
  return {agents: flags.agents?.length ? flags.agents : base.agents, nova: flags.nova?.length ? flags.nova : base.nova, ovn: flags.ovn?.length ? flags.ovn : base.ovn}
}

/** The host pattern the playbook runs on: every configured group, or all hosts. */
export function hostPattern(g: GroupSet): string {
  const all = [...new Set([...g.agents, ...g.nova, ...g.ovn])]
  return all.length ? all.join(':') : 'all'
}
