/**
 * Guest-side evidence. Guests are often minimal (cirros/busybox: no `ip -json`, no curl), so each
 * item lists alternatives, tried in order; the capture records the argv that was used. The same
 * argv runs locally (`mdctl guest`) and over ssh (`mdctl guest --ssh`), so both see the same thing.
 */
export type FallThrough = 'missing' | 'failure'

export interface GuestSpec {
  readonly title: string
  readonly alternatives: ReadonlyArray<readonly string[]>
  /** when to try the next alternative: only when the tool is missing, or on any failure */
  readonly fallThrough: FallThrough
  /** a probe: skipped under --passive */
  readonly active?: boolean
}

export const METADATA_URL = 'http://169.254.169.254'
export const FILE_MARK = '@@mdctl-file '

// extra lease files given with --lease-file arrive as "$@"
const LEASES_SCRIPT = [
  `for f in "$@" /var/lib/dhcp/*.leases /var/lib/dhclient/*.lease* /var/lib/NetworkManager/*.lease /run/dhclient*.lease*; do [ -r "$f" ] && { echo "${FILE_MARK}dhclient:$f"; cat "$f"; }; done`,
  `for f in /run/systemd/netif/leases/*; do [ -r "$f" ] && { echo "${FILE_MARK}networkd:$f"; cat "$f"; }; done`,
  `if command -v nmcli >/dev/null 2>&1; then echo "${FILE_MARK}nmcli:nmcli"; nmcli -f DHCP4 device show 2>/dev/null; fi`,
  `if command -v dhcpcd >/dev/null 2>&1; then for i in $(ls /sys/class/net); do [ "$i" = lo ] || { echo "${FILE_MARK}dhcpcd:$i"; dhcpcd -U "$i" 2>/dev/null; }; done; fi`,
  'exit 0',
].join('\n')

export const GUEST_PATHS = ['/', '/openstack', '/latest/meta-data/'] as const

/**
 * One GET sent raw through nc. nc's -w bounds only the connect (busybox) or the idle time after
 * stdin ends (OpenBSD), so a watchdog ends it after 7 s and says so: a nc still running then has
 * connected and heard nothing (NC_WATCHDOG_MARK in the parser).
 */
export function rawProbeArgv(path: string, userAgent: string): string[] {
  const raw = `GET ${path} HTTP/1.0\\r\\nHost: 169.254.169.254\\r\\nUser-Agent: ${userAgent}\\r\\nConnection: close\\r\\n\\r\\n`
  const script = [
    'command -v nc >/dev/null 2>&1 || exit 127',
    `printf '${raw}' | nc -w 5 169.254.169.254 80 & p=$!`,
    "( trap 'kill $s 2>/dev/null; exit 0' TERM; sleep 7 & s=$!; wait $s; kill $p 2>/dev/null && echo 'mdctl: nc still waiting for an answer after 7 s' >&2 ) & w=$!",
    'wait $p; rc=$?',
    'kill $w 2>/dev/null',
    'exit $rc',
  ].join('\n')
  return ['sh', '-c', script]
}

/** argv alternatives for one HTTP GET from the guest: curl, then wget, then nc. */
export function probeAlternatives(path: string, userAgent: string): string[][] {
  const url = `${METADATA_URL}${path}`
  return [
    // -v: without it curl 7.88 says only "Couldn't connect" for refused and unreachable alike,
    // and only -v shows whether a timeout came before or after the connection was made
    ['curl', '-sS', '-v', '-i', '-m', '5', '-A', userAgent, '-w', '\\n%{time_total} %{http_code}\\n', url],
    ['wget', '-S', '-O', '-', '-T', '5', '-t', '1', '-U', userAgent, url],
    // some busybox builds have no -T (Debian's 1.35 crashes on it): our own timeout bounds this one
    ['wget', '-S', '-O', '-', '-U', userAgent, url],
    rawProbeArgv(path, userAgent),
  ]
}

/**
 * wget answered in a way that hides what the raw GET shows: an error status without its body
 * (neither GNU nor busybox wget keeps it), or a timeout that does not say whether it connected
 * (busybox prints only "Connecting to …", also when it did).
 */
export function wgetNeedsRawFetch(c: {argv: readonly string[]; exitCode: number; stdout: string; stderr: string; failure?: string}): boolean {
  if (c.argv[0] !== 'wget' || c.exitCode === 0) return false
  if (/^\s+HTTP\/\d(?:\.\d)? [45]\d\d/m.test(c.stderr)) return c.stdout.trim() === ''
  return c.failure === 'timeout' || /timed out/i.test(c.stderr) && !/connected\.|failed: Connection timed out/.test(c.stderr)
}

export const GUEST_EVIDENCE = {
  'guest.ip-route': {alternatives: [['ip', '-json', 'route', 'show', 'table', 'main'], ['ip', 'route', 'show'], ['route', '-n']], fallThrough: 'failure', title: 'routing table'},
  'guest.route-get': {alternatives: [['ip', 'route', 'get', '169.254.169.254']], fallThrough: 'missing', title: 'the route the kernel picks for 169.254.169.254'},
  'guest.neigh': {alternatives: [['ip', '-json', 'neigh'], ['ip', 'neigh'], ['cat', '/proc/net/arp']], fallThrough: 'failure', title: 'neighbour (ARP) table'},
  'guest.leases': {alternatives: [['sh', '-c', LEASES_SCRIPT]], fallThrough: 'missing', title: 'DHCP leases (dhclient, systemd-networkd, NetworkManager, dhcpcd)'},
  'guest.sysconfig-network': {alternatives: [['cat', '/etc/sysconfig/network']], fallThrough: 'missing', title: '/etc/sysconfig/network (NOZEROCONF)'},
  'guest.ifup-eth': {alternatives: [['cat', '/etc/sysconfig/network-scripts/ifup-eth']], fallThrough: 'missing', title: 'initscripts ifup-eth (zeroconf route)'},
  'guest.env': {alternatives: [['env']], fallThrough: 'missing', title: 'environment: only http_proxy / https_proxy / no_proxy are kept'},
  'guest.etc-environment': {alternatives: [['cat', '/etc/environment']], fallThrough: 'missing', title: '/etc/environment (http_proxy / no_proxy)'},
  'guest.blkid': {alternatives: [['lsblk', '-P', '-o', 'NAME,LABEL,FSTYPE'], ['blkid']], fallThrough: 'failure', title: 'block devices (config drive label config-2)'},
  'guest.cloud-init-log': {alternatives: [['tail', '-n', '20000', '/var/log/cloud-init.log']], fallThrough: 'missing', title: 'cloud-init log'},
} as const satisfies Record<string, GuestSpec>

export type GuestKey = keyof typeof GUEST_EVIDENCE | 'probe.guest-http' | 'probe.guest-http-raw'

/** The leases item with extra lease files to read (a guest that keeps them elsewhere). */
export function leasesAlternatives(extra: readonly string[]): string[][] {
  return [['sh', '-c', LEASES_SCRIPT, 'mdctl-leases', ...extra]]
}
