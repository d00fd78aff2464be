/**
 * Scenarios that make real tools print what mdctl's guest parsers read. Each returns the
 * captured runs keyed by sample name (`<parser>--<variant>`). Used by the live tests and by
 * capture-samples.ts, which saves them under samples/.
 */
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {Lab, run, waitFor, type Run} from './lab.js'

const here = dirname(fileURLToPath(import.meta.url))
export const CLOUD_INIT_DRIVER = join(here, 'cloud-init-driver.py')
export const METADATA_STUB = join(here, 'metadata-stub.py')
// the distribution's python: cloud-init lives in its dist-packages, not in a pyenv/venv python
export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'

export type Captures = Record<string, Run>

/** Zeroconf trap: on-link 169.254.0.0/16, absent gateway; then the option-121 host route. */
export async function routesAndNeighbours(lab: Lab): Promise<Captures> {
  const {guest} = await lab.guestNet({zeroconf: true, defaultRoute: true})
  const c: Captures = {}
  const ip = (args: string[]): Promise<Run> => run('ip', ['-n', guest, ...args])
  c['ip-route-text--zeroconf'] = await ip(['route'])
  c['ip-route-text--table-all'] = await ip(['route', 'show', 'table', 'all'])
  c['ip-route-json--zeroconf-table-all'] = await ip(['-json', 'route', 'show', 'table', 'all'])
  c['ip-route-json--main'] = await ip(['-json', 'route'])
  c['route-n--zeroconf'] = await lab.exec(guest, 'route', ['-n'])
  c['route-n--names'] = await lab.exec(guest, 'route', [])
  c['ip-route-get--onlink'] = await ip(['route', 'get', '169.254.169.254'])
  c['ip-route-get--onlink-json'] = await ip(['-json', 'route', 'get', '169.254.169.254'])
  // Make the guest ARP: for 169.254.169.254 (on-link, nobody owns it), 10.0.0.1 (absent
  // gateway) and 10.0.0.2 (answers ARP, refuses TCP).
  const slow = Promise.all([
    lab.exec(guest, 'curl', ['-sS', '-m', '8', 'http://169.254.169.254/'], {timeoutMs: 15_000}),
    lab.exec(guest, 'curl', ['-sS', '-m', '8', 'http://10.0.0.1/'], {timeoutMs: 15_000}),
  ])
  await lab.exec(guest, 'curl', ['-sS', '-m', '2', 'http://10.0.0.2/'])
  await waitFor(async () => (await ip(['neigh'])).stdout.includes('INCOMPLETE'), 2000, 50)
  c['ip-neigh--incomplete'] = await ip(['neigh'])
  c['ip-neigh--incomplete-json'] = await ip(['-json', 'neigh'])
  c['proc-net-arp--incomplete-arp-n'] = await lab.exec(guest, 'arp', ['-n'])
  await slow
  await waitFor(async () => !(await ip(['neigh'])).stdout.includes('INCOMPLETE'), 5000, 100)
  c['ip-neigh--failed'] = await ip(['neigh'])
  c['ip-neigh--failed-json'] = await ip(['-json', 'neigh'])
  c['ip-neigh--nud-all'] = await ip(['neigh', 'show', 'nud', 'all'])
  c['proc-net-arp--failed'] = await lab.exec(guest, 'cat', ['/proc/net/arp'])
  c['proc-net-arp--failed-arp-n'] = await lab.exec(guest, 'arp', ['-n'])
  // what option 121 from neutron installs: the /32 wins over the zeroconf /16
  await run('ip', ['-n', guest, 'route', 'add', '169.254.169.254/32', 'via', '10.0.0.2', 'dev', 'eth0', 'proto', 'dhcp'])
  c['ip-route-text--host-route'] = await ip(['route'])
  c['ip-route-json--host-route'] = await ip(['-json', 'route'])
  c['route-n--host-route'] = await lab.exec(guest, 'route', ['-n'])
  c['ip-route-get--via'] = await ip(['route', 'get', '169.254.169.254'])
  c['ip-route-get--via-json'] = await ip(['-json', 'route', 'get', '169.254.169.254'])
  await run('ip', ['-n', guest, 'route', 'add', '10.9.0.0/16', 'proto', 'static', 'metric', '50', 'nexthop', 'via', '10.0.0.2', 'dev', 'eth0', 'nexthop', 'via', '10.0.0.3', 'dev', 'eth0'])
  c['ip-route-text--multipath'] = await ip(['route'])
  c['ip-route-json--multipath'] = await ip(['-json', 'route'])
  c['ip-route-text--error'] = await ip(['route', 'show', 'table', '999'])
  // a guest without any route to it
  const empty = await lab.addNetns('e')
  c['ip-route-get--unreachable'] = await run('ip', ['-n', empty, 'route', 'get', '169.254.169.254'])
  c['ip-route-get--unreachable-json'] = await run('ip', ['-n', empty, '-json', 'route', 'get', '169.254.169.254'])
  c['ip-route-text--empty'] = await run('ip', ['-n', empty, 'route'])
  c['ip-route-json--empty'] = await run('ip', ['-n', empty, '-json', 'route'])
  c['route-n--empty'] = await lab.exec(empty, 'route', ['-n'])
  c['ip-neigh--empty'] = await run('ip', ['-n', empty, 'neigh'])
  c['proc-net-arp--empty'] = await lab.exec(empty, 'cat', ['/proc/net/arp'])
  return c
}

/** neutron's opts lines for a subnet whose metadata route goes via the DHCP port 10.0.0.2. */
export const NEUTRON_OPTS = [
  'tag:subnet-5f1e0c36-7a29-4d3c-9f0b-0123456789ab,option:classless-static-route,169.254.169.254/32,10.0.0.2,0.0.0.0/0,10.0.0.1',
  'tag:subnet-5f1e0c36-7a29-4d3c-9f0b-0123456789ab,249,169.254.169.254/32,10.0.0.2,0.0.0.0/0,10.0.0.1',
  'tag:subnet-5f1e0c36-7a29-4d3c-9f0b-0123456789ab,option:router,10.0.0.1',
]

/**
 * Real dnsmasq in the peer, real dhclient in the guest (`-sf /bin/true`: no route changes).
 * `declared`: Debian's dhclient.conf, which declares option 121 → decimal
 *   `rfc3442-classless-static-routes`; dnsmasq reads neutron's opts file as neutron runs it.
 * `unknown`: a dhclient.conf that neither declares nor requests 121/249. dnsmasq only sends
 *   options a client asks for, so here 121/249 are forced (`--dhcp-option-force`, not what
 *   neutron does) and dhclient records them as `unknown-121`/`unknown-249` colon hex.
 *   (Requesting `unknown-121` in dhclient.conf instead makes dhclient 4.4.3 crash with SIGSEGV.)
 */
export async function dhclientLease(lab: Lab, variant: 'declared' | 'unknown'): Promise<{lease: string; dhclient: Run; dnsmasqLog: string}> {
  const {guest, peer, peerDev} = await lab.guestNet({guestAddress: false})
  const opts = join(lab.dir, `opts-${variant}`)
  const lines = variant === 'declared' ? NEUTRON_OPTS : NEUTRON_OPTS.filter((l) => l.includes('option:router'))
  writeFileSync(opts, lines.join('\n') + '\n')
  const tag = 'subnet-5f1e0c36-7a29-4d3c-9f0b-0123456789ab'
  const args = [
    '--no-daemon', '--conf-file=/dev/null', '--port=0', '--bind-interfaces', `--interface=${peerDev}`, '--except-interface=lo',
    `--dhcp-range=set:${tag},10.0.0.10,10.0.0.20,255.255.255.0,600s`, `--dhcp-optsfile=${opts}`,
    `--dhcp-leasefile=${join(lab.dir, `dnsmasq-${variant}.leases`)}`, '--log-dhcp', `--dhcp-hostsfile=/dev/null`,
  ]
  if (variant === 'unknown') {
    args.push(`--dhcp-option-force=tag:${tag},121,169.254.169.254/32,10.0.0.2,0.0.0.0/0,10.0.0.1`)
    args.push(`--dhcp-option-force=tag:${tag},249,169.254.169.254/32,10.0.0.2,0.0.0.0/0,10.0.0.1`)
  }
  const dnsmasq = await lab.spawn(peer, 'dnsmasq', args)
  await waitFor(() => dnsmasq.output().includes('DHCP, sockets bound') || dnsmasq.output().includes('DHCP, IP range'), 5000)
  const leaseFile = join(lab.dir, `dhclient-${variant}.leases`)
  const dhArgs = ['-1', '-v', '-lf', leaseFile, '-pf', join(lab.dir, `dhclient-${variant}.pid`), '-sf', '/bin/true']
  if (variant === 'unknown') {
    const conf = join(lab.dir, 'dhclient-no121.conf')
    writeFileSync(conf, 'request subnet-mask, broadcast-address, routers, domain-name-servers;\n')
    dhArgs.push('-cf', conf)
  }
  const dhclient = await lab.exec(guest, 'dhclient', [...dhArgs, 'eth0'], {timeoutMs: 60_000})
  let lease = ''
  try {
    lease = readFileSync(leaseFile, 'utf8')
  } catch {
    // no lease: the caller reports dhclient's own output
  }
  return {lease, dhclient, dnsmasqLog: dnsmasq.output()}
}

const HAPROXY_GLOBAL = `global
    maxconn     256
defaults
    mode http
    option http-server-close
    option forwardfor
    retries                 3
    timeout http-request    30s
    timeout connect         1s
    timeout client          32s
    timeout server          1s
`

/**
 * haproxy in the peer on 169.254.169.254 (the qdhcp layout) in front of: a missing unix
 * socket (503), a backend that never answers (504), one that closes without answering (502),
 * a rate limit (429) and a stand-in agent replaying neutron/nova bodies (metadata-stub.py).
 * Probed from the guest with curl -i, wget -S and, for failures, nc.
 */
export async function httpProbes(lab: Lab): Promise<Captures> {
  const {guest, peer} = await lab.guestNet({hostRoute: true, peerHoldsMetadataIp: true})
  const sock = (n: string): string => join(lab.dir, `${n}.sock`)
  const cfg = `${HAPROXY_GLOBAL}
listen nosock
    bind 169.254.169.254:80
    server metadata ${sock('absent')}
listen slow
    bind 169.254.169.254:8504
    server metadata ${sock('silent')}
listen closing
    bind 169.254.169.254:8502
    server metadata ${sock('closing')}
listen limited
    bind 169.254.169.254:8429
    http-request deny deny_status 429
    server metadata ${sock('absent')}
listen agent
    bind 169.254.169.254:8775
    server metadata ${sock('agent')}
`
  const cfgPath = join(lab.dir, 'haproxy.cfg')
  writeFileSync(cfgPath, cfg)
  await lab.spawn(peer, PYTHON, [METADATA_STUB, 'unix-silent', sock('silent')])
  await lab.spawn(peer, PYTHON, [METADATA_STUB, 'unix-closing', sock('closing')])
  await lab.spawn(peer, PYTHON, [METADATA_STUB, 'unix-agent', sock('agent')])
  const haproxy = await lab.spawn(peer, 'haproxy', ['-db', '-f', cfgPath])
  await waitFor(() => ['silent', 'closing', 'agent'].every((n) => existsSync(sock(n))), 5000)
  await waitFor(async () => (await lab.exec(guest, 'curl', ['-s', '-o', '/dev/null', '-m', '1', 'http://169.254.169.254/'])).exitCode === 0, 5000, 100)
  const c: Captures = {}
  const curl = (url: string, extra: string[] = []): Promise<Run> => lab.exec(guest, 'curl', ['-sS', '-i', '-m', '5', ...extra, url], {timeoutMs: 10_000})
  c['http-probe--haproxy-503'] = await curl('http://169.254.169.254/openstack')
  c['http-probe--haproxy-504'] = await curl('http://169.254.169.254:8504/openstack')
  c['http-probe--haproxy-502'] = await curl('http://169.254.169.254:8502/openstack')
  c['http-probe--haproxy-429'] = await curl('http://169.254.169.254:8429/openstack')
  c['http-probe--agent-404-instance'] = await curl('http://169.254.169.254:8775/instance-not-found')
  c['http-probe--agent-503-nova'] = await curl('http://169.254.169.254:8775/nova-unreachable')
  c['http-probe--nova-403-signature'] = await curl('http://169.254.169.254:8775/signature')
  c['http-probe--agent-500-unknown'] = await curl('http://169.254.169.254:8775/unknown-error')
  c['http-probe--agent-500-nova'] = await curl('http://169.254.169.254:8775/nova-500')
  c['http-probe--nova-400-headers'] = await curl('http://169.254.169.254:8775/missing-headers')
  c['http-probe--ok-200'] = await curl('http://169.254.169.254:8775/openstack')
  c['http-probe--ok-200-timing'] = await lab.exec(guest, 'curl', ['-sS', '-i', '-m', '5', '-w', '\n%{time_total} %{http_code}\n', 'http://169.254.169.254:8775/openstack'])
  c['http-probe--continue-100'] = await curl('http://169.254.169.254:8775/openstack/2013-10-17/password', ['-H', 'Expect: 100-continue', '--data-binary', 'x'.repeat(2048)])
  c['wget-response--haproxy-503'] = await lab.exec(guest, 'wget', ['-S', '-O', '-', '-T', '5', '-t', '1', 'http://169.254.169.254/openstack'])
  c['wget-response--agent-404-instance'] = await lab.exec(guest, 'wget', ['-S', '-O', '-', '-T', '5', '-t', '1', '--content-on-error', 'http://169.254.169.254:8775/instance-not-found'])
  c['wget-response--ok-200'] = await lab.exec(guest, 'wget', ['-S', '-O', '-', '-T', '5', '-t', '1', 'http://169.254.169.254:8775/openstack'])
  // failures: refused (closed port on the peer), reset, empty reply
  c['probe-failure--curl-refused'] = await lab.exec(guest, 'curl', ['-sS', '-m', '3', 'http://169.254.169.254:81/'])
  c['probe-failure--curl-refused-verbose'] = await lab.exec(guest, 'curl', ['-sS', '-v', '-m', '3', 'http://169.254.169.254:81/'])
  c['probe-failure--wget-refused'] = await lab.exec(guest, 'wget', ['-S', '-O', '-', '-T', '3', '-t', '1', 'http://169.254.169.254:81/'])
  c['probe-failure--nc-refused'] = await lab.exec(guest, 'nc', ['-zv', '-w', '3', '169.254.169.254', '81'])
  await lab.spawn(peer, PYTHON, [METADATA_STUB, 'tcp-reset', '169.254.169.254', '8056'])
  await lab.spawn(peer, PYTHON, [METADATA_STUB, 'tcp-empty', '169.254.169.254', '8052'])
  await lab.spawn(peer, PYTHON, [METADATA_STUB, 'tcp-silent', '169.254.169.254', '8028'])
  await waitFor(async () => {
    const ss = (await lab.exec(peer, 'ss', ['-Hltn'])).stdout
    return [':8056', ':8052', ':8028'].every((port) => ss.includes(`169.254.169.254${port}`))
  }, 5000)
  c['probe-failure--curl-reset'] = await lab.exec(guest, 'curl', ['-sS', '-m', '3', 'http://169.254.169.254:8056/'])
  c['probe-failure--curl-empty-reply'] = await lab.exec(guest, 'curl', ['-sS', '-m', '3', 'http://169.254.169.254:8052/'])
  c['probe-failure--curl-timeout'] = await lab.exec(guest, 'curl', ['-sS', '-m', '2', 'http://169.254.169.254:8028/'])
  c['probe-failure--wget-timeout'] = await lab.exec(guest, 'wget', ['-S', '-O', '-', '-T', '2', '-t', '1', 'http://169.254.169.254:8028/'])
  c['probe-failure--wget-reset'] = await lab.exec(guest, 'wget', ['-S', '-O', '-', '-T', '3', '-t', '1', 'http://169.254.169.254:8056/'])
  void haproxy
  return c
}

/** Failures that need the guest's own routing: no route at all, and the ARP dead end. */
export async function probeFailuresRouting(lab: Lab): Promise<Captures> {
  const {guest} = await lab.guestNet({zeroconf: true})
  const isolated = await lab.addNetns('i')
  const c: Captures = {}
  c['probe-failure--curl-unreachable'] = await lab.exec(isolated, 'curl', ['-sS', '-m', '3', 'http://169.254.169.254/'])
  c['probe-failure--curl-unreachable-verbose'] = await lab.exec(isolated, 'curl', ['-sS', '-v', '-m', '3', 'http://169.254.169.254/'])
  c['probe-failure--wget-unreachable'] = await lab.exec(isolated, 'wget', ['-S', '-O', '-', '-T', '3', '-t', '1', 'http://169.254.169.254/'])
  c['probe-failure--nc-unreachable'] = await lab.exec(isolated, 'nc', ['-zv', '-w', '3', '169.254.169.254', '80'])
  // DNS failure inside the isolated namespace: the resolver is unreachable from there
  c['probe-failure--curl-dns'] = await lab.exec(isolated, 'curl', ['-sS', '-m', '3', 'http://metadata.invalid/'])
  const [noRoute, noRouteVerbose, wgetNoRoute, ncNoRoute] = await Promise.all([
    lab.exec(guest, 'curl', ['-sS', '-m', '8', 'http://169.254.169.254/'], {timeoutMs: 15_000}),
    lab.exec(guest, 'curl', ['-sS', '-v', '-m', '8', 'http://169.254.169.254/'], {timeoutMs: 15_000}),
    lab.exec(guest, 'wget', ['-S', '-O', '-', '-T', '8', '-t', '1', 'http://169.254.169.254/'], {timeoutMs: 15_000}),
    lab.exec(guest, 'nc', ['-zv', '-w', '8', '169.254.169.254', '80'], {timeoutMs: 15_000}),
  ])
  c['probe-failure--curl-no-route'] = noRoute
  c['probe-failure--curl-no-route-verbose'] = noRouteVerbose
  c['probe-failure--wget-no-route'] = wgetNoRoute
  c['probe-failure--nc-no-route'] = ncNoRoute
  return c
}

/**
 * cloud-init 22.4's own OpenStack and Ec2 datasource code, logging with its file format, in
 * a guest namespace: `unreachable` (no route), `no-route` (zeroconf on-link, ARP dead end),
 * `ok` (metadata-stub.py answering on 169.254.169.254 behind an option-121 host route).
 */
export async function cloudInitLog(lab: Lab, mode: 'unreachable' | 'no-route' | 'ok'): Promise<{log: string; driver: Run}> {
  let guest: string
  if (mode === 'unreachable') guest = await lab.addNetns('ci')
  else {
    const net = await lab.guestNet({zeroconf: mode === 'no-route', hostRoute: mode === 'ok', peerHoldsMetadataIp: mode === 'ok'})
    guest = net.guest
    if (mode === 'ok') {
      await lab.spawn(net.peer, PYTHON, [METADATA_STUB, 'tcp-metadata', '169.254.169.254', '80'])
      await waitFor(async () => (await lab.exec(guest, 'curl', ['-s', '-o', '/dev/null', '-m', '1', 'http://169.254.169.254/openstack'])).exitCode === 0, 5000, 100)
    }
  }
  const logPath = join(lab.dir, `cloud-init-${mode}.log`)
  const driver = await lab.exec(guest, PYTHON, [CLOUD_INIT_DRIVER, logPath, mode === 'ok' ? 'ok' : 'fail', lab.dir], {timeoutMs: 90_000})
  let log = ''
  try {
    log = readFileSync(logPath, 'utf8')
  } catch {
    // the caller reports the driver's output
  }
  return {log, driver}
}

/** blkid on a filesystem image labelled config-2 (blkid reads regular files directly). */
export async function blkidConfigDrive(lab: Lab): Promise<Captures> {
  const img = join(lab.dir, 'config-drive.img')
  const plain = join(lab.dir, 'data.img')
  await run('truncate', ['-s', '4M', img])
  await run('truncate', ['-s', '4M', plain])
  await run('mkfs.ext4', ['-q', '-F', '-L', 'config-2', img])
  await run('mkfs.ext4', ['-q', '-F', '-L', 'cloudimg-rootfs', plain])
  return {
    'blkid--config-drive': await run('blkid', [img, plain]),
    'blkid--export': await run('blkid', ['-o', 'export', img, plain]),
    'blkid--lsblk-pairs': await run('lsblk', ['-o', 'NAME,LABEL,FSTYPE', '-P']),
  }
}

// Runs systemd-networkd (252 on Debian 12) on the guest's eth0 in a private mount namespace:
// tmpfs over /run/systemd and /run/dbus so neither the host's networkd state nor its system
// bus is touched, and /sys read-only,
// which is how networkd decides that no udev will initialise links (container mode).
const NETWORKD_SCRIPT = `set -e
out="$1"
mount -t tmpfs tmpfs /run/systemd
if [ -d /run/dbus ]; then mount -t tmpfs tmpfs /run/dbus; fi
mount -o remount,ro /sys
mkdir -p /run/systemd/network /run/systemd/netif/links /run/systemd/netif/leases /run/systemd/netif/lldp
chown -R systemd-network:systemd-network /run/systemd/netif
printf '[Match]\\nName=eth0\\n[Network]\\nDHCP=ipv4\\nLinkLocalAddressing=no\\nIPv6AcceptRA=no\\n' > /run/systemd/network/10-eth0.network
/lib/systemd/systemd-networkd > "$out/networkd.log" 2>&1 &
nd=$!
i=0
while [ $i -lt 150 ] && [ -z "$(ls /run/systemd/netif/leases/)" ]; do sleep 0.1; i=$((i+1)); done
sleep 0.5
for f in /run/systemd/netif/leases/*; do cp "$f" "$out/networkd.lease"; done
ip route > "$out/ip-route.txt"
ip -json route > "$out/ip-route.json"
kill $nd
`

/** A real systemd-networkd lease file from neutron's opts lines (dnsmasq as above). */
export async function networkdLease(lab: Lab): Promise<{lease: string; ipRoute: string; ipRouteJson: string; log: string}> {
  const {guest, peer, peerDev} = await lab.guestNet({guestAddress: false})
  const opts = join(lab.dir, 'opts')
  writeFileSync(opts, NEUTRON_OPTS.join('\n') + '\n')
  const tag = 'subnet-5f1e0c36-7a29-4d3c-9f0b-0123456789ab'
  const dnsmasq = await lab.spawn(peer, 'dnsmasq', [
    '--no-daemon', '--conf-file=/dev/null', '--port=0', '--bind-interfaces', `--interface=${peerDev}`, '--except-interface=lo',
    `--dhcp-range=set:${tag},10.0.0.10,10.0.0.20,255.255.255.0,600s`, `--dhcp-optsfile=${opts}`, `--dhcp-leasefile=${join(lab.dir, 'dnsmasq-nd.leases')}`, '--log-dhcp',
  ])
  await waitFor(() => dnsmasq.output().includes('DHCP, IP range'), 5000)
  const script = join(lab.dir, 'run-networkd.sh')
  writeFileSync(script, NETWORKD_SCRIPT)
  await lab.exec(guest, 'unshare', ['-m', '--propagation', 'private', 'sh', script, lab.dir], {timeoutMs: 40_000})
  const read = (f: string): string => (existsSync(join(lab.dir, f)) ? readFileSync(join(lab.dir, f), 'utf8') : '')
  return {lease: read('networkd.lease'), ipRoute: read('ip-route.txt'), ipRouteJson: read('ip-route.json'), log: read('networkd.log')}
}

/** `/proc/<pid>/environ` (NUL-separated) and `env` of a process started with a proxy set. */
export async function proxyEnvironment(): Promise<Captures> {
  const vars = ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'http_proxy=http://proxy.example:3128', 'HTTPS_PROXY=http://proxy.example:3128', 'no_proxy=localhost,127.0.0.1,.novalocal']
  return {
    'env--proc-environ': await run('env', ['-i', ...vars, 'cat', '/proc/self/environ']),
    'env--env': await run('env', ['-i', ...vars, 'env']),
  }
}
