import {Flags} from '@oclif/core'

/** Flags shared by `doctor` and `capture` (node side). */
export const nodeFlags = {
  concurrency: Flags.integer({description: 'namespaces scanned in parallel (default: 2 × CPUs, at most 8)', helpGroup: 'TUNING', max: 64, min: 1}),
  'instance-ip': Flags.string({description: "a guest's fixed IP: look it up through the agent (active probe)", multiple: true}),
  namespace: Flags.string({description: 'limit to this namespace (qrouter-…, qdhcp-…, ovnmeta-…)', multiple: true}),
  network: Flags.string({description: 'limit to the qdhcp-/ovnmeta- namespace of this network id', multiple: true}),
  'neutron-config-dir': Flags.string({description: 'directory holding neutron.conf, metadata_agent.ini, l3_agent.ini, dhcp_agent.ini [default: /etc/neutron]'}),
  'nova-config': Flags.string({description: 'nova.conf to read [default: /etc/nova/nova.conf]'}),
  passive: Flags.boolean({description: 'no active probes: only read files, processes, sockets and rules'}),
  router: Flags.string({description: 'limit to the qrouter- namespace of this router id', multiple: true}),
  'state-path': Flags.string({description: "neutron's state_path [default: from neutron.conf, else /var/lib/neutron]"}),
}

const ID = /^[A-Za-z0-9_.-]{1,128}$/
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/

/** One-line complaint about a bad scope value, or undefined. */
export function badScope(flags: {router?: string[]; network?: string[]; namespace?: string[]; 'instance-ip'?: string[]}): string | undefined {
  for (const [name, values] of [['router', flags.router], ['network', flags.network], ['namespace', flags.namespace]] as const) {
    const bad = (values ?? []).find((v) => !ID.test(v))
    if (bad !== undefined) return `--${name} ${JSON.stringify(bad)} is not a valid id (letters, digits, '-', '_', '.')`
  }
  const ip = (flags['instance-ip'] ?? []).find((v) => !IPV4.test(v) && !/^[0-9a-fA-F:]+$/.test(v))
  if (ip !== undefined) return `--instance-ip ${JSON.stringify(ip)} is not an IP address`
  return undefined
}
