/**
 * Recognises a metadata proxy process from its argv (`/proc/<pid>/cmdline` split on NUL, or a
 * `ps` args column split on blanks): haproxy started by neutron (Pike+), the OVN variant, and the
 * pre-Pike python `neutron-ns-metadata-proxy`.
 *
 * Real samples (from /proc/<pid>/cmdline in a lab namespace; seed 000 for the python proxy):
 * ```
 * haproxy -f /var/lib/neutron/ns-metadata-proxy/5a3c3b4e-1111-2222-3333-444455556666.conf
 * /usr/bin/python /usr/bin/neutron-ns-metadata-proxy
 *   --pid_file=/var/lib/neutron/external/pids/c43ebbe2-8f20-42c3-bf03-f87f7d062f94.pid
 *   --metadata_proxy_socket=/var/lib/neutron/metadata_proxy
 *   --router_id=c43ebbe2-8f20-42c3-bf03-f87f7d062f94 --state_path=/var/lib/neutron
 *   --metadata_port=9697 --debug --log-file=neutron-ns-metadata-proxy-c43ebbe2-….log --log-dir=/var/log/neutron
 * ```
 *
 * Contract:
 * - haproxy: `configPath` from `-f` (first one), `pidFile` from `-p`; kind `ovn-haproxy` when the
 *   config sits in an `ovn-metadata-proxy/` directory (then `idKind` is `network`), else `haproxy`
 *   and `idKind` stays unknown (neutron uses `ns-metadata-proxy/` for routers and networks alike:
 *   read the config's header to tell). `id` is the config file name without `.conf`. haproxy with a
 *   config elsewhere is not a neutron metadata proxy: undefined.
 * - python proxy: flags as `--flag=value` or `--flag value`; `--router_id`/`--network_id` give
 *   `id`/`idKind`; `--metadata_port` → `port`, `--pid_file`, `--metadata_proxy_socket`,
 *   `--state_path`. The wrapper (`ip netns exec NS env …`, `python`) may precede the program.
 * - Anything else, or an empty argv: undefined. Never throws.
 */

export interface ProxyProcess {
  kind: 'haproxy' | 'neutron-ns-metadata-proxy' | 'ovn-haproxy'
  configPath?: string
  /** router or network uuid */
  id?: string
  idKind?: 'router' | 'network'
  socketPath?: string
  port?: number
  pidFile?: string
  statePath?: string
}

const base = (p: string): string => p.slice(p.lastIndexOf('/') + 1)

/** Value of `--name=value` or `--name value`. */
function flag(args: string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string
    if (a.startsWith(`${name}=`)) return a.slice(name.length + 1)
    if (a === name && args[i + 1] !== undefined && !(args[i + 1] as string).startsWith('--')) return args[i + 1]
  }
  return undefined
}

function haproxy(args: string[]): ProxyProcess | undefined {
  let configPath: string | undefined
  let pidFile: string | undefined
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string
    if (a === '-f' && configPath === undefined) configPath = args[i + 1]
    else if (a.startsWith('-f') && a.length > 2 && configPath === undefined) configPath = a.slice(2)
    else if (a === '-p') pidFile = args[i + 1]
  }
  if (!configPath) return undefined
  const parts = configPath.split('/')
  const dir = parts[parts.length - 2]
  if (dir !== 'ns-metadata-proxy' && dir !== 'ovn-metadata-proxy') return undefined
  const file = parts[parts.length - 1] ?? ''
  const proc: ProxyProcess = {configPath, kind: dir === 'ovn-metadata-proxy' ? 'ovn-haproxy' : 'haproxy'}
  if (file.endsWith('.conf') && file.length > 5) proc.id = file.slice(0, -5)
  if (proc.kind === 'ovn-haproxy') proc.idKind = 'network'
  if (pidFile) proc.pidFile = pidFile
  return proc
}

function pythonProxy(args: string[]): ProxyProcess {
  const proc: ProxyProcess = {kind: 'neutron-ns-metadata-proxy'}
  const router = flag(args, '--router_id')
  const network = flag(args, '--network_id')
  if (router) {
    proc.id = router
    proc.idKind = 'router'
  } else if (network) {
    proc.id = network
    proc.idKind = 'network'
  }
  const socketPath = flag(args, '--metadata_proxy_socket')
  const port = flag(args, '--metadata_port')
  const pidFile = flag(args, '--pid_file')
  const statePath = flag(args, '--state_path')
  if (socketPath) proc.socketPath = socketPath
  if (port && /^\d{1,5}$/.test(port)) proc.port = Number(port)
  if (pidFile) proc.pidFile = pidFile
  if (statePath) proc.statePath = statePath
  return proc
}

export function parseProxyCmdline(argv: string[]): ProxyProcess | undefined {
  const args = argv.filter((a) => a !== '')
  const py = args.findIndex((a) => base(a) === 'neutron-ns-metadata-proxy')
  if (py !== -1) return pythonProxy(args.slice(py + 1))
  const ha = args.findIndex((a) => base(a) === 'haproxy')
  if (ha !== -1) return haproxy(args.slice(ha + 1))
  return undefined
}
