// One instance of the reference inventory: what neutron knows about its port and what nova
// knows about the server. Field names follow the config file (snake_case there).

export interface InstanceSpec {
  uuid: string
  projectId: string
  name: string
  /** short hostname; nova appends `.<dhcp_domain>` */
  hostname: string
  availabilityZone: string | null
  networkId?: string
  routerId?: string
  /** canonical IP addresses of the port */
  fixedIps: string[]
  macAddress: string
  portId: string
  /** nova exposes at most one key pair */
  publicKey: {name: string; key: string} | null
  userData: Buffer | null
  meta: Record<string, string>
  /** what `password` holds at start (nova's password_0..3 system metadata) */
  password: string
  launchIndex: number
  flavor: string
  securityGroups: string[]
  floatingIps: string[]
  ec2InstanceId: string
  amiId: string
  reservationId: string
  kernelId?: string
  ramdiskId?: string
  rootDeviceName: string
  /** replaces the generated network_data.json */
  networkData?: unknown
}
