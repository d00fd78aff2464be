// Per network with a VM port bound to this chassis: the metadata localport in the SB, the
// ovnmeta-<network> namespace, its veth pair on the integration bridge, the checksum rule of
// netdev datapaths, and no ovnmeta namespace left for a network with no port here.
import type {Check} from '../../engine/check.js'
import {ev} from '../../engine/parsed.js'
import type {NamespaceModel, NodeModel} from '../../model/node-model.js'
import {bindingIps, metadataPortOf, networksHere, ovsExternalIds, type OvnModel} from '../../model/ovn-model.js'
import {mapOf, strOf} from '../../parsers/ovsdb-json.js'
import {nsExec} from '../node/util.js'
import {onOvnChassis, ovnWith, restart, sbctl, val, vethOf, vsctl} from './util.js'

const bindingsNeeded = (m: NodeModel): OvnModel => ovnWith(m, (x) => x.ovsLocal, (x) => x.chassis, (x) => x.bindings, (x) => x.datapaths)

const META_MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i

/** The first localport of the network's datapath, with a MAC and neutron:cidrs (what the agent needs to provision). */
export const ovnMetadataPort: Check<NodeModel> = {
  applies: onOvnChassis,
  evidence: ['node.ovn-sb-port-binding', 'node.ovn-sb-datapath', 'node.ovn-sb-chassis', 'node.ovs-local'],
  hop: 'namespace',
  id: 'ovn-metadata-port',
  needs: [],
  title: 'each network with a VM port here has a metadata localport with a MAC and neutron:cidrs',
  run(m, out) {
    const o = bindingsNeeded(m)
    const nets = networksHere(o)
    if (nets.length === 0) {
      out.info({code: 'OVN_NO_LOCAL_PORTS', evidence: [ev(o.bindings, `no VIF Port_Binding on chassis ${ovsExternalIds(o)['system-id'] ?? '?'}`)], subject: 'this chassis', summary: 'no VM port is bound to this chassis: no metadata namespace is expected here'})
      return
    }
    for (const n of nets) {
      const subject = `network ${n.network}`
      const meta = metadataPortOf(o, n.datapath)
      const fix = {
        commands: [`openstack port list --network ${n.network} --device-owner network:distributed --long`, sbctl(m, `find Port_Binding type=localport datapath=${n.datapath}`), 'grep -H ovn_metadata_enabled /etc/neutron/plugins/ml2/ml2_conf.ini   # on the neutron-server hosts'],
        text: 'neutron-server creates a network:distributed port (an OVN localport) on every network when [ovn] ovn_metadata_enabled = True; without it the agent tears the namespace down. Recreate it by running neutron-ovn-db-sync-util in repair mode (or re-enable the subnet\'s DHCP) on a controller, then restart the agent.',
      }
      if (!meta) {
        out.fail({code: 'OVN_METADATA_PORT_MISSING', evidence: [ev(o.bindings, `datapath ${n.datapath} (${n.network}): ${n.ports.length} VM port(s) bound here, no localport`)], fix, subject, summary: `network ${n.network} has no metadata localport in the Southbound DB: the agent builds no namespace for it`})
        continue
      }
      const mac = meta.mac.split(' ')[0] ?? ''
      const cidrs = meta.externalIds['neutron:cidrs']
      if (!META_MAC.test(mac) || !cidrs) {
        out.fail({code: 'OVN_METADATA_PORT_INCOMPLETE', evidence: [ev(o.bindings, `localport ${meta.logicalPort}: mac "${meta.mac}", neutron:cidrs ${cidrs ?? 'unset'}`)], fix, subject, summary: `the metadata localport ${meta.logicalPort} has ${!META_MAC.test(mac) ? 'no MAC' : 'no neutron:cidrs'}: the agent tears the namespace down`})
        continue
      }
      out.pass({code: 'OVN_METADATA_PORT_OK', evidence: [ev(o.bindings, `localport ${meta.logicalPort} ${meta.mac}, neutron:cidrs ${cidrs}`)], subject, summary: `metadata localport ${meta.logicalPort} (${cidrs})`})
    }
  },
}

/** ovnmeta-<network> exists for each network with a VM port here (and a metadata port); none is left over. */
export const ovnNamespace: Check<NodeModel> = {
  applies: onOvnChassis,
  evidence: ['node.netns', 'node.ovn-sb-port-binding'],
  hop: 'namespace',
  id: 'ovn-namespace',
  needs: ['netns'],
  title: 'ovnmeta-<network> exists for each network with a VM port here; no stale ovnmeta namespace',
  run(m, out) {
    const o = bindingsNeeded(m)
    const all = new Set(m.netns.ok ? m.netns.value.map((e) => e.name) : [])
    const nets = networksHere(o)
    for (const n of nets) {
      if (!metadataPortOf(o, n.datapath)) continue // ovn-metadata-port says why
      const ns = `ovnmeta-${n.network}`
      if (all.has(ns)) {
        out.pass({code: 'OVN_NAMESPACE_PRESENT', evidence: [ev(m.netns, `/run/netns/${ns}`)], subject: ns, summary: 'namespace exists'})
        continue
      }
      out.fail({
        code: 'OVN_NAMESPACE_MISSING',
        evidence: [ev(m.netns, `no ${ns} in /run/netns`), ev(o.bindings, `${n.ports.map((p) => p.logicalPort).join(', ')} bound here`)],
        fix: {commands: [restart(m), `journalctl -u ${m.agent.service} -n 100 | grep -E 'Provisioning metadata|no metadata port|bound to our chassis'`], text: 'The agent provisions ovnmeta-<network> when a VM port of the network is bound to this chassis; it did not (agent down, SB unreachable, or provisioning failed: read its log).'},
        subject: ns,
        summary: `no ${ns} namespace although a VM port of the network is bound here`,
      })
    }
    const here = new Set(nets.map((n) => n.network))
    const stale = [...all].filter((n) => n.startsWith('ovnmeta-') && !here.has(n.slice('ovnmeta-'.length)))
    if (stale.length > 0) {
      out.warn({code: 'OVN_NAMESPACE_STALE', evidence: [ev(m.netns, stale.slice(0, 5).join(', '))], fix: {commands: [restart(m)], text: 'The agent removes ovnmeta namespaces of networks with no port here when it syncs; these are left over (agent stopped during a port deletion, or a crash).'}, subject: stale[0] ?? '', summary: `${stale.length} ovnmeta namespace(s) without a VM port bound here`})
    }
  },
}

const nsOf = (m: NodeModel, net: string): NamespaceModel | undefined => m.namespaces.find((n) => n.name === `ovnmeta-${net}`)

/** The veth pair: bridge side on OVS with iface-id = the localport, namespace side with 169.254.169.254/32 and the port's IP. */
export const ovnVeth: Check<NodeModel> = {
  applies: onOvnChassis,
  evidence: ['node.ovs-interfaces', 'netns.addr', 'node.ovn-sb-port-binding'],
  hop: 'intercept',
  id: 'ovn-veth',
  needs: [],
  title: "the namespace's veth: bridge side plugged with iface-id = metadata port, namespace side holds 169.254.169.254/32 and the port IP",
  run(m, out) {
    const o = ovnWith(m, (x) => x.ovsLocal, (x) => x.chassis, (x) => x.bindings, (x) => x.datapaths, (x) => x.ovsInterfaces)
    const bridge = ovsExternalIds(o)['ovn-bridge'] ?? 'br-int'
    for (const n of networksHere(o)) {
      const meta = metadataPortOf(o, n.datapath)
      const ns = nsOf(m, n.network)
      if (!meta || !ns) continue // the namespace hop says why
      const [outer, inner] = vethOf(n.network)
      const iface = val(o.ovsInterfaces).find((r) => strOf(r, 'name') === outer)
      const ifaceId = mapOf(iface, 'external_ids')['iface-id']
      const plug = `${vsctl(m, `--may-exist add-port ${bridge} ${outer}`)} -- set Interface ${outer} external_ids:iface-id=${meta.logicalPort}`
      if (!iface) {
        out.fail({code: 'OVN_VETH_UNPLUGGED', evidence: [ev(o.ovsInterfaces, `no OVS interface ${outer} (${val(o.ovsInterfaces).length} interface(s))`)], fix: {commands: [restart(m), plug], text: `The bridge side of ${ns.name}'s veth is not on ${bridge}: ARP for the metadata port IP gets no answer and guests time out. Restarting the agent re-plugs it (or plug it by hand).`}, subject: ns.name, summary: `${outer} is not plugged into ${bridge}: nothing reaches ${ns.name}`})
        continue
      }
      if (ifaceId !== meta.logicalPort) {
        out.fail({code: 'OVN_VETH_IFACE_ID', evidence: [ev(o.ovsInterfaces, `${outer} iface-id ${ifaceId ?? 'unset'}, metadata port ${meta.logicalPort}`)], fix: {commands: [vsctl(m, `set Interface ${outer} external_ids:iface-id=${meta.logicalPort}`)], text: 'ovn-controller binds the localport to this interface by iface-id; a different id leaves the localport unbound here.'}, subject: ns.name, summary: `${outer} carries iface-id ${ifaceId ?? 'none'}, not the metadata port ${meta.logicalPort}`})
        continue
      }
      if (!ns.addrs.ok) {
        out.info({code: 'NOT_EVALUATED', subject: ns.name, summary: ns.addrs.reason})
        continue
      }
      const link = ns.addrs.value.find((l) => l.ifname === inner)
      const have = new Set(link ? link.addrs.map((a) => a.local) : [])
      const want = ['169.254.169.254', ...bindingIps(meta)]
      const lack = want.filter((a) => !have.has(a))
      if (!link || lack.length > 0) {
        out.fail({code: 'OVN_VETH_ADDRESS_MISSING', evidence: [ev(ns.addrs, link ? `${inner}: ${[...have].join(', ') || 'no address'}` : `no ${inner} in ${ns.name} (links: ${ns.addrs.value.map((l) => l.ifname).join(', ')})`)], fix: {commands: [restart(m), nsExec(ns.name, 'ip addr')], text: `${inner} must hold 169.254.169.254/32 (haproxy binds it) and the metadata port's IP (the guests' next hop); the agent sets both when it provisions the network.`}, subject: ns.name, summary: link ? `${inner} lacks ${lack.join(', ')}` : `the namespace side ${inner} is missing`})
        continue
      }
      out.pass({code: 'OVN_VETH_OK', evidence: [ev(o.ovsInterfaces, `${outer} on OVS, iface-id ${ifaceId}`), ev(ns.addrs, `${inner}: ${want.join(', ')}`)], subject: ns.name, summary: `${outer} plugged (iface-id ${meta.logicalPort}); ${inner} holds ${want.join(', ')}`})
    }
  },
}

/** On a netdev (userspace) datapath the agent adds a CHECKSUM fill rule; without it guests' requests time out. */
export const ovnChecksumFill: Check<NodeModel> = {
  applies: (m) => onOvnChassis(m) ?? (m.namespaces.some((n) => n.kind === 'ovnmeta') ? undefined : 'no ovnmeta namespace in scope'),
  evidence: ['node.ovs-bridges', 'netns.iptables'],
  hop: 'intercept',
  id: 'ovn-checksum-fill',
  needs: [],
  title: 'netdev datapath: the ovnmeta namespace fills TCP checksums (mangle POSTROUTING CHECKSUM)',
  run(m, out) {
    const o = ovnWith(m, (x) => x.ovsLocal, (x) => x.ovsBridges)
    const bridge = ovsExternalIds(o)['ovn-bridge'] ?? 'br-int'
    const dp = strOf(val(o.ovsBridges).find((r) => strOf(r, 'name') === bridge), 'datapath_type') ?? ''
    if (dp !== 'netdev') {
      out.info({code: 'OVN_CHECKSUM_NOT_NEEDED', evidence: [ev(o.ovsBridges, `${bridge} datapath_type ${dp || 'system (default)'}`)], subject: bridge, summary: 'kernel datapath: no checksum rule needed'})
      return
    }
    for (const ns of m.namespaces.filter((n) => n.kind === 'ovnmeta')) {
      if (!ns.iptables.ok) {
        out.info({code: 'NOT_EVALUATED', subject: ns.name, summary: ns.iptables.reason})
        continue
      }
      const rules = ns.iptables.value.tables.mangle?.rules ?? []
      const hit = rules.find((r) => r.chain === 'POSTROUTING' && r.target === 'CHECKSUM' && /--checksum-fill/.test(r.text))
      if (hit) {
        out.pass({code: 'OVN_CHECKSUM_FILL', evidence: [ev(ns.iptables, `-A POSTROUTING ${hit.text}`)], subject: ns.name, summary: 'netdev datapath: checksum fill rule present'})
        continue
      }
      out.fail({code: 'OVN_CHECKSUM_FILL_MISSING', evidence: [ev(ns.iptables, 'mangle POSTROUTING has no CHECKSUM --checksum-fill'), ev(o.ovsBridges, `${bridge} datapath_type netdev`)], fix: {commands: [nsExec(ns.name, 'iptables -t mangle -A POSTROUTING -p tcp -m tcp -j CHECKSUM --checksum-fill'), restart(m)], text: 'On the userspace datapath the replies from haproxy leave with unfilled TCP checksums; the agent adds this rule for netdev bridges. Without it guests\' requests time out.'}, subject: ns.name, summary: 'netdev datapath but no checksum fill rule: guests\' TCP to 169.254.169.254 times out'})
    }
  },
}
