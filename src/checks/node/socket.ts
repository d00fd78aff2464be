import {type Check, NotEvaluated} from '../../engine/check.js'
import {ev} from '../../engine/parsed.js'
import {parseProxyCmdline} from '../../parsers/neutron-proxy-cmdline.js'
import type {NodeModel} from '../../model/node-model.js'
import {iniOf, nodeRunsMetadata} from './util.js'

/** Socket paths the proxies point at: from haproxy configs, and from python proxies' --metadata_proxy_socket. */
export function proxySocketPaths(m: NodeModel): Array<{path: string; from: string}> {
  const out: Array<{path: string; from: string}> = []
  for (const [rel, p] of m.proxyConfs) {
    const server = p.ok ? p.value?.servers[0]?.address : undefined
    if (server?.startsWith('/')) out.push({from: `${m.paths.statePath}/${rel}`, path: server})
  }
  for (const p of m.ps.ok ? m.ps.value : []) {
    const parsed = parseProxyCmdline(p.args)
    if (parsed?.kind === 'neutron-ns-metadata-proxy' && parsed.socketPath) out.push({from: `pid ${p.pid} --metadata_proxy_socket`, path: parsed.socketPath})
  }
  return out
}

const agentRestart = (m: NodeModel): string => `systemctl restart ${m.agent.service}`

/** haproxy and the agent must name the same path: metadata_proxy_socket is shared by the l3, dhcp and metadata agents. */
export const socketPathAgreement: Check<NodeModel> = {
  evidence: ['node.proxy-conf', 'node.agent-ini', 'node.neutron-conf'],
  hop: 'socket',
  id: 'socket-path-agreement',
  needs: [],
  applies: (m) => (proxySocketPaths(m).length ? undefined : 'no proxy config or proxy process names a socket'),
  title: 'proxy configs and metadata_agent.ini name the same unix socket',
  run(m, out) {
    const agentPath = m.paths.socketPath
    const fromIni = iniOf(m.agentIni) !== undefined
    const wrong = proxySocketPaths(m).filter((p) => p.path !== agentPath)
    const agentEv = ev(m.agentIni, `metadata_proxy_socket = ${agentPath}${fromIni ? '' : ' (default)'}`)
    if (wrong.length === 0) {
      out.pass({code: 'SOCKET_PATH_AGREED', evidence: [agentEv], subject: agentPath, summary: 'every proxy points at the agent socket'})
      return
    }
    const first = wrong[0]!
    out.fail({
      code: 'SOCKET_PATH_MISMATCH',
      evidence: [...wrong.slice(0, 3).map((w) => ({excerpt: `${w.from}: server metadata ${w.path}`, key: 'node.proxy-conf', origin: m.agentIni.ok ? m.agentIni.origin : ''})), agentEv],
      fix: {
        commands: m.agent.kind === 'ml2-ovs' ? ['grep -H metadata_proxy_socket /etc/neutron/*.ini /etc/neutron/neutron.conf', 'systemctl restart neutron-l3-agent neutron-dhcp-agent neutron-metadata-agent'] : [`grep -H metadata_proxy_socket ${m.agent.iniPath}`, agentRestart(m)],
        text: `Set the same metadata_proxy_socket for the l3, DHCP and metadata agents (it usually belongs in neutron.conf [DEFAULT]); the proxies are regenerated on agent restart.`,
      },
      subject: first.from,
      summary: `${wrong.length} proxy config(s) point at ${first.path}, but the agent listens on ${agentPath}`,
    })
  },
}

/** The socket file exists, is a socket, and its mode lets the proxy's user connect. */
export const socketFile: Check<NodeModel> = {
  applies: nodeRunsMetadata,
  evidence: ['node.socket-stat', 'node.proxy-conf'],
  hop: 'socket',
  id: 'socket-file',
  needs: [],
  title: 'the agent socket exists, is a socket and the proxy user may connect',
  run(m, out) {
    const path = m.paths.socketPath
    const st = m.sockets.get(path)
    if (!st) throw new NotEvaluated(`node.socket-stat[${path}] was not collected`)
    if (!st.ok) throw new NotEvaluated(st.reason)
    const s = st.value
    if (!s) {
      out.fail({code: 'SOCKET_MISSING', evidence: [ev(st, `${path}: No such file or directory`)], fix: {commands: [agentRestart(m), `systemctl status ${m.agent.service}`], text: 'The metadata agent creates the socket when it starts: it is not running, or it uses another path (metadata_proxy_socket).'}, subject: path, summary: 'the agent socket does not exist: haproxy answers every request with 503'})
      return
    }
    if (s.type !== 'socket') {
      out.fail({code: 'SOCKET_NOT_A_SOCKET', evidence: [ev(st, `${path} is a ${s.type}`)], fix: {commands: [`mv ${path} ${path}.bad`, agentRestart(m)], text: 'Something else sits at the socket path; move it away and restart the agent.'}, subject: path, summary: `${path} is a ${s.type}, not a socket`})
      return
    }
    const users = new Set<string>()
    for (const p of m.proxyConfs.values()) if (p.ok && p.value?.user) users.add(p.value.user)
    const modeText = s.mode.toString(8).padStart(4, '0')
    const canConnect = (user: string): boolean => user === 'root' || user === '0' || (user === s.user && (s.mode & 0o200) !== 0) || (s.mode & 0o002) !== 0 || (s.mode & 0o020) !== 0
    const blocked = [...users].filter((u) => !canConnect(u))
    if (blocked.length > 0) {
      out.fail({
        code: 'SOCKET_MODE_DENIES_PROXY',
        evidence: [ev(st, `${path} mode ${modeText} owner ${s.user ?? s.uid}:${s.group ?? s.gid}`), ev([...m.proxyConfs.values()].find((p) => p.ok)!, `haproxy runs as ${blocked.join(', ')}`)],
        fix: {commands: [`crudini --set ${m.agent.iniPath} DEFAULT metadata_proxy_socket_mode all`, agentRestart(m)], text: 'haproxy drops to metadata_proxy_user and must be able to write to the socket: set metadata_proxy_socket_mode (group or all) or run the proxy as the agent user.'},
        subject: path,
        summary: `mode ${modeText} (${s.user ?? s.uid}) does not let the proxy user ${blocked.join(', ')} connect: haproxy answers 503`,
      })
      return
    }
    out.pass({code: 'SOCKET_FILE_OK', evidence: [ev(st, `${path} socket mode ${modeText} owner ${s.user ?? s.uid}:${s.group ?? s.gid}`)], subject: path, summary: `socket present, mode ${modeText}`})
  },
}

const AGENT_PROC = /neutron-metadata-agent|neutron-ovn-metadata-agent|neutron-ovn-agent|reference agent|reference up/

/** Somebody listens on the socket, and it is the metadata agent: a socket left behind by a dead agent refuses connections. */
export const socketListener: Check<NodeModel> = {
  applies: nodeRunsMetadata,
  evidence: ['node.unix-listeners', 'node.proc-net', 'node.ps'],
  hop: 'socket',
  id: 'socket-listener',
  needs: ['unixListeners'],
  title: 'the metadata agent listens on the socket',
  run(m, out) {
    const path = m.paths.socketPath
    const l = m.unixListeners.ok ? m.unixListeners.value.find((x) => x.address === path) : undefined
    if (!l) {
      const st = m.sockets.get(path)
      const exists = st?.ok && st.value?.type === 'socket'
      const running = m.ps.ok ? m.ps.value.filter((p) => AGENT_PROC.test(p.args.join(' '))) : []
      if (m.agent.kind !== 'ml2-ovs' && running.length > 0) {
        // the OVN agent listens only once it has reached the Southbound DB: running but not listening is the agent stuck starting
        out.fail({
          code: 'AGENT_NOT_LISTENING',
          evidence: [ev(m.unixListeners, `no listening unix socket at ${path}`), ev(m.ps, running.slice(0, 2).map((p) => `${p.pid} ${p.args.join(' ').slice(0, 140)}`).join(' | '))],
          fix: {commands: [`journalctl -u ${m.agent.service} -n 50`, agentRestart(m)], text: 'The OVN metadata agent runs but does not accept requests: it starts its metadata server only after connecting to the OVS DB and the Southbound DB (see the agent hop and its log).'},
          hop: 'agent',
          subject: path,
          summary: `the agent runs (pid ${running[0]?.pid}) but nobody listens on its socket: it is stuck starting`,
        })
        return
      }
      out.fail({
        code: exists ? 'SOCKET_STALE' : 'SOCKET_NO_LISTENER',
        evidence: [ev(m.unixListeners, `no listening unix socket at ${path}`)],
        fix: {commands: [agentRestart(m), `journalctl -u ${m.agent.service} -n 50`], text: exists ? 'The socket file is left behind by an agent that is no longer running: restart the agent (it recreates the socket).' : 'The metadata agent is not listening: start it.'},
        subject: path,
        summary: exists ? 'the socket file exists but nobody listens on it: the agent is down' : 'nobody listens on the agent socket',
      })
      return
    }
    const owners = m.procNet.ok && l.inode !== undefined ? m.procNet.value.filter((p) => p.sockets.includes(l.inode ?? -1)) : []
    // ss/netstat -p name only the command ("python"): the process list has the full command line
    const argvOf = (pid: number, name: string): string[] => (m.ps.ok ? m.ps.value.find((p) => p.pid === pid)?.args : undefined) ?? [name]
    const named = owners.length ? owners : l.processes.map((p) => ({cmdline: argvOf(p.pid, p.name), comm: p.name, pid: p.pid}))
    if (named.length === 0) {
      out.pass({code: 'SOCKET_LISTENING', evidence: [ev(m.unixListeners, `${path} inode ${l.inode ?? '?'}`)], subject: path, summary: 'something listens on the socket (owner unknown without the process map)'})
      return
    }
    const agent = named.find((p) => AGENT_PROC.test(p.cmdline.join(' ')) || /neutron-metadat/.test(p.comm))
    if (agent) {
      out.pass({code: 'SOCKET_OWNED_BY_AGENT', evidence: [ev(m.unixListeners, `${path} inode ${l.inode ?? '?'}`), ev(m.procNet.ok ? m.procNet : m.unixListeners, `pid ${agent.pid}: ${agent.cmdline.join(' ').slice(0, 160)}`)], subject: path, summary: `the metadata agent (pid ${agent.pid}) listens`})
      return
    }
    const o = named[0]!
    out.warn({code: 'SOCKET_OWNER_UNEXPECTED', evidence: [ev(m.procNet.ok ? m.procNet : m.unixListeners, `pid ${o.pid}: ${o.cmdline.join(' ').slice(0, 160)}`)], fix: {commands: [`ps -o pid,args -p ${o.pid}`], text: 'Check that the process on the socket is really the metadata agent.'}, subject: path, summary: `the socket is held by ${o.comm} (pid ${o.pid}), not by ${m.agent.service}`})
  },
}
