import {randomUUID} from 'node:crypto'
import {lstat, open, readdir, readFile, readlink, stat} from 'node:fs/promises'
import {availableParallelism, hostname} from 'node:os'

import {EVIDENCE, type EvidenceKey, type Paths} from '../evidence/registry.js'
import {getFirst, parseIni} from '../parsers/ini.js'
import {signInstanceId} from '../reference/signature.js'
import {USER_AGENT} from '../version.js'
import type {Capture} from './capture.js'
import {execCapture} from './exec.js'
import {httpProbe} from './http-probe.js'
import {NetnsScanner} from './netns-scanner.js'
import {Redactor, SECRET_KEYS} from './redact.js'
import type {ProbeSpec, Source} from './source.js'

const FILE_LIMIT = 8 * 1024 * 1024
const LOG_TAIL = 1024 * 1024
export const NETNS_DIR = '/run/netns'
const MARK = '@@mdctl-rc:'
// Each command run in a namespace is followed by a marker carrying its exit code on both
// streams, so one process tree's output splits back into one capture per command (netns-scanner.ts).
type NetnsKey = 'netns.iptables' | 'netns.listeners' | 'netns.addr'
// Only what the checks read: routers are judged by their rules and listeners, DHCP and OVN
// namespaces by their listeners and addresses. Every command left out is 1000 execs saved on a
// node with 1000 routers.
const ROUTER_KEYS: readonly NetnsKey[] = ['netns.iptables', 'netns.listeners']
const DHCP_KEYS: readonly NetnsKey[] = ['netns.listeners', 'netns.addr']
// OVN namespaces also by their mangle rules: the checksum fix the agent adds on netdev datapaths
const OVN_NS_KEYS: readonly NetnsKey[] = ['netns.iptables', 'netns.listeners', 'netns.addr']
export const netnsKeysFor = (ns: string): readonly NetnsKey[] => (ns.startsWith('qrouter-') ? ROUTER_KEYS : ns.startsWith('ovnmeta-') ? OVN_NS_KEYS : DHCP_KEYS)
// processes on the metadata path: worth mapping to namespaces and sockets, and keeping in bundles
export const INTERESTING = /haproxy|neutron|dnsmasq|nova-|nova\/|metadata|keepalived|radvd|ovn/

/** Reads the network node this process runs on. Only reads: nothing on the host is changed. */
export class LiveNodeSource implements Source {
  readonly kind = 'live' as const
  readonly origin: string
  readonly capturedAt = new Date().toISOString()
  readonly redactor = new Redactor()
  /**
   * each agent config's secret, by capture id (`node.agent-ini`, `node.ovn-agent-ini[<path>]`):
   * null when it sets none, `unreadable` when it could not be read; and neutron.conf's
   */
  private readonly secrets = new Map<string, string | null | 'unreadable'>()
  private neutronConfSecret: string | null | 'unreadable' | undefined
  /** TLS settings the agent uses towards nova (its config), as file paths */
  private novaTls: {ca?: string; cert?: string; key?: string; insecure: boolean} = {insecure: false}
  private readonly scanners = new Map<readonly NetnsKey[], NetnsScanner>()

  constructor(private readonly opts: {timeoutMs?: number; launchers?: number; python?: boolean} = {}) {
    this.origin = `live:${hostname()}`
  }

  get salt(): string {
    return this.redactor.salt
  }

  async get(key: EvidenceKey, paths: Paths, param?: string): Promise<Capture> {
    const spec = EVIDENCE[key]
    let c: Capture
    if (spec.kind === 'file') c = await this.readFileCapture(key, param, spec.path(paths, param), spec.redact === 'ini')
    else if (spec.kind === 'command') c = await execCapture(key, param, spec.argv(paths, param), this.origin, {timeoutMs: this.opts.timeoutMs ?? 10_000})
    else c = await this.internal(key, paths, param)
    // the process list keeps only the metadata path's processes: a bundle is attached to tickets,
    // and other processes' command lines are neither needed nor anyone's business
    if (key === 'node.ps' && c.exitCode === 0) c = {...c, stdout: c.stdout.split('\n').filter((l) => INTERESTING.test(l)).map((l) => `${l}\n`).join('')}
    return this.redactor.scrub(c)
  }

  async netns(ns: string, _paths: Paths): Promise<Capture[]> {
    const keys = netnsKeysFor(ns)
    let scanner = this.scanners.get(keys)
    if (!scanner) {
      scanner = new NetnsScanner(keys.map((k) => EVIDENCE[k].argv()), {launchers: this.opts.launchers ?? Math.min(2 * availableParallelism(), 8), timeoutS: Math.ceil((this.opts.timeoutMs ?? 5000) / 1000), ...(this.opts.python === undefined ? {} : {python: this.opts.python})})
      this.scanners.set(keys, scanner)
    }
    const r = await scanner.run(ns)
    const timedOut = r.exitCode === 124 || r.exitCode === 137
    const raw = {exitCode: r.exitCode, failure: timedOut ? ('timeout' as const) : undefined, stderr: timedOut ? `timed out after ${this.opts.timeoutMs ?? 5000} ms in ${ns}` : r.stderr, stdout: r.stdout}
    const durationMs = r.durationMs
    const outs = raw.stdout.split(new RegExp(`^${MARK}(\\d+)\\n?`, 'm'))
    const errs = raw.stderr.split(new RegExp(`^${MARK}\\d+\\n?`, 'm'))
    return keys.map((key, i) => {
      const argv = EVIDENCE[key].argv()
      const rcText = outs[i * 2 + 1]
      if (rcText === undefined) {
        // nsenter itself failed, or the shell died before reaching this command
        const vanished = /No such file or directory|Invalid argument/.test(raw.stderr)
        return this.redactor.scrub({
          argv,
          durationMs,
          exitCode: raw.exitCode === 0 ? -1 : raw.exitCode,
          failure: raw.failure ?? (vanished ? 'vanished' : 'error'),
          key,
          origin: this.origin,
          param: ns,
          stderr: vanished ? `namespace ${ns} vanished during the scan: ${raw.stderr.trim()}` : raw.stderr.trim() || 'no output',
          stdout: '',
        })
      }
      const rc = Number(rcText)
      return this.redactor.scrub({
        argv,
        durationMs,
        exitCode: rc,
        ...(rc === 127 ? {failure: 'not-found' as const} : {}),
        key,
        origin: this.origin,
        param: ns,
        stderr: (errs[i] ?? '').trim(),
        stdout: outs[i * 2] ?? '',
      })
    })
  }

  close(): void {
    for (const s of this.scanners.values()) s.close()
  }

  async probe(spec: ProbeSpec, paths: Paths): Promise<Capture> {
    const argv = EVIDENCE[spec.key].argv(paths, spec.param)
    const base = {argv, key: spec.key, origin: this.origin, param: spec.param}
    if (spec.key === 'probe.ns-http') {
      const c = await execCapture(spec.key, spec.param, ['nsenter', `--net=${NETNS_DIR}/${spec.netns ?? spec.param}`, 'curl', '-sS', '-i', '-m', '3', '-A', USER_AGENT, 'http://169.254.169.254/'], this.origin, {
        logicalArgv: argv,
        timeoutMs: 6000,
      })
      return this.redactor.scrub(c)
    }
    const headers = {...spec.headers}
    if (spec.key === 'probe.nova-signed') {
      const secret = spec.signWith === 'random' ? randomUUID() : this.agentSecret(spec.secretFrom ?? 'node.agent-ini')
      // signing without the agent's real secret would make nova's 403 look like a mismatch
      if (typeof secret !== 'string') return {...base, durationMs: 0, exitCode: -1, failure: secret.failure, stderr: `not probed: ${secret.why}`, stdout: ''}
      const id = randomUUID()
      headers['X-Instance-ID'] = id
      headers['X-Tenant-ID'] = randomUUID().replaceAll('-', '')
      headers['X-Forwarded-For'] = '192.0.2.1'
      headers['X-Instance-ID-Signature'] = signInstanceId(secret, id)
    }
    const url = spec.url ?? 'http://169.254.169.254/'
    let tls: {ca?: string; cert?: string; key?: string; insecure: boolean} | undefined
    if (url.startsWith('https:') && spec.key !== 'probe.agent') {
      const t = await readTls(this.novaTls)
      if ('why' in t) return {...base, durationMs: 0, exitCode: -1, failure: t.failure, stderr: `not probed: ${t.why}`, stdout: ''}
      tls = t
    }
    const r = await httpProbe({
      ...(tls ? {tls} : {}),
      headers,
      timeoutMs: 5000,
      url,
      ...(spec.key === 'probe.agent' ? {socketPath: paths.socketPath} : {}),
    })
    return this.redactor.scrub({...base, durationMs: r.durationMs, exitCode: r.exitCode, ...(r.failure ? {failure: r.failure} : {}), stderr: r.stderr, stdout: r.stdout})
  }

  /**
   * The secret the agent signs with: metadata_agent.ini's, else neutron.conf's (the agent reads
   * both, the later file winning), else empty. Unknown when metadata_agent.ini was not read here.
   */
  private agentSecret(from: string): string | {failure: 'permission' | 'error'; why: string} {
    const own = this.secrets.get(from)
    const file = from.startsWith('node.ovn-agent-ini') ? "the OVN metadata agent's config" : 'metadata_agent.ini'
    if (own === 'unreadable') return {failure: 'permission', why: `${file} could not be read, so the agent's shared secret is unknown (run doctor as root)`}
    if (own === undefined) return {failure: 'error', why: `${file} was not found, so the agent's shared secret is unknown (pass --neutron-config-dir)`}
    if (own !== null) return own
    if (this.neutronConfSecret === 'unreadable') return {failure: 'permission', why: `neutron.conf could not be read and ${file} sets no secret, so the agent's shared secret is unknown (run doctor as root)`}
    return this.neutronConfSecret ?? ''
  }

  private async readFileCapture(key: string, param: string | undefined, path: string, ini: boolean): Promise<Capture> {
    const started = performance.now()
    const base = {argv: ['read', path], key, origin: this.origin, ...(param === undefined ? {} : {param})}
    try {
      const fh = await open(path, 'r')
      let text: string
      try {
        // a log is read from its end: the recent lines are the evidence, and the bundle stays small
        const isLog = key === 'node.ovn-agent-log'
        const limit = isLog ? LOG_TAIL : FILE_LIMIT
        const from = isLog ? Math.max(0, (await fh.stat()).size - limit) : 0
        const buf = Buffer.alloc(limit)
        const {bytesRead} = await fh.read(buf, 0, limit, from)
        text = buf.subarray(0, bytesRead).toString('utf8')
        if (from > 0) text = text.slice(text.indexOf('\n') + 1)
      } finally {
        await fh.close()
      }
      if (ini) {
        if (key === 'node.agent-ini' || key === 'node.ovn-agent-ini') {
          this.secrets.set(param === undefined ? key : `${key}[${param}]`, findSecret(text) ?? null)
          this.novaTls = tlsOptions(text)
        }
        if (key === 'node.neutron-conf') this.neutronConfSecret = findSecret(text) ?? null
        text = this.redactor.redactIni(text)
      }
      return {...base, durationMs: Math.round(performance.now() - started), exitCode: 0, stderr: '', stdout: text}
    } catch (error) {
      const e = error as NodeJS.ErrnoException
      const failure = e.code === 'EACCES' || e.code === 'EPERM' ? ('permission' as const) : undefined
      if (failure && (key === 'node.agent-ini' || key === 'node.ovn-agent-ini')) this.secrets.set(param === undefined ? key : `${key}[${param}]`, 'unreadable')
      if (failure && key === 'node.neutron-conf') this.neutronConfSecret = 'unreadable'
      const what = e.code === 'ENOENT' ? 'No such file or directory' : e.code === 'EISDIR' ? 'Is a directory' : failure ? 'Permission denied' : e.message
      return {...base, durationMs: Math.round(performance.now() - started), exitCode: 1, ...(failure ? {failure} : {}), stderr: `${path}: ${what}`, stdout: ''}
    }
  }

  private async internal(key: EvidenceKey, paths: Paths, param?: string): Promise<Capture> {
    const started = performance.now()
    const spec = EVIDENCE[key]
    const argv = spec.kind === 'file' ? ['read', spec.path(paths, param)] : spec.argv(paths, param)
    const base = {argv, key, origin: this.origin, ...(param === undefined ? {} : {param})}
    const ok = (stdout: string): Capture => ({...base, durationMs: Math.round(performance.now() - started), exitCode: 0, stderr: '', stdout})
    const fail = (e: unknown): Capture => {
      const err = e as NodeJS.ErrnoException
      return {
        ...base,
        durationMs: Math.round(performance.now() - started),
        exitCode: 1,
        ...(err.code === 'EACCES' || err.code === 'EPERM' ? {failure: 'permission' as const} : {}),
        stderr: err.code === 'ENOENT' ? `${err.path ?? ''}: No such file or directory` : String(err.message),
        stdout: '',
      }
    }
    try {
      switch (key) {
        case 'node.netns':
          return ok(await listNetns())
        case 'node.proc-net':
          return ok(await scanProc())
        case 'node.proxy-conf-dir':
          return ok(await listProxyConfs(paths.statePath))
        case 'node.socket-stat':
          return ok(await statLine(param ?? paths.socketPath))
        default:
          return fail(new Error(`no live collector for ${key}`))
      }
    } catch (error) {
      return fail(error)
    }
  }
}

/** The shared secret in [DEFAULT], as oslo.config reads it; undefined when the file sets none. */
function findSecret(text: string): string | undefined {
  try {
    return getFirst(parseIni(text), SECRET_KEYS.map((k) => ['DEFAULT', k] as const))
  } catch {
    return undefined
  }
}

/** nova_client_cert / nova_client_priv_key / auth_ca_cert / nova_metadata_insecure from metadata_agent.ini [DEFAULT]. */
function tlsOptions(text: string): {ca?: string; cert?: string; key?: string; insecure: boolean} {
  try {
    const ini = parseIni(text)
    const v = (k: string): string | undefined => getFirst(ini, [['DEFAULT', k]]) || undefined
    const ca = v('auth_ca_cert')
    const cert = v('nova_client_cert')
    const key = v('nova_client_priv_key')
    return {...(ca ? {ca} : {}), ...(cert ? {cert} : {}), ...(key ? {key} : {}), insecure: /^(true|yes|on|1)$/i.test(v('nova_metadata_insecure') ?? '')}
  } catch {
    return {insecure: false}
  }
}

/** The PEM files the agent would use towards nova over https; a file this user cannot read means no probe. */
async function readTls(o: {ca?: string; cert?: string; key?: string; insecure: boolean}): Promise<{ca?: string; cert?: string; key?: string; insecure: boolean} | {failure: 'permission' | 'error'; why: string}> {
  const out: {ca?: string; cert?: string; key?: string; insecure: boolean} = {insecure: o.insecure}
  for (const k of ['ca', 'cert', 'key'] as const) {
    const path = o[k]
    if (!path) continue
    try {
      out[k] = await readFile(path, 'utf8')
    } catch (error) {
      const e = error as NodeJS.ErrnoException
      const denied = e.code === 'EACCES' || e.code === 'EPERM'
      return {failure: denied ? 'permission' : 'error', why: `${path} (from metadata_agent.ini) could not be read: ${e.code ?? e.message}${denied ? ' (run doctor as root)' : ''}`}
    }
  }
  return out
}

/** `ls -1i /run/netns` format: "<inode> <name>" per line. An absent directory means no namespaces. */
async function listNetns(): Promise<string> {
  let names: string[]
  try {
    names = await readdir(NETNS_DIR)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return ''
    throw error
  }
  const lines = await Promise.all(
    names.sort().map(async (n) => {
      try {
        return `${(await stat(`${NETNS_DIR}/${n}`)).ino} ${n}`
      } catch {
        return `0 ${n}`
      }
    }),
  )
  return lines.map((l) => `${l}\n`).join('')
}

/**
 * One pass over /proc: for each metadata-related process, its network namespace inode and the
 * inodes of its sockets. This replaces `ss -p` per namespace (perf-notes: 15-20 ms per call).
 * Output: JSON lines {pid, uid, comm, cmdline, netns, sockets}.
 */
async function scanProc(): Promise<string> {
  const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d))
  const out: string[] = []
  await Promise.all(
    pids.map(async (pid) => {
      try {
        const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean)
        if (!INTERESTING.test(cmdline.join(' '))) return
        const [netns, status, fds] = await Promise.all([
          readlink(`/proc/${pid}/ns/net`).catch(() => ''),
          readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''),
          readdir(`/proc/${pid}/fd`).catch(() => [] as string[]),
        ])
        const links = await Promise.all(fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')))
        const sockets = links.flatMap((l) => {
          const m = /^socket:\[(\d+)\]$/.exec(l)
          return m ? [Number(m[1])] : []
        })
        const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? -1)
        const comm = /^Name:\s+(.*)$/m.exec(status)?.[1] ?? ''
        const ns = Number(/^net:\[(\d+)\]$/.exec(netns)?.[1] ?? 0)
        out.push(JSON.stringify({cmdline, comm, netns: ns, pid: Number(pid), sockets, uid}))
      } catch {
        // the process exited during the scan
      }
    }),
  )
  return out.sort((a, b) => Number(/"pid":(\d+)/.exec(a)?.[1]) - Number(/"pid":(\d+)/.exec(b)?.[1])).map((l) => `${l}\n`).join('')
}

/** Relative paths of proxy configs under the state path: `ns-metadata-proxy/<id>.conf`, `ovn-metadata-proxy/<id>.conf`. */
async function listProxyConfs(statePath: string): Promise<string> {
  const out: string[] = []
  let seen = false
  for (const dir of ['ns-metadata-proxy', 'ovn-metadata-proxy']) {
    try {
      for (const f of (await readdir(`${statePath}/${dir}`)).sort()) if (f.endsWith('.conf')) out.push(`${dir}/${f}`)
      seen = true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }
  if (!seen) {
    const e = new Error(`${statePath}/ns-metadata-proxy: No such file or directory`) as NodeJS.ErrnoException
    e.code = 'ENOENT'
    e.path = `${statePath}/ns-metadata-proxy`
    throw e
  }
  return out.map((l) => `${l}\n`).join('')
}

const TYPE_NAMES: Array<[(s: import('node:fs').Stats) => boolean, string]> = [
  [(s) => s.isSocket(), 'socket'],
  [(s) => s.isDirectory(), 'directory'],
  [(s) => s.isSymbolicLink(), 'symbolic link'],
  [(s) => s.isFile() && s.size === 0, 'regular empty file'],
  [(s) => s.isFile(), 'regular file'],
]

/** `stat -c '%n|%F|%a|%u|%g|%U|%G|%i'` format, produced without spawning stat. */
async function statLine(path: string): Promise<string> {
  const s = await lstat(path)
  const type = TYPE_NAMES.find(([t]) => t(s))?.[1] ?? 'other'
  const [user, group] = await Promise.all([nameOf('/etc/passwd', s.uid), nameOf('/etc/group', s.gid)])
  return `${path}|${type}|${(s.mode & 0o7777).toString(8)}|${s.uid}|${s.gid}|${user}|${group}|${s.ino}\n`
}

async function nameOf(db: string, id: number): Promise<string> {
  try {
    const line = (await readFile(db, 'utf8')).split('\n').find((l) => l.split(':')[2] === String(id))
    return line?.split(':')[0] ?? 'UNKNOWN'
  } catch {
    return 'UNKNOWN'
  }
}
