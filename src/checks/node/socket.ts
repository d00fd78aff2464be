import {type Check, NotEvaluated} from '../../engine/check.js'
import {ev, type Parsed} from '../../engine/parsed.js'
import {parseProxyCmdline} from '../../parsers/neutron-proxy-cmdline.js'
import type {NodeModel} from '../../model/node-model.js'
import {isAgentComm, metadataAgentBinary} from './processes.js'
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
        commands: m.agent.kind === 'ml2-ovs' ? [`grep -H metadata_proxy_socket ${m.paths.neutronConfigDir}/*.ini ${m.paths.neutronConfigDir}/neutron.conf`, 'systemctl restart neutron-l3-agent neutron-dhcp-agent neutron-metadata-agent'] : [`grep -H metadata_proxy_socket ${m.agent.iniPath}`, agentRestart(m)],
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
      if (!m.agentIni.ok) throw new NotEvaluated(`no socket at ${path}, but where the agent puts it is unknown: ${m.agentIni.reason}`)
      out.fail({code: 'SOCKET_MISSING', evidence: [ev(st, `${path}: No such file or directory`)], fix: {commands: [agentRestart(m), `systemctl status ${m.agent.service}`], text: 'The metadata agent creates the socket when it starts: it is not running, or it uses another path (metadata_proxy_socket).'}, subject: path, summary: 'the agent socket does not exist: haproxy answers every request with 503'})
      return
    }
    if (s.type !== 'socket') {
      out.fail({code: 'SOCKET_NOT_A_SOCKET', evidence: [ev(st, `${path} is a ${s.type}`)], fix: {commands: [`mv ${path} ${path}.bad`, agentRestart(m)], text: 'Something else sits at the socket path; move it away and restart the agent.'}, subject: path, summary: `${path} is a ${s.type}, not a socket`})
      return
    }
    // who haproxy runs as: its config's user/group (haproxy drops supplementary groups); root without them
    const who = new Map<string, {user: string; group?: string; from: Parsed<unknown>}>()
    for (const p of m.proxyConfs.values()) {
      if (!p.ok || !p.value) continue
      const user = p.value.user ?? 'root'
      who.set(`${user}:${p.value.group ?? ''}`, {from: p, user, ...(p.value.group ? {group: p.value.group} : {})})
    }
    const modeText = s.mode.toString(8).padStart(4, '0')
    const owner = `${s.user ?? s.uid}:${s.group ?? s.gid}`
    const is = (x: string | undefined, name: string | undefined, id: number | undefined): boolean => x !== undefined && (x === name || x === String(id))
    // POSIX: the owner's bits for the owner, else the group's for the group, else the others'
    const access = (u: string, g: string | undefined): 'yes' | 'no' | 'unknown' => {
      if (u === 'root' || u === '0') return 'yes'
      if (is(u, s.user, s.uid)) return s.mode & 0o200 ? 'yes' : 'no'
      if (g === undefined) return (s.mode & 0o020) !== (s.mode & 0o002) << 3 ? 'unknown' : s.mode & 0o002 ? 'yes' : 'no'
      if (is(g, s.group, s.gid)) return s.mode & 0o020 ? 'yes' : 'no'
      return s.mode & 0o002 ? 'yes' : 'no'
    }
    const denied = [...who.values()].filter((w) => access(w.user, w.group) === 'no')
    const unsure = [...who.values()].filter((w) => access(w.user, w.group) === 'unknown')
    const label = (w: {user: string; group?: string}): string => (w.group ? `${w.user}:${w.group}` : w.user)
    if (denied.length > 0) {
      out.fail({
        code: 'SOCKET_MODE_DENIES_PROXY',
        evidence: [ev(st, `${path} mode ${modeText} owner ${owner}`), ev(denied[0]!.from, `haproxy runs as ${denied.map(label).join(', ')}`)],
        fix: {commands: [`crudini --set ${m.agent.iniPath} DEFAULT metadata_proxy_socket_mode all`, agentRestart(m)], text: 'haproxy drops to metadata_proxy_user/metadata_proxy_group and must be able to write to the socket: set metadata_proxy_socket_mode (group or all), or run the proxy as the agent user.'},
        subject: path,
        summary: `mode ${modeText} (${owner}) does not let the proxy user ${denied.map(label).join(', ')} connect: haproxy answers 503`,
      })
      return
    }
    if (unsure.length > 0) {
      out.info({code: 'SOCKET_ACCESS_UNKNOWN', evidence: [ev(st, `${path} mode ${modeText} owner ${owner}`), ev(unsure[0]!.from, `haproxy runs as ${unsure.map(label).join(', ')}, group not set`)], subject: path, summary: `only members of group ${s.group ?? s.gid} may connect, and the proxy's group is not in its config`})
      return
    }
    out.pass({code: 'SOCKET_FILE_OK', evidence: [ev(st, `${path} socket mode ${modeText} owner ${s.user ?? s.uid}:${s.group ?? s.gid}`)], subject: path, summary: `socket present, mode ${modeText}`})
  },
}


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
      if (!m.agentIni.ok) throw new NotEvaluated(`nothing listens at ${path}, but where the agent listens is unknown: ${m.agentIni.reason}`)
      const st = m.sockets.get(path)
      const exists = st?.ok && st.value?.type === 'socket'
      const running = m.ps.ok ? m.ps.value.filter((p) => metadataAgentBinary(p.args) !== undefined) : []
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
    const agent = named.find((p) => metadataAgentBinary(p.cmdline) !== undefined || isAgentComm(p.comm))
    if (agent) {
      out.pass({code: 'SOCKET_OWNED_BY_AGENT', evidence: [ev(m.unixListeners, `${path} inode ${l.inode ?? '?'}`), ev(m.procNet.ok ? m.procNet : m.unixListeners, `pid ${agent.pid}: ${agent.cmdline.join(' ').slice(0, 160)}`)], subject: path, summary: `the metadata agent (pid ${agent.pid}) listens`})
      return
    }
    // not a form of the agent mdctl knows: the agent hop's probe over the socket judges whether it answers like one
    const o = named[0]!
    out.info({code: 'SOCKET_OWNER_UNRECOGNISED', evidence: [ev(m.procNet.ok ? m.procNet : m.unixListeners, `pid ${o.pid}: ${o.cmdline.join(' ').slice(0, 160)}`)], subject: path, summary: `the socket is held by ${o.comm} (pid ${o.pid}: ${o.cmdline.join(' ').slice(0, 80)}), not a recognised neutron metadata agent; agent-probe judges its answers`})
  },
}
