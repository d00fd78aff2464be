import {NotEvaluated} from '../../engine/check.js'
import type {Parsed} from '../../engine/parsed.js'
import type {NodeModel} from '../../model/node-model.js'
import type {OvnModel} from '../../model/ovn-model.js'

/** OVN checks apply on an OVN chassis only. */
export const onOvnChassis = (m: NodeModel): string | undefined => (m.ovn ? undefined : 'not an OVN chassis (no OVN metadata agent config, process or ovnmeta namespace)')

/** The OVN model, with every evidence given usable; otherwise the check is not evaluated, naming what is missing. */
export function ovnWith(m: NodeModel, ...pick: Array<(o: OvnModel) => Parsed<unknown>>): OvnModel {
  const o = m.ovn
  if (!o) throw new NotEvaluated('not an OVN chassis')
  const bad = pick.map((f) => f(o)).filter((p) => !p.ok)
  if (bad.length > 0) throw new NotEvaluated(bad.map((p) => (p.ok ? '' : p.reason)).join('; '))
  return o
}

/** `ovn-sbctl` with the agent's connection, pasteable on this node. */
export function sbctl(m: NodeModel, args: string): string {
  const o = m.paths.ovn
  return `ovn-sbctl --db=${o?.sb ?? 'tcp:127.0.0.1:6642'}${o?.sbSsl.length ? ` ${o.sbSsl.join(' ')}` : ''} ${args}`
}

export const vsctl = (m: NodeModel, args: string): string => `ovs-vsctl --db=${m.paths.ovn?.ovsdb ?? 'unix:/var/run/openvswitch/db.sock'} ${args}`

export const restart = (m: NodeModel): string => `systemctl restart ${m.agent.service}`

/** neutron's `_get_veth_name`: tap + network id[:10] + 0 (bridge side) / 1 (namespace side) */
export const vethOf = (net: string): [string, string] => [`tap${net.slice(0, 10)}0`, `tap${net.slice(0, 10)}1`]

/** The value of evidence already required by ovnWith (or not evaluated, with its reason). */
export function val<T>(p: Parsed<T>): T {
  if (!p.ok) throw new NotEvaluated(p.reason)
  return p.value
}
