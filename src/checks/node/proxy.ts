import type {Check} from '../../engine/check.js'
import {ev} from '../../engine/parsed.js'
import {metadataIdentity} from '../../parsers/haproxy-config.js'
import {parseProxyCmdline} from '../../parsers/neutron-proxy-cmdline.js'
import type {Listener} from '../../parsers/ss-listeners.js'
import type {NamespaceModel, NodeModel} from '../../model/node-model.js'
import {describeListener, dhcpServesMetadata, eachNamespace, l3ProxyEnabled, listenersOn, METADATA_IP, metadataPort, nsExec} from './util.js'

const expected = (m: NodeModel, ns: NamespaceModel): {port: number; addr?: string} => (ns.kind === 'qrouter' ? {port: metadataPort(m)} : {addr: METADATA_IP, port: 80})

// an HA router's proxy runs on the keepalived primary only (neutron l3/ha.py)
export const proxyExpected = (m: NodeModel, ns: NamespaceModel): boolean => (ns.kind === 'qrouter' ? l3ProxyEnabled(m) && ns.haState !== 'backup' : dhcpServesMetadata(m, ns))

const agentFor = (ns: NamespaceModel, m?: NodeModel): string => (ns.kind === 'qrouter' ? 'neutron-l3-agent' : ns.kind === 'qdhcp' ? 'neutron-dhcp-agent' : m?.agent.kind === 'ovn-agent' ? 'neutron-ovn-agent' : 'neutron-ovn-metadata-agent')

/** A process (pid, name, argv) owning a listener: from ss/netstat -p columns, else the /proc socket map. */
export function ownersOf(m: NodeModel, ns: NamespaceModel, l: Listener): Array<{pid: number; name: string; argv: string[]}> {
  const ps = m.ps.ok ? m.ps.value : []
  const argvOf = (pid: number): string[] => ps.find((p) => p.pid === pid)?.args ?? []
  if (l.processes.length > 0) return l.processes.map((p) => ({argv: argvOf(p.pid), name: p.name, pid: p.pid}))
  if (!m.procNet.ok || l.inode === undefined) return []
  return m.procNet.value.filter((p) => p.sockets.includes(l.inode ?? -1) && (ns.inode === 0 || p.netns === ns.inode)).map((p) => ({argv: p.cmdline.length ? p.cmdline : argvOf(p.pid), name: p.comm, pid: p.pid}))
}

/** Something listens where the redirect (router) or the guest (DHCP/OVN) sends metadata requests. */
export const proxyListener: Check<NodeModel> = {
  evidence: ['netns.listeners', 'node.l3-ini'],
  hop: 'proxy',
  id: 'proxy-listener',
  needs: [],
  applies: (m) => (m.namespaces.some((n) => proxyExpected(m, n)) ? undefined : 'no namespace in scope is expected to run a metadata proxy'),
  title: 'a metadata proxy listens in the namespace (9697 in routers, 169.254.169.254:80 in DHCP/OVN)',
  run(m, out) {
    eachNamespace(
      m,
      ['qrouter', 'qdhcp', 'ovnmeta'],
      (ns) => [ns.listeners],
      (ns) => {
        if (ns.haState === 'backup') {
          out.info({code: 'HA_BACKUP_NO_PROXY_EXPECTED', evidence: [ev(ns.listeners, `${m.paths.statePath}/ha_confs/${ns.id}/state: backup`)], subject: ns.name, summary: 'HA router in backup state here: its metadata proxy runs on the primary'})
          return
        }
        if (!ns.listeners.ok || !proxyExpected(m, ns)) return
        const {addr, port} = expected(m, ns)
        const hits = listenersOn(ns.listeners.value, port, addr)
        if (hits.length > 0) {
          // neutron's own INPUT rule drops local connections to the proxy port: a probe from inside
          // would time out and look like a dead proxy, so routers are judged by listener, rules and socket
          const note = ns.kind === 'qrouter' ? ` (not probed from inside: neutron's filter rule drops local connections to ${port})` : ''
          out.pass({code: 'PROXY_LISTENING', evidence: [ev(ns.listeners, hits.map(describeListener).join(', '))], subject: ns.name, summary: `listening on ${hits.map(describeListener).join(', ')}${note}`})
          return
        }
        const pid = ns.pidFile.ok ? ns.pidFile.value : undefined
        out.fail({
          code: 'PROXY_NOT_LISTENING',
          evidence: [
            ev(ns.listeners, `TCP listeners: ${ns.listeners.value.map(describeListener).join(', ') || 'none'}`),
            ...(pid !== undefined ? [ev(ns.pidFile, `pid file names ${pid}`)] : []),
          ],
          fix: {
            commands: [`systemctl restart ${agentFor(ns, m)}`, nsExec(ns.name, `ss -lntp | grep ':${port}'`)],
            text: `No metadata proxy listens on ${addr ?? '*'}:${port} in ${ns.name}. The ${agentFor(ns, m)} (re)spawns haproxy on resync; check its log for "metadata-proxy … not found" or a haproxy start error.`,
          },
          subject: ns.name,
          summary: `nothing listens on ${addr ?? '*'}:${port}: the metadata proxy is not running here`,
        })
      },
      out,
    )
  },
}

const PROXY_NAMES = /^(haproxy|neutron-ns-metad|neutron-ns-metadata-proxy)$/

/** The listener belongs to haproxy (or Havana's python neutron-ns-metadata-proxy), not to something else. */
export const proxyProcess: Check<NodeModel> = {
  evidence: ['netns.listeners', 'node.proc-net', 'node.ps'],
  hop: 'proxy',
  id: 'proxy-process',
  needs: [],
  applies: proxyListener.applies,
  title: 'the listener is a metadata proxy (haproxy or neutron-ns-metadata-proxy) for this namespace',
  run(m, out) {
    eachNamespace(
      m,
      ['qrouter', 'qdhcp', 'ovnmeta'],
      (ns) => [ns.listeners],
      (ns) => {
        if (!ns.listeners.ok || !proxyExpected(m, ns)) return
        const {addr, port} = expected(m, ns)
        const hit = listenersOn(ns.listeners.value, port, addr)[0]
        if (!hit) return
        const owners = ownersOf(m, ns, hit)
        if (owners.length === 0) {
          out.info({code: 'PROXY_OWNER_UNKNOWN', evidence: [ev(ns.listeners, describeListener(hit))], subject: ns.name, summary: 'cannot tell which process owns the listener (run as root for the process map)'})
          return
        }
        const owner = owners[0]!
        const parsed = parseProxyCmdline(owner.argv)
        const isProxy = parsed !== undefined || PROXY_NAMES.test(owner.name) || owner.argv.some((a) => /neutron-ns-metadata-proxy/.test(a))
        const pyProxy = owner.name === 'python' || owner.argv.some((a) => /neutron-ns-metadata-proxy/.test(a))
        if (!isProxy && !pyProxy) {
          out.fail({
            code: 'PROXY_WRONG_PROCESS',
            evidence: [ev(ns.listeners, `${describeListener(hit)} owned by ${owner.name}/${owner.pid}: ${owner.argv.join(' ').slice(0, 200)}`)],
            fix: {commands: [nsExec(ns.name, `ss -lntp 'sport = :${port}'`), `kill ${owner.pid}   # after checking what it is`, `systemctl restart ${agentFor(ns, m)}`], text: `Port ${port} in ${ns.name} is taken by ${owner.name}, not by the metadata proxy: stop it and let the agent respawn haproxy.`},
            subject: ns.name,
            summary: `port ${port} is held by ${owner.name} (pid ${owner.pid}), not by haproxy`,
          })
          return
        }
        const id = parsed?.id
        if (id && id !== ns.id) {
          out.fail({
            code: 'PROXY_STALE_ID',
            evidence: [ev(ns.listeners, `${owner.name}/${owner.pid}: ${owner.argv.join(' ').slice(0, 240)}`)],
            fix: {commands: [`kill ${owner.pid}`, `systemctl restart ${agentFor(ns, m)}`], text: 'The proxy in this namespace was started for another router/network, so the agent looks guests up in the wrong place.'},
            subject: ns.name,
            summary: `the proxy process was started for ${parsed?.idKind ?? 'id'} ${id}, not ${ns.id}`,
          })
          return
        }
        out.pass({code: 'PROXY_PROCESS_OK', evidence: [ev(ns.listeners, `${owner.name}/${owner.pid}: ${owner.argv.join(' ').slice(0, 200)}`)], subject: ns.name, summary: `${parsed?.kind ?? owner.name} (pid ${owner.pid}) serves the port`})
      },
      out,
    )
  },
}

/** neutron's haproxy config: bind, backend socket, and the X-Neutron-*-ID header for this very namespace. */
export const proxyConfig: Check<NodeModel> = {
  evidence: ['node.proxy-conf'],
  hop: 'proxy',
  id: 'proxy-config',
  needs: [],
  applies: proxyListener.applies,
  title: "the proxy config's bind and X-Neutron-Router-ID / Network-ID match the namespace",
  run(m, out) {
    eachNamespace(
      m,
      ['qrouter', 'qdhcp', 'ovnmeta'],
      (ns) => [ns.proxyConf],
      (ns) => {
        if (!ns.proxyConf.ok || !proxyExpected(m, ns)) return
        const cfg = ns.proxyConf.value
        const file = `${m.paths.statePath}/${ns.proxyConfPath}`
        if (!cfg) {
          // Havana-era python proxy had no config file: judge its command line instead (proxy-process)
          out.info({code: 'PROXY_CONFIG_ABSENT', evidence: [ev(ns.proxyConf, `${file}: absent`)], subject: ns.name, summary: 'no haproxy config file (a pre-Pike neutron-ns-metadata-proxy needs none)'})
          return
        }
        const ident = metadataIdentity(cfg)
        const wantKind = ns.kind === 'qrouter' ? 'router' : ns.kind === 'ovnmeta' ? 'ovn-network' : 'network'
        const fix = {commands: [`systemctl restart ${agentFor(ns, m)}`], text: `The agent rewrites ${file} and restarts haproxy when the config is obsolete; a hand-edited or stale file survives only until then.`}
        if (!ident) {
          out.fail({code: 'PROXY_HEADER_MISSING', evidence: [ev(ns.proxyConf, `${file}: no X-Neutron-Router-ID / X-Neutron-Network-ID header line`)], fix, subject: ns.name, summary: 'the proxy adds no router/network id header: the agent cannot find the instance'})
          return
        }
        // a qdhcp proxy legitimately uses the router id with enable_metadata_network
        if (ident.id !== ns.id && !(ns.kind === 'qdhcp' && ident.kind === 'router')) {
          out.fail({code: 'PROXY_STALE_ID', evidence: [ev(ns.proxyConf, `${file}: ${ident.kind} id ${ident.id}`)], fix, subject: ns.name, summary: `the proxy config sends ${ident.kind} id ${ident.id}, not this namespace's ${ns.id}: every lookup fails with 404`})
          return
        }
        if (ident.kind !== wantKind && !(ns.kind === 'qdhcp' && ident.kind === 'router')) {
          out.fail({code: 'PROXY_HEADER_KIND', evidence: [ev(ns.proxyConf, `${file}: ${ident.kind} header in a ${ns.kind} namespace`)], fix, subject: ns.name, summary: `the proxy sends a ${ident.kind} id header in a ${ns.kind} namespace`})
          return
        }
        const {port} = expected(m, ns)
        const bound = cfg.binds.some((b) => b.port === port)
        if (!bound) {
          out.fail({code: 'PROXY_BIND_MISMATCH', evidence: [ev(ns.proxyConf, `binds: ${cfg.binds.map((b) => b.raw).join('; ') || 'none'}`)], fix, subject: ns.name, summary: `the proxy config does not bind port ${port}`})
          return
        }
        out.pass({code: 'PROXY_CONFIG_OK', evidence: [ev(ns.proxyConf, `${cfg.binds.map((b) => b.raw).join('; ')}; ${ident.kind} ${ident.id}; server ${cfg.servers[0]?.address ?? '?'}`)], subject: ns.name, summary: 'bind and id header match the namespace'})
      },
      out,
    )
  },
}

/** The pid file names a live process, in this namespace, started for this id (neutron's ProcessManager.active). */
export const proxyPidfile: Check<NodeModel> = {
  evidence: ['node.pidfile', 'node.ps', 'node.proc-net'],
  hop: 'proxy',
  id: 'proxy-pidfile',
  needs: ['ps'],
  applies: proxyListener.applies,
  title: 'the proxy pid file names a live proxy for this namespace',
  run(m, out) {
    const ps = m.ps.ok ? m.ps.value : []
    eachNamespace(
      m,
      ['qrouter', 'qdhcp', 'ovnmeta'],
      (ns) => [ns.pidFile],
      (ns) => {
        if (!ns.pidFile.ok || !proxyExpected(m, ns)) return
        const pid = ns.pidFile.value
        if (pid === undefined) {
          out.warn({code: 'PROXY_PIDFILE_MISSING', evidence: [ev(ns.pidFile, `${m.paths.statePath}/external/pids/${ns.id}.pid.haproxy: absent`)], fix: {commands: [`systemctl restart ${agentFor(ns, m)}`], text: 'Without a pid file the agent cannot monitor or respawn the proxy.'}, subject: ns.name, summary: 'no pid file for the metadata proxy: the agent cannot watch it'})
          return
        }
        const proc = ps.find((p) => p.pid === pid)
        const argv = proc?.args.join(' ') ?? ''
        if (!proc || !argv.includes(ns.id)) {
          out.fail({
            code: 'PROXY_DEAD',
            evidence: [ev(ns.pidFile, `pid ${pid}`), ev(m.ps, proc ? `pid ${pid} is ${argv.slice(0, 160)}` : `no process ${pid}`)],
            fix: {commands: [`systemctl restart ${agentFor(ns, m)}`, `grep -i 'metadata-proxy' /var/log/neutron/*.log | tail`], text: 'The proxy died and was not respawned (check_child_processes_action, or the agent itself is stuck): the agent restarts it on resync.'},
            subject: ns.name,
            summary: proc ? `the pid file names ${pid}, which is not a proxy for ${ns.id}` : `the pid file names ${pid}, which is not running: the proxy died`,
          })
          return
        }
        const entry = m.procNet.ok ? m.procNet.value.find((p) => p.pid === pid) : undefined
        // inode 0: /proc/<pid>/ns/net or /run/netns could not be read (not root): nothing to compare
        const nsKnown = entry !== undefined && entry.netns !== 0 && ns.inode !== 0
        if (entry && nsKnown && entry.netns !== ns.inode) {
          out.fail({code: 'PROXY_WRONG_NAMESPACE', evidence: [ev(m.procNet, `pid ${pid} netns inode ${entry.netns}, ${ns.name} is ${ns.inode}`)], fix: {commands: [`kill ${pid}`, `systemctl restart ${agentFor(ns, m)}`], text: 'The proxy runs outside the namespace it serves.'}, subject: ns.name, summary: `proxy ${pid} runs in another network namespace`})
          return
        }
        const where = nsKnown ? '' : ` (its network namespace could not be read: run doctor as root to compare it with ${ns.name})`
        out.pass({code: 'PROXY_PIDFILE_OK', evidence: [ev(ns.pidFile, `pid ${pid}`), ev(m.ps, argv.slice(0, 160))], subject: ns.name, summary: `pid ${pid} is the live proxy${where}`})
      },
      out,
    )
  },
}
