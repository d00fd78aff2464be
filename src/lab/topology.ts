// Namespaces and links of the lab. The tenant network is a Linux bridge inside its own namespace
// (mdlab-net), so the host's root namespace only ever sees the optional ssh veth.
import {bridgeName, BRIDGE_PORTS, GUEST_NETNS, HOST_LINK, NET_NETNS, type LabIds} from './plan.js'
import {run} from './run.js'

export async function addNetns(name: string): Promise<void> {
  await run(['ip', 'netns', 'add', name])
  await run(['ip', 'link', 'set', 'lo', 'up'], {netns: name})
}

export async function addBridge(ids: LabIds): Promise<void> {
  const br = bridgeName(ids)
  await run(['ip', 'link', 'add', br, 'type', 'bridge'], {netns: NET_NETNS})
  await run(['ip', 'link', 'set', br, 'up'], {netns: NET_NETNS})
}

/**
 * A veth whose `name` end stays in `netns` (root namespace when undefined) and whose other end
 * joins the lab bridge in mdlab-net.
 */
export async function plugIntoBridge(ids: LabIds, o: {netns?: string; name: string; mac?: string; index?: number; bridgePort: string}): Promise<void> {
  const create = ['ip', 'link', 'add', o.name]
  if (o.index !== undefined) create.push('index', String(o.index))
  if (o.mac !== undefined) create.push('address', o.mac)
  create.push('type', 'veth', 'peer', 'name', o.bridgePort)
  // the peer is registered first and would take the wanted index: give it the next one
  if (o.index !== undefined) create.push('index', String(o.index + 1))
  await run(create, {netns: o.netns})
  await run(['ip', 'link', 'set', o.bridgePort, 'netns', NET_NETNS], {netns: o.netns})
  await run(['ip', 'link', 'set', o.bridgePort, 'master', bridgeName(ids), 'up'], {netns: NET_NETNS})
}

export async function addAddress(netns: string, dev: string, cidr: string): Promise<void> {
  await run(['ip', 'addr', 'add', cidr, 'dev', dev], {netns})
}

export async function linkUp(netns: string | undefined, dev: string): Promise<void> {
  await run(['ip', 'link', 'set', dev, 'up'], {netns})
}

/** The guest's NIC is eth0 with ifindex 2, as in a VM (the zeroconf route's metric is 1000 + ifindex). */
export async function plugGuest(ids: LabIds): Promise<void> {
  await plugIntoBridge(ids, {bridgePort: BRIDGE_PORTS.guest, index: 2, mac: ids.guestMac, name: 'eth0', netns: GUEST_NETNS})
}

export async function plugHost(ids: LabIds): Promise<void> {
  await plugIntoBridge(ids, {bridgePort: BRIDGE_PORTS.host, name: HOST_LINK})
}

export async function deleteNetns(name: string): Promise<boolean> {
  const r = await run(['ip', 'netns', 'del', name], {allowFail: true})
  return r.ok
}

export async function deleteHostLink(name: string): Promise<boolean> {
  const r = await run(['ip', 'link', 'del', name], {allowFail: true})
  return r.ok
}
