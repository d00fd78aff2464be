// OVN's native DHCP route to 169.254.169.254 (read from the SB logical flows, as a chassis can),
// the instance lookup the agent makes for --instance-ip, and the agent log's known signatures.
import type {Check} from '../../engine/check.js'
import {ev} from '../../engine/parsed.js'
import type {NodeModel} from '../../model/node-model.js'
import {bindingIps, metadataPortOf, networkOf, networksHere} from '../../model/ovn-model.js'
import {onOvnChassis, ovnWith, sbctl, val} from './util.js'

/** The DHCP options OVN gives the VM ports here carry 169.254.169.254/32 via the metadata port's IP. */
export const ovnDhcpRoute: Check<NodeModel> = {
  applies: onOvnChassis,
  evidence: ['node.ovn-sb-lflow-dhcp', 'node.ovn-sb-port-binding'],
  hop: 'dhcp-route',
  id: 'ovn-dhcp-route',
  needs: [],
  title: "OVN DHCP (put_dhcp_opts) offers classless_static_route 169.254.169.254/32 via the metadata port's IP",
  run(m, out) {
    const o = ovnWith(m, (x) => x.ovsLocal, (x) => x.chassis, (x) => x.bindings, (x) => x.datapaths, (x) => x.dhcpFlows)
    for (const n of networksHere(o)) {
      const subject = `network ${n.network}`
      const meta = metadataPortOf(o, n.datapath)
      const metaIps = meta ? bindingIps(meta) : []
      const offers = val(o.dhcpFlows).filter((f) => f.datapath === n.datapath)
      const vmCidr = n.ports[0]?.externalIds['neutron:cidrs'] ?? ''
      const fix = {
        commands: [sbctl(m, `--columns=actions find Logical_Flow external_ids:stage-name=ls_in_dhcp_options logical_datapath=${n.datapath}`), `ovn-nbctl find DHCP_Options cidr="${cidrOf(vmCidr)}"   # on a host with NB access`, 'grep -H ovn_metadata_enabled /etc/neutron/plugins/ml2/ml2_conf.ini   # on the neutron-server hosts'],
        text: "neutron writes classless_static_route {169.254.169.254/32,<metadata port IP>, 0.0.0.0/0,<gateway>} into the subnet's NB DHCP_Options when ovn_metadata_enabled is on; repair the NB (neutron-ovn-db-sync-util in repair mode), then renew the guest's lease.",
      }
      if (offers.length === 0) {
        out.info({code: 'OVN_DHCP_NOT_OFFERED', evidence: [ev(o.dhcpFlows, `no put_dhcp_opts flow for datapath ${n.datapath}`)], subject, summary: 'OVN serves no DHCP on this network (DHCP disabled on the subnet): guests need a static route or config drive'})
        continue
      }
      const routes = offers.flatMap((f) => f.opts.routes.filter((r) => r.destination === '169.254.169.254/32'))
      const shown = offers[0]?.opts.options.classless_static_route ?? 'no classless_static_route'
      if (routes.length === 0) {
        out.fail({code: 'OVN_DHCP_ROUTE_MISSING', evidence: [ev(o.dhcpFlows, `put_dhcp_opts for ${n.network}: ${shown}`)], fix, subject, summary: "OVN's DHCP answer carries no 169.254.169.254/32 route: guests send metadata requests to their gateway"})
        continue
      }
      const wrong = routes.filter((r) => metaIps.length > 0 && !metaIps.includes(r.via))
      if (wrong.length > 0) {
        out.fail({code: 'OVN_DHCP_ROUTE_WRONG_HOP', evidence: [ev(o.dhcpFlows, `169.254.169.254/32 via ${wrong[0]?.via}`), ev(o.bindings, `metadata port ${meta?.logicalPort ?? '?'}: ${metaIps.join(', ')}`)], fix, subject, summary: `OVN's DHCP routes 169.254.169.254 via ${wrong[0]?.via}, not the metadata port (${metaIps.join(', ')})`})
        continue
      }
      out.pass({code: 'OVN_DHCP_ROUTE_OFFERED', evidence: [ev(o.dhcpFlows, `classless_static_route = ${shown}`)], subject, summary: `OVN DHCP offers 169.254.169.254/32 via ${routes[0]?.via}`})
    }
  },
}

const cidrOf = (ipCidr: string): string => {
  const [ip, len] = ipCidr.split('/')
  const n = Number(len)
  if (!ip || !Number.isInteger(n) || n < 0 || n > 32) return ipCidr
  const v = ip.split('.').reduce((a, b) => (a << 8) + Number(b), 0) >>> 0
  const mask = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0
  const net = (v & mask) >>> 0
  return `${[24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.')}/${n}`
}

/** --instance-ip, as the agent resolves it: a bound Port_Binding whose mac column holds the IP, with device and project ids. */
export const ovnInstancePort: Check<NodeModel> = {
  applies: (m) => onOvnChassis(m) ?? (m.options.instanceIps?.length ? undefined : 'pass --instance-ip to look a guest up in the Southbound DB'),
  evidence: ['node.ovn-sb-port-binding', 'node.ovn-sb-datapath'],
  hop: 'instance',
  id: 'ovn-instance-port',
  needs: [],
  title: 'the guest IP maps to one bound Port_Binding with neutron:device_id and neutron:project_id',
  run(m, out) {
    const o = ovnWith(m, (x) => x.bindings, (x) => x.datapaths)
    for (const ip of m.options.instanceIps ?? []) {
      const hits = val(o.bindings).filter((b) => b.chassis !== undefined && bindingIps(b).includes(ip))
      const subject = ip
      const fix = {commands: [`openstack port list --fixed-ip ip-address=${ip} --long`, sbctl(m, '--columns=logical_port,mac,chassis,external_ids list Port_Binding')], text: 'The agent answers 404 unless exactly one port bound to a chassis holds this IP on the network (allowed-address-pair IPs do not count); it answers 500 when that port lacks neutron:project_id.'}
      if (hits.length === 0) {
        out.fail({code: 'OVN_INSTANCE_PORT_NOT_FOUND', evidence: [ev(o.bindings, `no bound Port_Binding with ${ip} in its mac column`)], fix, subject, summary: `no port bound to a chassis holds ${ip}: the agent answers 404 ("No port found in network")`})
        continue
      }
      const byNet = new Map<string, typeof hits>()
      for (const h of hits) byNet.set(networkOf(o, h.datapath) ?? h.datapath, [...(byNet.get(networkOf(o, h.datapath) ?? h.datapath) ?? []), h])
      for (const [net, ports] of byNet) {
        const s = `${ip} on network ${net}`
        if (ports.length > 1) {
          out.fail({code: 'OVN_INSTANCE_PORT_DUPLICATE', evidence: [ev(o.bindings, ports.map((p) => p.logicalPort).join(', '))], fix, subject: s, summary: `${ports.length} bound ports hold ${ip}: the agent logs "More than one port found" and answers 404`})
          continue
        }
        const p = ports[0]!
        const device = p.externalIds['neutron:device_id']
        const project = p.externalIds['neutron:project_id']
        if (!device || !project) {
          out.fail({code: 'OVN_INSTANCE_PORT_INCOMPLETE', evidence: [ev(o.bindings, `${p.logicalPort}: neutron:device_id ${device ?? 'unset'}, neutron:project_id ${project ?? 'unset'}`)], fix, subject: s, summary: `port ${p.logicalPort} lacks ${!device ? 'neutron:device_id' : 'neutron:project_id'}: the agent cannot sign the request`})
          continue
        }
        out.pass({code: 'OVN_INSTANCE_PORT_FOUND', evidence: [ev(o.bindings, `${p.logicalPort}: device ${device}, project ${project}`)], subject: s, summary: `port ${p.logicalPort} of instance ${device}`})
      }
    }
  },
}

// Known lines of neutron-ovn-metadata-agent's log (neutron 21.0.0) and the hop each speaks for.
const SIGNATURES: ReadonlyArray<{re: RegExp; code: string; hop: 'agent' | 'signature' | 'instance' | 'proxy'; what: string}> = [
  {code: 'OVN_LOG_SB_UNREACHABLE', hop: 'agent', re: /Unable to open stream to \S+ to retrieve schema/, what: 'the agent cannot open its connection to the Southbound DB'},
  {code: 'OVN_LOG_FORBIDDEN', hop: 'signature', re: /remote metadata server responded with Forbidden/, what: 'nova answered 403: the shared secrets differ'},
  {code: 'OVN_LOG_NO_PORT', hop: 'instance', re: /No port found in network \S+ with IP address/, what: 'a request came from an address no bound port holds'},
  {code: 'OVN_LOG_PROXY_RESPAWN', hop: 'proxy', re: /Respawning metadata-proxy for uuid|metadata-proxy for metadata with uuid \S+ not found/, what: 'haproxy died and the agent respawned it'},
  {code: 'OVN_LOG_BRIDGE_MISSING', hop: 'agent', re: /Configured OVN bridge \S+ cannot be found in the system/, what: 'the OVN bridge the agent plugs into is missing'},
]

// mdctl's own probes: from inside the namespace (source 169.254.169.254) and over the socket (192.0.2.1)
const ownProbe = (l: string): boolean => / with IP address (169\.254\.169\.254|192\.0\.2\.1)\b/.test(l)

/** The agent log, when readable: known failure signatures as evidence (information, never a verdict by itself). */
export const ovnAgentLog: Check<NodeModel> = {
  applies: onOvnChassis,
  evidence: ['node.ovn-agent-log'],
  hop: 'agent',
  id: 'ovn-agent-log',
  needs: [],
  title: 'known signatures in the OVN metadata agent log',
  run(m, out) {
    const o = ovnWith(m, (x) => x.agentLog)
    const text = val(o.agentLog)
    const file = m.paths.ovn?.agentLog ?? ''
    if (text === undefined) {
      out.info({code: 'OVN_AGENT_LOG_ABSENT', evidence: [ev(o.agentLog, `${file}: absent`)], subject: file, summary: `no agent log at ${file} (journal-only: journalctl -u ${m.agent.service})`})
      return
    }
    const lines = text.split('\n')
    for (const s of SIGNATURES) {
      let last: string | undefined
      let count = 0
      for (const l of lines) {
        if (s.re.test(l) && !ownProbe(l)) {
          count++
          last = l
        }
      }
      if (last) out.info({code: s.code, evidence: [ev(o.agentLog, last.slice(0, 400))], hop: s.hop, subject: file, summary: `${s.what} (${count} line(s); last shown)`})
    }
    if (!SIGNATURES.some((s) => lines.some((l) => s.re.test(l) && !ownProbe(l)))) out.pass({code: 'OVN_AGENT_LOG_CLEAN', evidence: [ev(o.agentLog, `${lines.length} line(s), no known failure signature`)], subject: file, summary: 'no known failure signature in the agent log'})
  },
}
