// The OVN lab's guest: a namespace whose eth0 is a veth plugged into the integration bridge as
// the VM port (iface-id = the VM's logical port), leased by OVN's native DHCP with real dhclient.
import {writeFile} from 'node:fs/promises'

import {DHCLIENT_SCRIPT, dhclientArgv, dhclientConf} from '../dhclient.js'
import {run} from '../run.js'
import {OVN_BRIDGE, OVN_GUEST_MAC, OVN_GUEST_NETNS, OVN_IDS, OVN_VM_LINK, ovnEnv, type OvnLabPaths} from './plan.js'

export async function plugGuest(p: OvnLabPaths): Promise<void> {
  const ns = OVN_GUEST_NETNS
  await run(['ip', 'netns', 'add', ns])
  await run(['ip', 'link', 'set', 'lo', 'up'], {netns: ns})
  await run(['ip', 'link', 'add', OVN_VM_LINK, 'type', 'veth', 'peer', 'name', `${OVN_VM_LINK}p`])
  await run(['ip', 'link', 'set', `${OVN_VM_LINK}p`, 'netns', ns])
  await run(['ip', 'link', 'set', `${OVN_VM_LINK}p`, 'name', 'eth0', 'address', OVN_GUEST_MAC, 'mtu', '1442'], {netns: ns})
  // the userspace datapath does not fill in TCP checksums the veth offloads (as in a VM with a virtio NIC's offload off)
  await run(['ethtool', '-K', 'eth0', 'tx', 'off'], {netns: ns})
  await run(['ip', 'link', 'set', 'eth0', 'up'], {netns: ns})
  await run(['ip', 'link', 'set', OVN_VM_LINK, 'up'])
  await run(['ovs-vsctl', `--db=unix:${p.ovsSock}`, 'add-port', OVN_BRIDGE, OVN_VM_LINK, '--', 'set', 'Interface', OVN_VM_LINK, `external_ids:iface-id=${OVN_IDS.vmPort}`, 'external_ids:attached-mac="' + OVN_GUEST_MAC + '"', `external_ids:vm-uuid=${OVN_IDS.instance}`], {env: ovnEnv(p)})
  await writeFile(p.dhclientConf, dhclientConf(true), {mode: 0o644})
  await writeFile(p.dhclientScript, DHCLIENT_SCRIPT, {mode: 0o755})
}

/** One DHCP exchange (dhclient -1): the lease and routes OVN hands out now. */
export async function lease(p: OvnLabPaths): Promise<void> {
  await run(dhclientArgv(p), {netns: OVN_GUEST_NETNS, timeoutMs: 30_000})
}

/** Let go of the lease and ask again: what a guest sees after a reboot. */
export async function renewLease(p: OvnLabPaths): Promise<void> {
  await run(['dhclient', '-r', '-cf', p.dhclientConf, '-lf', p.dhclientLeases, '-pf', p.dhclientPid, '-sf', p.dhclientScript, 'eth0'], {allowFail: true, netns: OVN_GUEST_NETNS})
  await run(['ip', '-4', 'route', 'flush', 'dev', 'eth0'], {allowFail: true, netns: OVN_GUEST_NETNS})
  await writeFile(p.dhclientLeases, '')
  await lease(p)
}
