/**
 * Renders the haproxy config neutron writes to `<state_path>/ns-metadata-proxy/<uuid>.conf`
 * (`ovn-metadata-proxy/` for OVN), byte for byte, so tests and the lab can build real configs
 * and compare a node's file against what its agent would have written.
 *
 * Sources: neutron master `neutron/common/metadata.py` METADATA_HAPROXY_GLOBAL +
 * `agent/metadata/driver_base.py` _UNLIMITED_CONFIG_TEMPLATE + the `_HEADER_CONFIG_TEMPLATE` of
 * `agent/metadata/driver.py` (del-header + set-header) or `agent/ovn/metadata/driver.py`
 * (add-header X-OVN-Network-ID); `release: 'zed'` is neutron 21.0.0's (Debian 12's package)
 * `_HAPROXY_CONFIG_TEMPLATE` of `agent/metadata/driver.py` and `agent/ovn/metadata/driver.py`
 * (no nbthread; the header lines follow the server line directly; the OVN one has no IPv6 bind
 * line); `release: 'pike'` is neutron 11.0.0's single template (no log-tag, no nbthread, one
 * add-header).
 *
 * Differences from neutron, on purpose: `user`/`group` lines are left out when not given (neutron
 * always writes them, resolved from the agent's euid/egid), so a test can run `haproxy -c` without
 * a `neutron` account. The rate-limited variant is not rendered.
 */

export type NeutronProxyKind = 'router' | 'network' | 'ovn-network'

export interface NeutronHaproxyOptions {
  kind: NeutronProxyKind
  /** router id (kind router) or network id */
  id: string
  /** `host:port` exactly as neutron formats it: `0.0.0.0:9697`, `:::9697`, `169.254.169.254:80` */
  bind: string
  /** the DHCP/OVN IPv6 line, e.g. `bind [fe80::a9fe:a9fe]:80 interface tap1332271e-0d`; empty when absent */
  bindV6Line?: string
  socketPath: string
  pidfile: string
  user?: string
  group?: string
  release?: 'master' | 'zed' | 'pike'
  logLevel?: 'info' | 'debug'
  /** neutron always daemonises haproxy; a foreground run (tests, benches) leaves the line out */
  daemon?: boolean
  /** seconds, master's `[metadata_haproxy]` options; neutron's defaults otherwise */
  timeouts?: Partial<Record<'httpRequest' | 'connect' | 'client' | 'server' | 'httpKeepAlive', number>>
}

function defaultsSection(opts: NeutronHaproxyOptions): string {
  const t = {client: 32, connect: 30, httpKeepAlive: 30, httpRequest: 30, server: 32, ...opts.timeouts}
  return `
defaults
    log global
    mode http
    option httplog
    option dontlognull
    option http-server-close
    option forwardfor
    retries                 3
    timeout http-request    ${t.httpRequest}s
    timeout connect         ${t.connect}s
    timeout client          ${t.client}s
    timeout server          ${t.server}s
    timeout http-keep-alive ${t.httpKeepAlive}s
`
}

const daemonLine = (opts: NeutronHaproxyOptions): string => (opts.daemon === false ? '' : '    daemon\n')

function checkValue(name: string, value: string | undefined): void {
  // A newline in any value would let a caller inject extra haproxy directives.
  if (value !== undefined && /[\r\n]/.test(value)) throw new Error(`renderNeutronHaproxyConfig: ${name} must be a single line`)
}

function ownerLines(opts: NeutronHaproxyOptions): string {
  return (opts.user === undefined ? '' : `    user        ${opts.user}\n`) + (opts.group === undefined ? '' : `    group       ${opts.group}\n`)
}

function headerLines(kind: NeutronProxyKind, id: string): string {
  if (kind === 'ovn-network') return `\n    http-request add-header X-OVN-Network-ID ${id}\n`
  const [keep, drop] = kind === 'router' ? ['Router', 'Network'] : ['Network', 'Router']
  return `\n    http-request del-header X-Neutron-${drop}-ID\n    http-request set-header X-Neutron-${keep}-ID ${id}\n`
}

function renderMaster(opts: NeutronHaproxyOptions, level: string): string {
  const global =
    `\nglobal\n    log         /dev/log local0 ${level}\n    log-tag     haproxy-metadata-proxy-${opts.id}\n` +
    ownerLines(opts) +
    `    maxconn     1024\n    nbthread    2\n    pidfile     ${opts.pidfile}\n` +
    daemonLine(opts)
  const listen = `\nlisten listener\n    bind ${opts.bind}\n    ${opts.bindV6Line ?? ''}\n    server metadata ${opts.socketPath}\n`
  return global + defaultsSection(opts) + listen + headerLines(opts.kind, opts.id)
}

function renderZed(opts: NeutronHaproxyOptions, level: string): string {
  if (opts.kind === 'ovn-network' && opts.bindV6Line) throw new Error('renderNeutronHaproxyConfig: the Zed OVN template has no IPv6 bind line')
  const global =
    `\nglobal\n    log         /dev/log local0 ${level}\n    log-tag     haproxy-metadata-proxy-${opts.id}\n` + ownerLines(opts) + `    maxconn     1024\n    pidfile     ${opts.pidfile}\n` + daemonLine(opts)
  if (opts.kind === 'ovn-network') return global + defaultsSection(opts) + `\nlisten listener\n    bind ${opts.bind}\n    server metadata ${opts.socketPath}\n    http-request add-header X-OVN-Network-ID ${opts.id}\n`
  const [keep, drop] = opts.kind === 'router' ? ['Router', 'Network'] : ['Network', 'Router']
  const listen = `\nlisten listener\n    bind ${opts.bind}\n    ${opts.bindV6Line ?? ''}\n    server metadata ${opts.socketPath}\n    http-request del-header X-Neutron-${drop}-ID\n    http-request set-header X-Neutron-${keep}-ID ${opts.id}\n`
  return global + defaultsSection(opts) + listen
}

function renderPike(opts: NeutronHaproxyOptions, level: string): string {
  if (opts.kind === 'ovn-network') throw new Error('renderNeutronHaproxyConfig: neutron 11.0.0 (Pike) has no OVN metadata driver')
  if (opts.bindV6Line) throw new Error('renderNeutronHaproxyConfig: the Pike template has no IPv6 bind line')
  const resType = opts.kind === 'router' ? 'Router' : 'Network'
  const global = `\nglobal\n    log         /dev/log local0 ${level}\n` + ownerLines(opts) + `    maxconn     1024\n    pidfile     ${opts.pidfile}\n` + daemonLine(opts)
  const listen = `\nlisten listener\n    bind ${opts.bind}\n    server metadata ${opts.socketPath}\n    http-request add-header X-Neutron-${resType}-ID ${opts.id}\n`
  return global + defaultsSection(opts) + listen
}

/** The config text neutron would write for these settings (the file starts with an empty line). */
export function renderNeutronHaproxyConfig(opts: NeutronHaproxyOptions): string {
  for (const [name, value] of Object.entries(opts)) checkValue(name, typeof value === 'string' ? value : undefined)
  for (const [name, value] of Object.entries(opts.timeouts ?? {})) if (!Number.isFinite(value) || value <= 0) throw new Error(`renderNeutronHaproxyConfig: timeout ${name} must be a positive number`)
  const level = opts.logLevel ?? 'info'
  if (opts.release === 'pike') return renderPike(opts, level)
  return opts.release === 'zed' ? renderZed(opts, level) : renderMaster(opts, level)
}
