// neutron's haproxy config for a metadata proxy (neutron/common/metadata.py
// METADATA_HAPROXY_GLOBAL + driver_base._UNLIMITED_CONFIG_TEMPLATE + driver._HEADER_CONFIG_TEMPLATE,
// master, defaults), byte for byte: it starts with an empty line and the line after `bind` is four
// spaces. `user`/`group`/`daemon` are left out when not given (running as root, in the foreground).

export interface NeutronHaproxyInput {
  /** router id (router namespace) or network id (DHCP namespace) */
  resourceId: string
  kind: 'router' | 'network'
  /** e.g. `:::9697`, `169.254.169.254:80`, `127.0.0.1:19697` */
  bind: string
  socketPath: string
  pidFile: string
  user?: string
  group?: string
  daemon?: boolean
  /** seconds: timeout_http_request, timeout_connect, timeout_client, timeout_server, timeout_http_keep_alive */
  timeouts?: Partial<Record<'httpRequest' | 'connect' | 'client' | 'server' | 'httpKeepAlive', number>>
}

export function renderNeutronHaproxyConfig(i: NeutronHaproxyInput): string {
  const [del, set] = i.kind === 'router' ? ['X-Neutron-Network-ID', 'X-Neutron-Router-ID'] : ['X-Neutron-Router-ID', 'X-Neutron-Network-ID']
  const t = {client: 32, connect: 30, httpKeepAlive: 30, httpRequest: 30, server: 32, ...i.timeouts}
  const global = [
    '    log         /dev/log local0 info',
    `    log-tag     haproxy-metadata-proxy-${i.resourceId}`,
    ...(i.user ? [`    user        ${i.user}`] : []),
    ...(i.group ? [`    group       ${i.group}`] : []),
    '    maxconn     1024',
    '    nbthread    2',
    `    pidfile     ${i.pidFile}`,
    ...(i.daemon ? ['    daemon'] : []),
  ]
  return `
global
${global.join('\n')}

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

listen listener
    bind ${i.bind}
    
    server metadata ${i.socketPath}

    http-request del-header ${del}
    http-request set-header ${set} ${i.resourceId}
`
}
