import {Flags} from '@oclif/core'

import {PRESETS, type Preset, resolveGroups, type GroupSet} from '../fleet/presets.js'

/** Flags of `fleet capture` and `fleet doctor -i`: the inventory, the groups, and what the collector reads. */
export const fleetCaptureFlags = {
  forks: Flags.integer({description: "Ansible's --forks: hosts collected in parallel", min: 1, max: 500}),
  'group-agents': Flags.string({description: 'inventory group(s) holding neutron metadata agents (comma-separated or repeated)', multiple: true}),
  'group-nova': Flags.string({description: "inventory group(s) holding nova's metadata API", multiple: true}),
  'group-ovn': Flags.string({description: 'inventory group(s) holding OVN chassis (ovn metadata agents)', multiple: true}),
  'instance-ip': Flags.string({description: "a guest's fixed IP: every agent is asked about it, and the report says which host serves it", multiple: true}),
  inventory: Flags.string({char: 'i', description: 'Ansible inventory (file, directory or script; repeatable)', multiple: true}),
  limit: Flags.string({char: 'l', description: "Ansible's --limit: a host pattern"}),
  'neutron-config-dir': Flags.string({description: "neutron config directory on every host [default: the deployment layout's]"}),
  'nova-config': Flags.string({description: "nova.conf on every host [default: the deployment layout's]"}),
  passive: Flags.boolean({description: 'no active probes on the hosts: only read files, processes, sockets and rules'}),
  preset: Flags.string({description: 'inventory group names of a deployment tool', options: Object.keys(PRESETS)}),
  'state-path': Flags.string({description: "neutron's state_path on every host [default: from neutron.conf]"}),
}

type CaptureFlagValues = {
  'group-agents'?: string[]
  'group-nova'?: string[]
  'group-ovn'?: string[]
  preset?: string
  passive: boolean
  'instance-ip'?: string[]
  'neutron-config-dir'?: string
  'nova-config'?: string
  'state-path'?: string
}

const split = (v: string[] | undefined): string[] | undefined => v?.flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean)

export function groupsFrom(f: CaptureFlagValues): GroupSet {
  return resolveGroups(f.preset as Preset | undefined, {agents: split(f['group-agents']), nova: split(f['group-nova']), ovn: split(f['group-ovn'])})
}

/** The collector's command line, from the flags (only what was given). */
export function collectArgs(f: CaptureFlagValues): string[] {
  const a: string[] = []
  if (f.passive) a.push('--passive')
  for (const ip of f['instance-ip'] ?? []) a.push('--instance-ip', ip)
  if (f['neutron-config-dir']) a.push('--neutron-config-dir', f['neutron-config-dir'])
  if (f['nova-config']) a.push('--nova-config', f['nova-config'])
  if (f['state-path']) a.push('--state-path', f['state-path'])
  return a
}

const GROUP = /^[A-Za-z0-9_.:-]{1,128}$/

export function badGroups(g: GroupSet): string | undefined {
  const bad = [...g.agents, ...g.nova, ...g.ovn].find((x) => !GROUP.test(x))
  return bad === undefined ? undefined : `group name ${JSON.stringify(bad)} is not a valid Ansible group name`
}
