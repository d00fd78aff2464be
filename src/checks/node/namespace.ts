import type {Check} from '../../engine/check.js'
import {proxyConfId} from '../../engine/collect-node.js'
import {ev} from '../../engine/parsed.js'
import type {NodeModel} from '../../model/node-model.js'

/** The namespaces asked for exist; a node without any metadata namespace is probably the wrong node. */
export const namespacePresent: Check<NodeModel> = {
  evidence: ['node.netns'],
  hop: 'namespace',
  id: 'namespace-present',
  needs: ['netns'],
  title: 'qrouter- / qdhcp- / ovnmeta- namespace exists',
  run(m, out) {
    const all = m.netns.ok ? m.netns.value.map((e) => e.name) : []
    const o = m.options
    const wanted = [...(o.routers ?? []).map((r) => [`qrouter-${r}`]), ...(o.networks ?? []).map((n) => [`qdhcp-${n}`, `ovnmeta-${n}`]), ...(o.namespaces ?? []).map((n) => [n])]
    for (const names of wanted) {
      const found = names.find((n) => all.includes(n))
      const subject = names[0] ?? ''
      if (found) {
        out.pass({code: 'NAMESPACE_PRESENT', evidence: [ev(m.netns, `/run/netns/${found}`)], subject: found, summary: 'namespace exists'})
        continue
      }
      const isRouter = subject.startsWith('qrouter-')
      out.fail({
        code: 'NAMESPACE_MISSING',
        evidence: [ev(m.netns, `${all.length} namespace(s) in /run/netns, none named ${names.join(' or ')}`)],
        fix: {
          commands: isRouter
            ? ['openstack network agent list --router ' + subject.slice('qrouter-'.length) + ' --long', 'systemctl restart neutron-l3-agent']
            : m.agent.kind !== 'ml2-ovs'
              ? [`systemctl restart ${m.agent.service}`, `journalctl -u ${m.agent.service} -n 100 | grep -E 'Provisioning metadata|no metadata port|bound to our chassis'`]
              : ['openstack network agent list --network ' + subject.replace(/^q?dhcp-|^ovnmeta-/, ''), 'systemctl restart neutron-dhcp-agent'],
          text: isRouter
            ? 'The router is not hosted here (check which l3 agent hosts it, and that it is the HA primary), or the l3 agent failed to build it: look in the l3 agent log and resync.'
            : m.agent.kind !== 'ml2-ovs'
              ? 'The OVN metadata agent builds ovnmeta-<network> when a VM port of the network is bound to this chassis and the network has a metadata localport: check its log.'
              : 'The network is not hosted by a DHCP agent on this node, or the agent failed to build it: check the agent list and its log.',
        },
        subject,
        summary: `no namespace ${names.join(' / ')} on this node`,
      })
    }
    if (wanted.length > 0) return
    const metadataNs = all.filter((n) => /^(qrouter|qdhcp|ovnmeta)-/.test(n))
    if (metadataNs.length === 0) {
      out.warn({
        code: 'NO_METADATA_NAMESPACES',
        evidence: [ev(m.netns, all.length ? `namespaces: ${all.slice(0, 8).join(', ')}` : '/run/netns is empty or absent')],
        fix: {commands: ['openstack network agent list --host $(hostname)'], text: 'Run doctor on the network node that hosts the router or DHCP agent of the guest (or the compute node, for OVN).'},
        subject: 'this node',
        summary: 'no qrouter-, qdhcp- or ovnmeta- namespace here: this does not look like a node on the metadata path',
      })
    } else {
      const count = (p: string): number => metadataNs.filter((n) => n.startsWith(p)).length
      out.pass({code: 'NAMESPACES_FOUND', evidence: [ev(m.netns, `${count('qrouter-')} qrouter, ${count('qdhcp-')} qdhcp, ${count('ovnmeta-')} ovnmeta`)], subject: 'this node', summary: `${metadataNs.length} metadata namespace(s)`})
    }
  },
}

/** A proxy config or pid whose namespace is gone: the agent did not clean up, or the namespace was deleted by hand. */
export const orphanProxyConfig: Check<NodeModel> = {
  evidence: ['node.proxy-conf-dir', 'node.netns'],
  hop: 'namespace',
  id: 'proxy-config-orphans',
  needs: ['netns'],
  title: 'every metadata proxy config has its namespace',
  run(m, out) {
    const all = new Set(m.netns.ok ? m.netns.value.map((e) => e.name) : [])
    const orphans: string[] = []
    for (const rel of m.proxyConfs.keys()) {
      const id = proxyConfId(rel)
      const candidates = rel.startsWith('ovn-') ? [`ovnmeta-${id}`] : [`qrouter-${id}`, `qdhcp-${id}`]
      if (!candidates.some((c) => all.has(c))) orphans.push(rel)
    }
    if (orphans.length === 0) {
      if (m.proxyConfs.size > 0) out.pass({code: 'PROXY_CONFIGS_MATCHED', evidence: [ev(m.netns, `${m.proxyConfs.size} config(s) under ${m.paths.statePath}`)], subject: m.paths.statePath, summary: `${m.proxyConfs.size} metadata proxy config(s), each with its namespace`})
      return
    }
    const [first] = orphans
    out.warn({
      code: 'PROXY_CONFIG_ORPHANED',
      evidence: orphans.slice(0, 5).map((o) => ({excerpt: `${m.paths.statePath}/${o}: no matching namespace`, key: `node.proxy-conf[${o}]`, origin: m.netns.ok ? m.netns.origin : ''})),
      fix: {commands: [m.agent.kind === 'ml2-ovs' ? 'systemctl restart neutron-l3-agent neutron-dhcp-agent' : `systemctl restart ${m.agent.service}`], text: 'Configs without a namespace are left over from deleted routers/networks, or the namespace was removed by hand while the router still exists: resync the agents.'},
      subject: first ?? '',
      summary: `${orphans.length} metadata proxy config(s) without a namespace`,
    })
  },
}
