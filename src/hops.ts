/** The metadata path as hops, in path order (CONTRACT.md). The order picks the first failing hop. */
export const HOPS = [
  'dhcp-route',
  'guest-route',
  'guest-arp',
  'namespace',
  'intercept',
  'proxy',
  'socket',
  'agent',
  'nova',
  'signature',
  'instance',
] as const

export type Hop = (typeof HOPS)[number]

export const hopIndex = (h: Hop): number => HOPS.indexOf(h)

export const HOP_TITLES: Record<Hop, string> = {
  'dhcp-route': 'DHCP host route for 169.254.169.254',
  'guest-route': 'guest route to 169.254.169.254',
  'guest-arp': 'next hop answers ARP',
  namespace: 'router / DHCP / OVN namespace',
  intercept: 'namespace catches 169.254.169.254:80',
  proxy: 'metadata proxy (haproxy) in the namespace',
  socket: 'unix socket to the metadata agent',
  agent: 'neutron-metadata-agent',
  nova: 'nova metadata API',
  signature: 'shared secret / instance id signature',
  instance: 'requesting IP resolves to one instance',
}
