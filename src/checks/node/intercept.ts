import type {Check} from '../../engine/check.js'
import {ev} from '../../engine/parsed.js'
import {reachableRules, type IptablesRule} from '../../parsers/iptables-save.js'
import type {NodeModel} from '../../model/node-model.js'
import {dhcpServesMetadata, eachNamespace, l3ProxyEnabled, METADATA_IP, metadataPort, nsExec} from './util.js'

// negated options never fill `dst` (parser contract), so equality is enough
const isMetadataDst = (r: IptablesRule): boolean => r.dst === `${METADATA_IP}/32`
const portOf = (r: IptablesRule): number => Number((r.toPorts ?? '').split(/[-:]/)[0])
const l3Restart = 'systemctl restart neutron-l3-agent'

/** nat REDIRECT of 169.254.169.254:80 to the proxy port, reachable from PREROUTING (every rule text since Havana). */
export const routerRedirect: Check<NodeModel> = {
  evidence: ['netns.iptables', 'node.l3-ini'],
  hop: 'intercept',
  id: 'router-redirect',
  needs: [],
  applies: (m) => (!m.namespaces.some((n) => n.kind === 'qrouter') ? 'no qrouter namespace in scope' : !l3ProxyEnabled(m) ? 'enable_metadata_proxy = False: routers do not intercept metadata' : undefined),
  title: 'router namespace redirects 169.254.169.254:80 to the metadata proxy port',
  run(m, out) {
    const port = metadataPort(m)
    eachNamespace(
      m,
      ['qrouter'],
      (ns) => [ns.iptables],
      (ns) => {
        if (!ns.iptables.ok) return
        const save = ns.iptables.value
        const reachable = reachableRules(save, 'nat', 'PREROUTING')
        const redirect = (r: IptablesRule): boolean => r.target === 'REDIRECT' && isMetadataDst(r) && (r.dport === 80 || r.dport === undefined)
        const hit = reachable.find(redirect)
        const anywhere = (save.tables.nat?.rules ?? []).find(redirect) ?? (save.tables.unknown?.rules ?? []).find(redirect)
        const subject = ns.name
        const fix = {commands: [l3Restart, nsExec(ns.name, 'iptables-save -t nat | grep 169.254')], text: 'The l3 agent rebuilds the rule on resync; until then guests behind this router time out.'}
        if (hit && portOf(hit) === port) {
          out.pass({code: 'REDIRECT_PRESENT', evidence: [ev(ns.iptables, `-A ${hit.chain} ${hit.text}`)], subject, summary: `169.254.169.254:80 is redirected to ${port}`})
        } else if (hit) {
          out.fail({
            code: 'REDIRECT_WRONG_PORT',
            evidence: [ev(ns.iptables, `-A ${hit.chain} ${hit.text}`), ev(m.l3Ini, `metadata_port = ${port}`)],
            fix: {...fix, text: `The rule sends metadata to port ${hit.toPorts ?? '?'} but the proxy listens on ${port} (l3_agent.ini metadata_port): restart the l3 agent so both agree.`},
            subject,
            summary: `REDIRECT goes to port ${hit.toPorts ?? '?'}, not to the metadata port ${port}`,
          })
        } else if (anywhere && !save.tables.unknown) {
          out.fail({code: 'REDIRECT_UNREACHABLE', evidence: [ev(ns.iptables, `-A ${anywhere.chain} ${anywhere.text} (no jump from PREROUTING)`)], fix, subject, summary: `the REDIRECT rule sits in ${anywhere.chain}, which PREROUTING never jumps to`})
        } else if (anywhere) {
          out.pass({code: 'REDIRECT_PRESENT', evidence: [ev(ns.iptables, `-A ${anywhere.chain} ${anywhere.text}`)], subject, summary: `169.254.169.254:80 is redirected to ${anywhere.toPorts ?? '?'} (partial iptables-save: table header missing)`})
        } else {
          out.fail({code: 'REDIRECT_MISSING', evidence: [ev(ns.iptables, `${(save.tables.nat?.rules ?? []).length} nat rule(s), none redirects 169.254.169.254:80`)], fix, subject, summary: 'no nat REDIRECT for 169.254.169.254:80: metadata requests through this router go nowhere'})
        }
      },
      out,
    )
  },
}

/**
 * Since Kilo the redirected packet is marked in mangle and accepted in filter INPUT by that mark,
 * while INPUT drops everything else to the proxy port: a missing MARK or ACCEPT drops the request.
 */
export const routerMark: Check<NodeModel> = {
  evidence: ['netns.iptables'],
  hop: 'intercept',
  id: 'router-mark-accept',
  needs: [],
  applies: routerRedirect.applies,
  title: 'router namespace marks and accepts redirected metadata traffic',
  run(m, out) {
    const port = metadataPort(m)
    eachNamespace(
      m,
      ['qrouter'],
      (ns) => [ns.iptables],
      (ns) => {
        if (!ns.iptables.ok) return
        const save = ns.iptables.value
        if (!save.tables.filter) {
          out.info({code: 'FILTER_TABLE_NOT_CAPTURED', evidence: [ev(ns.iptables, `tables: ${Object.keys(save.tables).join(', ') || 'none'}`)], subject: ns.name, summary: 'no filter table in the capture: the INPUT rules for the proxy port cannot be judged'})
          return
        }
        const input = reachableRules(save, 'filter', 'INPUT')
        const dropIdx = input.findIndex((r) => r.target === 'DROP' && r.dport === port && (r.proto === 'tcp' || r.proto === undefined))
        if (dropIdx < 0) {
          out.pass({code: 'PROXY_PORT_NOT_FILTERED', evidence: [ev(ns.iptables, `no DROP of tcp/${port} in INPUT`)], subject: ns.name, summary: `nothing in INPUT drops port ${port}`})
          return
        }
        const accept = input.slice(0, dropIdx).find((r) => r.target === 'ACCEPT' && r.markMatch !== undefined)
        const mark = reachableRules(save, 'mangle', 'PREROUTING').find((r) => r.target === 'MARK' && isMetadataDst(r))
        const drop = input[dropIdx]
        const fix = {commands: [l3Restart], text: 'The l3 agent writes the MARK and ACCEPT rules together with the REDIRECT; resync it.'}
        if (accept && mark) {
          out.pass({code: 'METADATA_MARK_ACCEPTED', evidence: [ev(ns.iptables, `-A ${mark.chain} ${mark.text}`), ev(ns.iptables, `-A ${accept.chain} ${accept.text}`)], subject: ns.name, summary: 'redirected requests are marked and accepted before the DROP'})
        } else if (!mark) {
          out.fail({code: 'METADATA_MARK_MISSING', evidence: [ev(ns.iptables, `-A ${drop?.chain} ${drop?.text}`), ev(ns.iptables, 'no mangle MARK rule for 169.254.169.254')], fix, subject: ns.name, summary: `no mangle MARK for 169.254.169.254: redirected requests hit the DROP of port ${port}`})
        } else {
          out.fail({code: 'METADATA_ACCEPT_MISSING', evidence: [ev(ns.iptables, `-A ${drop?.chain} ${drop?.text}`), ev(ns.iptables, 'no INPUT ACCEPT by mark before it')], fix, subject: ns.name, summary: `INPUT drops port ${port} without first accepting marked metadata requests`})
        }
      },
      out,
    )
  },
}

/** DHCP and OVN namespaces hold 169.254.169.254 themselves (/32 since Victoria, /16 before). */
export const dhcpMetadataAddress: Check<NodeModel> = {
  evidence: ['netns.addr', 'node.dhcp-opts', 'node.dhcp-ini'],
  hop: 'intercept',
  id: 'dhcp-metadata-address',
  needs: [],
  applies: (m) => (m.namespaces.some((n) => n.kind !== 'qrouter' && dhcpServesMetadata(m, n)) ? undefined : 'no DHCP/OVN namespace in scope serves metadata'),
  title: '169.254.169.254 is on the DHCP / OVN metadata interface',
  run(m, out) {
    eachNamespace(
      m,
      ['qdhcp', 'ovnmeta'],
      (ns) => [ns.addrs],
      (ns) => {
        if (!ns.addrs.ok || !dhcpServesMetadata(m, ns)) return
        const holder = ns.addrs.value.flatMap((l) => l.addrs.filter((a) => a.local === METADATA_IP).map((a) => ({a, l})))[0]
        if (holder) {
          out.pass({code: 'METADATA_IP_PRESENT', evidence: [ev(ns.addrs, `${holder.l.ifname}: ${METADATA_IP}/${holder.a.prefixlen}`)], subject: ns.name, summary: `${METADATA_IP}/${holder.a.prefixlen} on ${holder.l.ifname}`})
          return
        }
        const tap = ns.addrs.value.find((l) => l.ifname.startsWith('tap') || l.ifname.startsWith('ns-'))?.ifname
        out.fail({
          code: 'METADATA_IP_MISSING',
          evidence: [ev(ns.addrs, `addresses: ${ns.addrs.value.flatMap((l) => l.addrs.map((a) => `${l.ifname} ${a.local}/${a.prefixlen}`)).join(', ') || 'none'}`)],
          fix: {
            commands: [ns.kind === 'qdhcp' ? 'systemctl restart neutron-dhcp-agent' : 'systemctl restart neutron-ovn-metadata-agent', ...(tap ? [nsExec(ns.name, `ip addr add ${METADATA_IP}/32 dev ${tap}   # stop-gap until the agent resyncs`)] : [])],
            text: 'The agent adds the address when it sets up the port; without it guests routed to this port for metadata get no answer.',
          },
          subject: ns.name,
          summary: `${METADATA_IP} is not configured in the namespace, though DHCP routes metadata here`,
        })
      },
      out,
    )
  },
}
