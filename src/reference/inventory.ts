// The agent's view of neutron (which port has this address on this network or behind this
// router) and nova's view (which server has this uuid or fixed IP), indexed once at start.
import type {ClientAddress} from './ip-address.js'
import type {InstanceSpec} from './instance.js'

const routerScope = (routerId: string): string => `router:${routerId}`

export class Inventory {
  private readonly byUuid = new Map<string, InstanceSpec>()
  private readonly byFixedIp = new Map<string, InstanceSpec[]>()
  /** router id -> networks with a router interface (from instances that name both) */
  private readonly routerNetworks = new Map<string, Set<string>>()
  /** `${network}|${ip}` and `${network}|mac:${mac}` -> ports */
  private readonly ports = new Map<string, InstanceSpec[]>()

  constructor(readonly instances: readonly InstanceSpec[]) {
    const add = <K>(m: Map<K, InstanceSpec[]>, k: K, v: InstanceSpec): void => {
      const list = m.get(k)
      if (list) list.push(v)
      else m.set(k, [v])
    }
    for (const inst of instances) {
      this.byUuid.set(inst.uuid, inst)
      // an instance with only a router_id sits on a network known only as "behind that router"
      const network = inst.networkId ?? routerScope(inst.routerId as string)
      if (inst.routerId) {
        const nets = this.routerNetworks.get(inst.routerId) ?? new Set<string>()
        nets.add(network)
        this.routerNetworks.set(inst.routerId, nets)
      }
      for (const ip of inst.fixedIps) {
        add(this.byFixedIp, ip, inst)
        add(this.ports, `${network}|${ip}`, inst)
      }
      add(this.ports, `${network}|mac:${inst.macAddress}`, inst)
    }
  }

  /** neutron's get_port: the ports matching the address on the network, or on the router's networks. */
  findPorts(addr: ClientAddress, networkId: string | undefined, routerId: string | undefined): InstanceSpec[] {
    const networks = networkId ? [networkId] : routerId ? [...(this.routerNetworks.get(routerId) ?? [])] : []
    const key = addr.mac !== undefined ? `mac:${addr.mac}` : addr.ip
    const found: InstanceSpec[] = []
    for (const net of networks) found.push(...(this.ports.get(`${net}|${key}`) ?? []))
    return found
  }

  byInstanceId(uuid: string): InstanceSpec | undefined {
    return this.byUuid.get(uuid)
  }

  /** nova's get_fixed_ip_by_address (service_metadata_proxy = False). */
  byAddress(ip: string): InstanceSpec[] {
    return this.byFixedIp.get(ip) ?? []
  }
}
