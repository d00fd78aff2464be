// The qrouter ruleset of a router with one internal port and no gateway, as neutron master's l3
// agent lays it out: iptables_manager's wrapped `neutron-l3-agent-*` chains (binary name cut to 16
// characters) and, verbatim, the metadata rules of agent/metadata/driver.py and router_info
// initialize_metadata_iptables plus the address-scope DROP. Fed to iptables-restore.
const W = 'neutron-l3-agent'

export interface RouterRulesInput {
  /** false in the redirect-missing scenario */
  natRedirect: boolean
  metadataPort: number
}

export function routerIptablesRestore(i: RouterRulesInput): string {
  const meta = `-d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80`
  const chains = (builtin: string[], wrapped: string[], extra: string[] = []): string[] => [
    ...builtin.map((c) => `:${c} ACCEPT [0:0]`),
    ...extra.map((c) => `:${c} - [0:0]`),
    ...wrapped.map((c) => `:${W}-${c} - [0:0]`),
  ]
  const jumps = (builtin: string[]): string[] => builtin.map((c) => `-A ${c} -j ${W}-${c}`)

  const filterBuiltin = ['INPUT', 'FORWARD', 'OUTPUT']
  const filter = [
    '*filter',
    ...chains(filterBuiltin, ['FORWARD', 'INPUT', 'OUTPUT', 'local', 'scope'], ['neutron-filter-top']),
    '-A INPUT -j neutron-l3-agent-INPUT',
    '-A FORWARD -j neutron-filter-top',
    '-A FORWARD -j neutron-l3-agent-FORWARD',
    '-A OUTPUT -j neutron-filter-top',
    '-A OUTPUT -j neutron-l3-agent-OUTPUT',
    `-A neutron-filter-top -j ${W}-local`,
    `-A ${W}-FORWARD -j ${W}-scope`,
    `-A ${W}-INPUT -m mark --mark 0x1/0xffff -j ACCEPT`,
    `-A ${W}-INPUT -p tcp -m tcp --dport ${i.metadataPort} -j DROP`,
    `-A ${W}-scope -m mark --mark 0x1/0xffff -j DROP`,
    'COMMIT',
  ]

  const mangleBuiltin = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']
  const mangle = [
    '*mangle',
    ...chains(mangleBuiltin, [...mangleBuiltin, 'floatingip', 'mark', 'scope']),
    ...jumps(mangleBuiltin),
    `-A ${W}-PREROUTING -j ${W}-mark`,
    `-A ${W}-PREROUTING -j ${W}-scope`,
    `-A ${W}-PREROUTING -m connmark ! --mark 0x0/0xffff0000 -j CONNMARK --restore-mark --nfmask 0xffff0000 --ctmask 0xffff0000`,
    `-A ${W}-PREROUTING -j ${W}-floatingip`,
    `-A ${W}-PREROUTING ${meta} -j MARK --set-xmark 0x1/0xffff`,
    'COMMIT',
  ]

  const natBuiltin = ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING']
  const nat = [
    '*nat',
    ...chains(natBuiltin, ['OUTPUT', 'POSTROUTING', 'PREROUTING', 'float-snat', 'snat'], ['neutron-postrouting-bottom']),
    `-A PREROUTING -j ${W}-PREROUTING`,
    `-A OUTPUT -j ${W}-OUTPUT`,
    `-A POSTROUTING -j ${W}-POSTROUTING`,
    '-A POSTROUTING -j neutron-postrouting-bottom',
    ...(i.natRedirect ? [`-A ${W}-PREROUTING ${meta} -j REDIRECT --to-ports ${i.metadataPort}`] : []),
    `-A ${W}-snat -j ${W}-float-snat`,
    `-A neutron-postrouting-bottom -m comment --comment "Perform source NAT on outgoing traffic." -j ${W}-snat`,
    'COMMIT',
  ]

  return [...filter, ...mangle, ...nat].join('\n') + '\n'
}
