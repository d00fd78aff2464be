// The IPv4 qrouter ruleset of a router just added with one internal port and no gateway, as the
// l3 agent of neutron 21.0.0 (Debian 12's package) leaves it: IptablesManager's wrapped
// `neutron-l3-agent-*` chains (binary name cut to 16 characters), RouterInfo's address-scope and
// metadata initialisation, the metadata driver's metadata_filter_rules / metadata_nat_rules, and
// process_ports_address_scope_iptables for the internal port. That last step empties the filter
// `scope` chain, so the metadata mark DROP added at initialisation is gone, as on a real router.
// Chains and rules in the order IptablesManager writes them; test/lab/neutron-fidelity.test.ts
// compares this with what the installed neutron renders. Fed to iptables-restore.
const W = 'neutron-l3-agent'

/** neutron's first address-scope mark id (ADDRESS_SCOPE_MARK_ID_MIN 1024) in the upper 16 bits */
const DEFAULT_SCOPE_MARK = '0x4000000/0xffff0000'
/** l3 agent metadata_access_mark default, with neutron_lib's ROUTER_MARK_MASK */
const METADATA_MARK = '0x1/0xffff'

export interface RouterRulesInput {
  /** false in the redirect-missing scenario */
  natRedirect: boolean
  metadataPort: number
  /** the router's internal device, `qr-` + port id cut to 14 characters */
  internalDevice: string
}

export function routerIptablesRestore(i: RouterRulesInput): string {
  const meta = `-d 169.254.169.254/32 -i qr-+ -p tcp -m tcp --dport 80`
  const table = (name: string, builtin: string[], wrapped: string[], unwrapped: string[], rules: string[]): string[] => [
    `*${name}`,
    ...builtin.map((c) => `:${c} ACCEPT [0:0]`),
    // IptablesManager: wrapped chains sorted, then the unwrapped ones
    ...[...wrapped].sort().map((c) => `:${W}-${c} - [0:0]`),
    ...unwrapped.map((c) => `:${c} - [0:0]`),
    ...rules,
    'COMMIT',
  ]

  const filter = table('filter', ['INPUT', 'FORWARD', 'OUTPUT'], ['FORWARD', 'INPUT', 'OUTPUT', 'local', 'scope'], ['neutron-filter-top'], [
    '-A FORWARD -j neutron-filter-top',
    '-A OUTPUT -j neutron-filter-top',
    `-A neutron-filter-top -j ${W}-local`,
    `-A INPUT -j ${W}-INPUT`,
    `-A OUTPUT -j ${W}-OUTPUT`,
    `-A FORWARD -j ${W}-FORWARD`,
    `-A ${W}-FORWARD -j ${W}-scope`,
    `-A ${W}-INPUT -m mark --mark ${METADATA_MARK} -j ACCEPT`,
    `-A ${W}-INPUT -p tcp -m tcp --dport ${i.metadataPort} -j DROP`,
    `-A ${W}-scope -o ${i.internalDevice} -m mark ! --mark ${DEFAULT_SCOPE_MARK} -j DROP`,
  ])

  const mangleBuiltin = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']
  const mangle = table('mangle', mangleBuiltin, [...mangleBuiltin, 'float-snat', 'floatingip', 'mark', 'scope'], [], [
    ...mangleBuiltin.map((c) => `-A ${c} -j ${W}-${c}`),
    `-A ${W}-PREROUTING -j ${W}-mark`,
    `-A ${W}-PREROUTING -j ${W}-scope`,
    `-A ${W}-PREROUTING -m connmark ! --mark 0x0/0xffff0000 -j CONNMARK --restore-mark --nfmask 0xffff0000 --ctmask 0xffff0000`,
    `-A ${W}-PREROUTING -j ${W}-floatingip`,
    `-A ${W}-float-snat -m connmark --mark 0x0/0xffff0000 -j CONNMARK --save-mark --nfmask 0xffff0000 --ctmask 0xffff0000`,
    `-A ${W}-PREROUTING ${meta} -j MARK --set-xmark ${METADATA_MARK}`,
    `-A ${W}-scope -i ${i.internalDevice} -j MARK --set-xmark ${DEFAULT_SCOPE_MARK}`,
  ])

  const nat = table('nat', ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'], ['OUTPUT', 'POSTROUTING', 'PREROUTING', 'float-snat', 'snat'], ['neutron-postrouting-bottom'], [
    `-A PREROUTING -j ${W}-PREROUTING`,
    `-A OUTPUT -j ${W}-OUTPUT`,
    `-A POSTROUTING -j ${W}-POSTROUTING`,
    '-A POSTROUTING -j neutron-postrouting-bottom',
    `-A neutron-postrouting-bottom -m comment --comment "Perform source NAT on outgoing traffic." -j ${W}-snat`,
    `-A ${W}-snat -j ${W}-float-snat`,
    ...(i.natRedirect ? [`-A ${W}-PREROUTING ${meta} -j REDIRECT --to-ports ${i.metadataPort}`] : []),
  ])

  return [...filter, ...mangle, ...nat].join('\n') + '\n'
}
