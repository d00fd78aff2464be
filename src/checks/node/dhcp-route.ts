import type {Check} from '../../engine/check.js'
import {ev} from '../../engine/parsed.js'
import {metadataRoutes} from '../../parsers/dnsmasq-opts.js'
import type {NodeModel} from '../../model/node-model.js'
import {eachNamespace, flag, forceMetadata, isolatedMetadata, l3ProxyEnabled, nsAddresses} from './util.js'

const DHCP_INI = (m: NodeModel): string => `${m.paths.neutronConfigDir}/dhcp_agent.ini`

/** dhcp_agent.ini options against each network's opts file: does any DHCP answer carry a metadata route? */
export const dhcpMetadataOptions: Check<NodeModel> = {
  evidence: ['node.dhcp-ini', 'node.dhcp-opts'],
  hop: 'dhcp-route',
  id: 'dhcp-metadata-options',
  needs: ['dhcpIni'],
  applies: (m) => (m.namespaces.some((n) => n.kind === 'qdhcp') ? undefined : 'no qdhcp namespace in scope'),
  title: 'DHCP agent serves a metadata route (enable_isolated_metadata / force_metadata)',
  run(m, out) {
    const ini = m.dhcpIni
    const iso = isolatedMetadata(m)
    const force = forceMetadata(m)
    if (flag(ini, 'DEFAULT', 'enable_metadata_network', false) && !iso) {
      out.warn({
        code: 'METADATA_NETWORK_NEEDS_ISOLATED',
        evidence: [ev(ini, 'enable_metadata_network = True, enable_isolated_metadata = False')],
        fix: {commands: [`crudini --set ${DHCP_INI(m)} DEFAULT enable_isolated_metadata True`, 'systemctl restart neutron-dhcp-agent'], text: 'enable_metadata_network requires enable_isolated_metadata = True.'},
        subject: 'dhcp_agent.ini',
        summary: 'enable_metadata_network is on but enable_isolated_metadata is off, so it has no effect',
      })
    }
    eachNamespace(
      m,
      ['qdhcp'],
      (ns) => [ns.dhcpOpts],
      (ns) => {
        const opts = ns.dhcpOpts?.ok ? ns.dhcpOpts.value : undefined
        const subject = `network ${ns.id}`
        if (opts === undefined) {
          out.warn({code: 'DHCP_OPTS_MISSING', evidence: ns.dhcpOpts ? [ev(ns.dhcpOpts, `${m.paths.statePath}/dhcp/${ns.id}/opts: absent`)] : [], subject, summary: 'the namespace exists but dnsmasq has no opts file for this network', fix: {commands: ['systemctl restart neutron-dhcp-agent'], text: 'Let the DHCP agent resync the network.'}})
          return
        }
        const routes = metadataRoutes(opts)
        if (routes.length > 0) {
          const own = new Set(nsAddresses(ns))
          const via = [...new Set(routes.map((r) => r.gateway))].map((g) => (own.has(g) ? `${g} (this DHCP port)` : `${g} (the router gateway)`))
          out.pass({code: 'DHCP_METADATA_ROUTE_OFFERED', evidence: [ev(ns.dhcpOpts!, routes.map((r) => `${r.option} 169.254.169.254/32,${r.gateway}`).join('; '))], subject, summary: `DHCP offers 169.254.169.254/32 via ${via.join(', ')}`})
          return
        }
        if (!iso && !force) {
          // no route at all: the subnet is isolated or has no gateway, and isolated metadata is off
          out.fail({
            code: 'DHCP_ISOLATED_METADATA_DISABLED',
            evidence: [ev(ns.dhcpOpts!, 'no classless-static-route / 249 entry for 169.254.169.254/32'), ev(ini, 'enable_isolated_metadata = False, force_metadata = False')],
            fix: {
              commands: [`crudini --set ${DHCP_INI(m)} DEFAULT enable_isolated_metadata True`, 'systemctl restart neutron-dhcp-agent'],
              text: 'This network has no router serving metadata on its gateway: let the DHCP agent serve isolated metadata, or attach the subnet to a router through its gateway IP. Then renew the lease in the guest (or reboot it) so it learns the new route.',
            },
            subject,
            summary: 'DHCP hands out no route to 169.254.169.254 and enable_isolated_metadata is off: guests on this isolated network cannot reach metadata',
          })
        } else {
          out.warn({
            code: 'DHCP_METADATA_ROUTE_NOT_RENDERED',
            evidence: [ev(ns.dhcpOpts!, 'no 169.254.169.254/32 route'), ev(ini, `enable_isolated_metadata = ${iso}, force_metadata = ${force}`)],
            fix: {commands: ['systemctl restart neutron-dhcp-agent'], text: 'The agent config asks for a metadata route but the opts file has none (no DHCP-enabled IPv4 subnet, or a stale file): resync the DHCP agent.'},
            subject,
            summary: 'metadata is enabled for isolated networks but the opts file carries no 169.254.169.254 route',
          })
        }
      },
      out,
    )
  },
}

/** Both option 121 and 249 (Windows) should carry the route; one alone is a half-configured file. */
export const dhcpOptsRoute: Check<NodeModel> = {
  evidence: ['node.dhcp-opts'],
  hop: 'dhcp-route',
  id: 'dhcp-opts-route',
  needs: [],
  applies: (m) => (m.namespaces.some((n) => n.kind === 'qdhcp' && n.dhcpOpts?.ok && n.dhcpOpts.value) ? undefined : 'no DHCP opts file in scope'),
  title: 'opts file carries 169.254.169.254/32 in both option 121 and 249',
  run(m, out) {
    for (const ns of m.namespaces) {
      if (ns.kind !== 'qdhcp' || !ns.dhcpOpts?.ok || !ns.dhcpOpts.value) continue
      const routes = metadataRoutes(ns.dhcpOpts.value)
      if (routes.length === 0) continue
      const has121 = routes.some((r) => r.option === 'classless-static-route')
      const has249 = routes.some((r) => r.option === '249')
      const gws = new Set(routes.map((r) => r.gateway))
      const subject = `network ${ns.id}`
      if (has121 && has249 && gws.size === 1) out.pass({code: 'DHCP_ROUTE_121_249', evidence: [ev(ns.dhcpOpts, `121 and 249 via ${[...gws].join()}`)], subject, summary: 'option 121 and 249 agree'})
      else if (gws.size > 1) out.warn({code: 'DHCP_ROUTE_GATEWAYS_DIFFER', evidence: [ev(ns.dhcpOpts, [...gws].join(' vs '))], subject, summary: 'options 121 and 249 route 169.254.169.254 via different next hops', fix: {commands: ['systemctl restart neutron-dhcp-agent'], text: 'Resync the DHCP agent so both options are rendered from one subnet.'}})
      else out.warn({code: has121 ? 'DHCP_ROUTE_249_MISSING' : 'DHCP_ROUTE_121_MISSING', evidence: [ev(ns.dhcpOpts, has121 ? 'only classless-static-route (121)' : 'only 249')], subject, summary: has121 ? 'only option 121 carries the route: Windows guests (option 249) get none' : 'only option 249 carries the route: Linux guests (option 121) get none', fix: {commands: ['systemctl restart neutron-dhcp-agent'], text: 'Resync the DHCP agent; neutron renders both lines.'}})
    }
  },
}

/**
 * A router path needs the l3 agent's proxy, unless the DHCP agent serves every network
 * (force_metadata). Without it the l3 agent installs neither the REDIRECT nor haproxy, so a
 * guest's request is first lost where the router should catch it: hop intercept.
 */
export const l3MetadataProxy: Check<NodeModel> = {
  evidence: ['node.l3-ini', 'node.dhcp-ini'],
  hop: 'intercept',
  id: 'l3-metadata-proxy-enabled',
  needs: ['l3Ini'],
  applies: (m) => (m.namespaces.some((n) => n.kind === 'qrouter') ? undefined : 'no qrouter namespace in scope'),
  title: 'l3_agent.ini enable_metadata_proxy for router paths',
  run(m, out) {
    const routers = m.namespaces.filter((n) => n.kind === 'qrouter').length
    if (l3ProxyEnabled(m)) {
      out.pass({code: 'L3_METADATA_PROXY_ENABLED', evidence: [ev(m.l3Ini, `enable_metadata_proxy = True (${m.l3Ini.ok && m.l3Ini.value ? 'set or default' : 'file absent: default'})`)], subject: 'l3_agent.ini', summary: `routers serve metadata (${routers} qrouter namespace(s))`})
    } else if (forceMetadata(m)) {
      out.info({code: 'L3_METADATA_PROXY_OFF_FORCE_METADATA', evidence: [ev(m.l3Ini, 'enable_metadata_proxy = False'), ev(m.dhcpIni, 'force_metadata = True')], subject: 'l3_agent.ini', summary: 'routers do not serve metadata; the DHCP agent serves every network (force_metadata)'})
    } else {
      out.fail({
        code: 'L3_METADATA_PROXY_DISABLED',
        evidence: [ev(m.l3Ini, 'enable_metadata_proxy = False'), ev(m.dhcpIni, 'force_metadata = False')],
        fix: {commands: [`crudini --set ${m.paths.neutronConfigDir}/l3_agent.ini DEFAULT enable_metadata_proxy True`, 'systemctl restart neutron-l3-agent'], text: 'Nothing serves metadata to routed networks: enable the l3 agent metadata proxy, or set force_metadata = True in dhcp_agent.ini.'},
        subject: 'l3_agent.ini',
        summary: `enable_metadata_proxy is off and force_metadata is off: guests behind the ${routers} router(s) here get no metadata`,
      })
    }
  },
}
